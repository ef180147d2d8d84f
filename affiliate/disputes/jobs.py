"""The overdue sweep: a case past its answer-by date is told to finance once. It never
decides anything: money moves only on an officer's decision.

``affiliate.disputes.setup`` schedules it every 15 minutes and hands it to the order clock
(``flask orders run-clock``), which runs it at its own time.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from affiliate.disputes import parties, services
from affiliate.disputes.models import Dispute, DisputeState, EventKind, Party
from core.audit.services import record
from core.extensions import db
from core.jobs import PeriodicJob, job
from core.types import utcnow

log = logging.getLogger(__name__)
BATCH = 200


def notify_overdue(now: datetime) -> int:
    """Tell finance about each open case past its deadline, once; return how many (flushed)."""
    query = (
        select(Dispute)
        .where(
            Dispute.state == DisputeState.OPEN.value,
            Dispute.answer_by <= now,
            Dispute.overdue_notified_at.is_(None),
        )
        .order_by(Dispute.answer_by, Dispute.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    cases = db.session.scalars(query).all()
    for dispute in cases:
        dispute.overdue_notified_at = now
        services.add_event(
            dispute,
            EventKind.OVERDUE,
            Party.SYSTEM,
            author_id=None,
            body="The answer is late: finance was reminded.",
            now=now,
        )
        record(
            actor_id=None,
            action="dispute.overdue",
            subject_type=services.SUBJECT,
            subject_id=dispute.id,
        )
        parties.tell_finance(
            dispute,
            f"Case #{dispute.id} is overdue: it was to be answered by "
            f"{dispute.answer_by:%d %b %Y %H:%M} UTC.",
        )
    db.session.flush()
    return len(cases)


def notify_overdue_at(now: datetime) -> str:
    """One sweep as of ``now``, committed; what it did, in words (the order clock's step)."""
    count = notify_overdue(now)
    db.session.commit()
    return f"disputes: {count} overdue case(s) told to finance"


@job
def notify_overdue_disputes() -> str:
    said = notify_overdue_at(utcnow())
    log.info("%s", said)
    return said


NOTIFY_OVERDUE_DISPUTES = PeriodicJob(
    "affiliate.disputes.jobs.notify_overdue_disputes",
    interval=15 * 60,
    description="disputes: tell finance once about each case past its answer-by date",
)
