"""The transactional outbox: work that must follow a commit is a row written in that commit.

Protocol, for every message (``relay`` is the only code that hands messages over):

1. ``enqueue_after_commit`` adds an ``OutboxMessage`` to the caller's session, so the message
   commits or rolls back with the change that causes it (a savepoint rolled back takes it too).
2. Right after the commit, the same process tries to hand the new rows over at once.
3. Handing over to Redis is one transaction: **mark** the row handed over (one
   ``UPDATE ... RETURNING`` that skips a row no longer due), **enqueue** it on RQ, **commit**;
   if the enqueue fails the transaction rolls back and the attempt, the error and a back-off
   ``due_at`` are recorded. A relay that dies before its commit leaves the row due (its
   enqueue may have happened: delivery is at least once, so jobs are idempotent); a second
   relay waits on the row lock and then skips it. In-process (the embedded default), where the
   job itself runs inside the hand-over and writes to the database, it is three steps: **claim**
   (one UPDATE that pushes ``due_at`` a lease ahead, committed), **run**, **record**
   (``handed_over_at``, or the failure), committed; a relay that dies between them leaves a row
   that becomes due again when its lease ends.
4. ``relay_due`` hands over every due row. It runs under ``flask cron``, at every worker start
   and between its jobs, and on the embedded scheduler thread.

With Redis, a failed hand-over means Redis is down: the row is retried with back-off for as
long as it takes, and RQ's own ``Retry`` policy handles failures of the job. In-process, the
job runs inside the hand-over, so a failing job is retried here by the message's policy and
then marked dead (``dead_at``) for staff, with its last error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import JSON, BigInteger, Index, Integer, String, func, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.extensions import Model, db
from core.types import UTCDateTime, utcnow

log = logging.getLogger(__name__)

#: Back-off between hand-over attempts when the message has no retry policy of its own.
DEFAULT_BACKOFF_SECONDS = (5, 30, 120, 300)
#: How long a claimed row is left alone before another relay may take it again.
DEFAULT_LEASE_SECONDS = 300
BATCH_SIZE = 100
ERROR_MAX = 1000


class OutboxMessage(Model):
    """One job to hand over after its transaction committed."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    func_path: Mapped[str] = mapped_column(String(200))
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    queue: Mapped[str] = mapped_column(String(40), default="default")
    job_id: Mapped[str | None] = mapped_column(String(200))
    retry_max: Mapped[int] = mapped_column(Integer, default=0)
    retry_intervals: Mapped[list[int] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(ERROR_MAX))

    __table_args__ = (
        Index(
            "ix_outbox_message_due",
            "due_at",
            sqlite_where=text("handed_over_at IS NULL AND dead_at IS NULL"),
            postgresql_where=text("handed_over_at IS NULL AND dead_at IS NULL"),
        ),
    )

    @property
    def state(self) -> str:
        if self.handed_over_at is not None:
            return "handed over"
        if self.dead_at is not None:
            return "dead"
        return "due"


_NEW_IDS_KEY = "core.jobs.outbox.new_ids"


def add(
    session: Session,
    func_path: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    *,
    queue: str = "default",
    job_id: str | None = None,
    retry_max: int = 0,
    retry_intervals: Sequence[int] | None = None,
) -> OutboxMessage:
    """Write a message in ``session``'s transaction; it is handed over after the commit."""
    message = OutboxMessage(
        func_path=func_path,
        args=list(args),
        kwargs=dict(kwargs),
        queue=queue,
        job_id=job_id,
        retry_max=retry_max,
        retry_intervals=list(retry_intervals) if retry_intervals else None,
        attempts=0,
        created_at=utcnow(),
        due_at=utcnow(),
    )
    session.add(message)
    return message


def note_flushed(session: Session, messages: Iterable[OutboxMessage]) -> None:
    """Remember ids written in this transaction, to hand them over right after its commit."""
    ids = [message.id for message in messages]
    if ids:
        session.info.setdefault(_NEW_IDS_KEY, []).extend(ids)


def take_committed_ids(session: Session) -> list[int]:
    return list(session.info.pop(_NEW_IDS_KEY, []))


def forget_ids(session: Session) -> None:
    session.info.pop(_NEW_IDS_KEY, None)


