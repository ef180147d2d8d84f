"""The API's periodic job: forget idempotent answers past their 24 hours."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from api.keys.models import IdempotentRequest
from core.extensions import db
from core.jobs import PeriodicJob, job
from core.types import utcnow

#: How long the first answer to a POST is replayed for its Idempotency-Key.
IDEMPOTENCY_TTL = timedelta(hours=24)


def purge_expired(now: datetime | None = None) -> int:
    """Delete the stored answers older than ``IDEMPOTENCY_TTL``; return how many."""
    cutoff = (now or utcnow()) - IDEMPOTENCY_TTL
    result = db.session.execute(
        delete(IdempotentRequest).where(IdempotentRequest.created_at <= cutoff)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@job
def purge_idempotent_requests() -> int:
    purged = purge_expired()
    db.session.commit()
    return purged


PURGE_IDEMPOTENT_REQUESTS = PeriodicJob(
    "api.keys.jobs.purge_idempotent_requests",
    interval=3600,
    description="forget the Partner API's idempotent answers older than 24 hours",
)
