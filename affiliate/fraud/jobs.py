"""Fraud jobs: the sweep of the rules that need later facts (quick refunds, missed samples).

``affiliate.fraud.setup.init_app`` schedules it every 15 minutes and hands it to
``flask orders run-clock`` (``shop.hooks.register_clock_step``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from affiliate.fraud import services
from core.extensions import db
from core.jobs import PeriodicJob, job
from core.types import utcnow

log = logging.getLogger(__name__)


def sweep_at(now: datetime) -> str:
    """One sweep as of ``now``, committed; what it did, in words."""
    result = services.sweep(now)
    db.session.commit()
    return str(result)


@job
def sweep_fraud_rules() -> str:
    """Re-check pending commissions against the later-fact rules; idempotent."""
    said = sweep_at(utcnow())
    log.info("%s", said)
    return said


SWEEP_FRAUD_RULES = PeriodicJob(
    "affiliate.fraud.jobs.sweep_fraud_rules",
    interval=15 * 60,
    description="fraud: hold pending commissions of quick-refund buyers and missed samples",
)