# --- relaying ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    id: int
    func_path: str
    args: list[Any]
    kwargs: dict[str, Any]
    queue: str
    job_id: str
    retry_max: int
    retry_intervals: list[int] | None
    attempts: int


@dataclass
class RelayReport:
    handed_over: int = 0
    failed: int = 0
    dead: int = 0

    def __bool__(self) -> bool:
        return bool(self.handed_over or self.failed or self.dead)


def _lease_seconds() -> int:
    return int(current_app.config.get("OUTBOX_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def _claimed(row: Any, attempts: int) -> Claimed:
    return Claimed(
        id=row.id,
        func_path=row.func_path,
        args=list(row.args or []),
        kwargs=dict(row.kwargs or {}),
        queue=row.queue,
        job_id=row.job_id or f"outbox-{row.id}",
        retry_max=row.retry_max,
        retry_intervals=row.retry_intervals,
        attempts=attempts,
    )


def _due_now(now: datetime) -> tuple[Any, ...]:
    return (
        OutboxMessage.handed_over_at.is_(None),
        OutboxMessage.dead_at.is_(None),
        OutboxMessage.due_at <= now,
    )


def _due(message_id: int, now: datetime) -> tuple[Any, ...]:
    return (OutboxMessage.id == message_id, *_due_now(now))


def _enqueue_in_one(message_id: int, now: datetime, dispatch: Any) -> Claimed | None:
    """Mark one due row handed over, enqueue it, commit: one transaction, three round trips.
    ``None`` if the row is not due; the enqueue's error (the row stays as it was) otherwise."""
    table = OutboxMessage.__table__
    with db.engine.begin() as connection:
        row = connection.execute(
            update(OutboxMessage)
            .where(*_due(message_id, now))
            .values(handed_over_at=utcnow(), attempts=OutboxMessage.attempts + 1)
            .returning(*table.c)
        ).first()
        if row is None:
            return None
        claimed = _claimed(row, row.attempts - 1)
        dispatch(claimed)
    return claimed


def _claim(message_id: int, now: datetime) -> Claimed | None:
    """Take one due row for this relay (committed at once), or ``None`` if it is not due."""
    lease = now + timedelta(seconds=_lease_seconds())
    with db.engine.begin() as connection:
        claimed = connection.execute(
            update(OutboxMessage).where(*_due(message_id, now)).values(due_at=lease)
        ).rowcount
        if claimed != 1:
            return None
        row = connection.execute(
            select(OutboxMessage.__table__).where(OutboxMessage.id == message_id)
        ).one()
    return _claimed(row, row.attempts)


def _unclaimed(message_id: int) -> Claimed | None:
    """The row as it stands, if nobody handed it over (after a failed one-transaction try)."""
    with db.engine.connect() as connection:
        row = connection.execute(
            select(OutboxMessage.__table__).where(
                OutboxMessage.id == message_id, OutboxMessage.handed_over_at.is_(None)
            )
        ).first()
    return _claimed(row, row.attempts) if row is not None else None


def _record(message_id: int, values: dict[str, Any]) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
        )


def _backoff(claimed: Claimed, attempt: int) -> int:
    intervals = claimed.retry_intervals or list(DEFAULT_BACKOFF_SECONDS)
    return int(intervals[min(attempt - 1, len(intervals) - 1)])


def hand_over(message_ids: Iterable[int], *, now: datetime | None = None) -> RelayReport:
    """Hand over the given rows (those still due); never raises for a failed hand-over."""
    from core import jobs as job_queue  # jobs imports this module: the cycle is broken here

    report = RelayReport()
    for message_id in message_ids:
        moment = now or utcnow()
        if job_queue.jobs.is_async:
            try:
                claimed = _enqueue_in_one(message_id, moment, job_queue.dispatch)
            except Exception as error:  # Redis down: the transaction rolled back
                # Read the row as it stands (another relay may have handed it over since).
                claimed = _unclaimed(message_id)
                if claimed is not None:
                    _record_failure(claimed, error, report, in_process=False)
                continue
            if claimed is not None:
                report.handed_over += 1
            continue
        claimed = _claim(message_id, moment)
        if claimed is None:
            continue
        try:
            job_queue.dispatch(claimed)
        except Exception as error:  # the in-process job failed
            _record_failure(claimed, error, report, in_process=True)
            continue
        _record(claimed.id, {"handed_over_at": utcnow(), "attempts": claimed.attempts + 1})
        report.handed_over += 1
    return report


def hand_over_many(message_ids: Sequence[int], *, now: datetime | None = None) -> RelayReport:
    """``hand_over`` for several rows through Redis in one transaction (one ``UPDATE ...
    RETURNING`` marks every row still due) and one pipeline; if that fails, the rows go one at
    a time, which records each one's failure. In-process it is ``hand_over``."""
    from core import jobs as job_queue  # jobs imports this module: the cycle is broken here

    if len(message_ids) < 2 or not job_queue.jobs.is_async:
        return hand_over(message_ids, now=now)
    moment = now or utcnow()
    table = OutboxMessage.__table__
    try:
        with db.engine.begin() as connection:
            rows = connection.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(message_ids), *_due_now(moment))
                .values(handed_over_at=utcnow(), attempts=OutboxMessage.attempts + 1)
                .returning(*table.c)
            ).all()
            if rows:
                job_queue.dispatch_many([_claimed(row, row.attempts - 1) for row in rows])
    except Exception:  # Redis down: nothing was marked; each row records its own failure
        log.warning("outbox: batch hand-over failed; handing over one at a time", exc_info=True)
        return hand_over(message_ids, now=moment)
    return RelayReport(handed_over=len(rows))


