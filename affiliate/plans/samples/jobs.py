"""Sample jobs: the posting obligation's sweep (deadlines, posts, reminders, not posted).

``affiliate.plans.setup.init_app`` schedules it every 15 minutes and hands it to
``flask orders run-clock`` (``shop.hooks.register_clock_step``), which runs it at its own time.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app

from affiliate.plans.samples import obligations
from core.extensions import db
from core.jobs import PeriodicJob, job
from core.types import utcnow

log = logging.getLogger(__name__)


def posting_days() -> int:
    return int(current_app.config.get("SAMPLE_POSTING_DAYS", obligations.DEFAULT_POSTING_DAYS))


def sweep_at(now: datetime) -> str:
    """One sweep as of ``now``, committed; what it did, in words."""
    result = obligations.sweep(now, posting_days())
    db.session.commit()
    return str(result)


@job
def sweep_sample_obligations() -> str:
    """Run the posting obligation's steps as of now; idempotent, so a rerun changes nothing."""
    said = sweep_at(utcnow())
    log.info("%s", said)
    return said


SWEEP_SAMPLE_OBLIGATIONS = PeriodicJob(
    "affiliate.plans.samples.jobs.sweep_sample_obligations",
    interval=15 * 60,
    description="samples: stamp posting deadlines, record posts, remind, mark not posted",
)
