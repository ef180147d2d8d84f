"""Ledger jobs: the periodic verification that every entry balances and every cache is true."""

from __future__ import annotations

import logging

from core.jobs import PeriodicJob, job
from core.ledger import checks

log = logging.getLogger(__name__)


@job
def verify_ledger() -> bool:
    """Run the ledger check and record its result for the finance centre."""
    report = checks.check_ledger()
    checks.record_check(report)
    if not report.ok:
        log.error("ledger check found %d problem(s): %s", len(report.problems), report.problems[:5])
    return report.ok


VERIFY_LEDGER = PeriodicJob(
    "core.ledger.jobs.verify_ledger",
    cron="17 * * * *",
    description="verify the ledger every hour",
)