def _record_failure(
    claimed: Claimed, error: Exception, report: RelayReport, *, in_process: bool
) -> None:
    attempt = claimed.attempts + 1
    detail = f"{type(error).__name__}: {error}"[:ERROR_MAX]
    values: dict[str, Any] = {"attempts": attempt, "last_error": detail}
    if in_process and attempt > claimed.retry_max:
        values["dead_at"] = utcnow()
        report.dead += 1
        log.error("outbox %s (%s) failed for good: %s", claimed.id, claimed.func_path, detail)
    else:
        values["due_at"] = utcnow() + timedelta(seconds=_backoff(claimed, attempt))
        report.failed += 1
        log.warning(
            "outbox %s (%s) not handed over (attempt %d), retried later: %s",
            claimed.id,
            claimed.func_path,
            attempt,
            detail,
        )
    _record(claimed.id, values)


def due_ids(now: datetime, limit: int = BATCH_SIZE) -> list[int]:
    with db.engine.connect() as connection:
        return list(
            connection.execute(
                select(OutboxMessage.id)
                .where(*_due_now(now))
                .order_by(OutboxMessage.due_at, OutboxMessage.id)
                .limit(limit)
            ).scalars()
        )


def relay_due(*, now: datetime | None = None, max_batches: int = 20) -> RelayReport:
    """Hand over every due row, a batch at a time; return what happened."""
    total = RelayReport()
    for _ in range(max_batches):
        moment = now or utcnow()
        ids = due_ids(moment)
        if not ids:
            break
        report = hand_over_many(ids, now=moment)
        total.handed_over += report.handed_over
        total.failed += report.failed
        total.dead += report.dead
        if report.handed_over == 0:
            break  # everything left is failing: wait for the back-off
    if total:
        log.info(
            "outbox relay: %d handed over, %d to retry, %d dead",
            total.handed_over,
            total.failed,
            total.dead,
        )
    return total


@dataclass(frozen=True)
class OutboxStats:
    due: int
    overdue: int
    dead: int
    oldest_due_at: datetime | None


def stats(now: datetime | None = None, *, overdue_after_seconds: int = 120) -> OutboxStats:
    """How much is waiting (for ``/healthz`` and the finance pages)."""
    now = now or utcnow()
    pending = (OutboxMessage.handed_over_at.is_(None), OutboxMessage.dead_at.is_(None))
    session = db.session  # the caller's: a second connection would wait on its SQLite lock
    due, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(*pending)
    ).one()
    overdue = session.execute(
        select(func.count()).where(
            *pending,
            OutboxMessage.created_at < now - timedelta(seconds=overdue_after_seconds),
        )
    ).scalar_one()
    dead = session.execute(
        select(func.count()).where(OutboxMessage.dead_at.is_not(None))
    ).scalar_one()
    return OutboxStats(due=due, overdue=overdue, dead=dead, oldest_due_at=oldest)
