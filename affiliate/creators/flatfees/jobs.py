"""The flat fees' sweep: approve submissions past their review deadline, settle approved fees
whose clearing period passed, and close the offers of plans that ended by their end date.

Each step commits on its own (one submission or offer at a time), so one that fails does not
hold back the others; every step is idempotent, so a sweep run twice or twice at once changes
nothing more. ``setup.init_app`` schedules it every 15 minutes and hands it to
``flask orders run-clock``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from affiliate.creators.flatfees import services, submissions
from core.exceptions import DomainError
from core.extensions import db
from core.jobs import PeriodicJob, job
from core.types import utcnow

log = logging.getLogger(__name__)

DEFAULT_CLEARING_DAYS = 7


def clearing_days() -> int:
    """Days an approved fee stays pending before it joins the available balance."""
    return int(current_app.config.get("FLAT_FEE_CLEARING_DAYS", DEFAULT_CLEARING_DAYS))


@dataclass
class SweepResult:
    approved: int = 0
    settled: int = 0
    offers_ended: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return (
            f"flat fees: {self.approved} auto-approved, {self.settled} settled, "
            f"{self.offers_ended} offer(s) ended, {self.failed} failed"
        )


def _step(result: SweepResult, work: object, what: str) -> bool:
    try:
        done = work() if callable(work) else False
        db.session.commit()
        return bool(done)
    except DomainError:
        db.session.rollback()
        result.failed += 1
        log.exception("flat fee sweep: %s failed", what)
        return False


def sweep_at(now: datetime) -> str:
    """One sweep as of ``now``; what it did, in words."""
    result = SweepResult()
    days = clearing_days()
    for submission_id in submissions.due_for_review(now):
        approved = _step(
            result,
            lambda sid=submission_id: (
                submissions.approve(
                    sid, actor_id=None, clearing_days=days, now=now, auto=True
                ).auto_approved
            ),
            f"auto-approving submission {submission_id}",
        )
        result.approved += int(approved)
    for submission_id in submissions.due_to_settle(now):
        settled = _step(
            result,
            lambda sid=submission_id: submissions.settle(sid, now=now),
            f"settling submission {submission_id}",
        )
        result.settled += int(settled)
    for offer_id in services.offers_past_their_plan(now):
        _step(result, lambda oid=offer_id: services.end_offer(oid, now), f"ending offer {offer_id}")
        result.offers_ended += 1
    return str(result)


@job
def sweep_flat_fees() -> str:
    """Run the flat fees' steps as of now; idempotent, so a rerun changes nothing."""
    said = sweep_at(utcnow())
    log.info("%s", said)
    return said


SWEEP_FLAT_FEES = PeriodicJob(
    "affiliate.creators.flatfees.jobs.sweep_flat_fees",
    interval=15 * 60,
    description="flat fees: approve past the review deadline, settle, close ended plans' offers",
)
