"""The outbox rows a worker's jobs commit are handed over in batches (``core.jobs.deferred``),
and ``outbox.hand_over_many`` hands several rows over in one transaction and one pipeline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import func, select

from core.extensions import db
from core.jobs import deferred, enqueue_after_commit, job, jobs, make_worker, outbox
from core.jobs.outbox import OutboxMessage
from tests.conftest import recorded_statements, worker_redis_url
from tests.core.test_jobs import CALLS

SPY = "tests.core.test_jobs.remember"
CHAIN = "tests.core.test_jobs_batches.queue_a_follow_up"

needs_redis = pytest.mark.skipif(
    not worker_redis_url(), reason="needs Redis: set REDIS_URL (CI does)"
)


@job
def queue_a_follow_up(n: int) -> None:
    """A job whose commit writes an outbox row (as the payout job's mail does)."""
    enqueue_after_commit(SPY, n)


@pytest.fixture(autouse=True)
def _nothing_kept() -> Iterator[None]:
    deferred.take()
    CALLS.clear()
    yield
    deferred.take()
    CALLS.clear()


def _waiting_rows() -> int:
    waiting = db.session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.handed_over_at.is_(None))
    )
    db.session.rollback()  # SQLite: leave the database to the relay's own transactions
    return waiting


def _kept_rows(count: int) -> list[int]:
    """Commit ``count`` outbox rows as a worker's job would, and take what it kept."""
    for n in range(count):
        enqueue_after_commit(SPY, n)
    with deferred.deferring():
        db.session.commit()
    return deferred.take()


# --- the kept rows ----------------------------------------------------------------------------


def test_rows_are_kept_only_inside_a_job_of_a_worker():
    assert not deferred.active()
    with deferred.deferring():
        assert deferred.active()
    assert not deferred.active()


def test_a_batch_is_due_when_full_or_when_its_oldest_row_waited(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(deferred.time, "monotonic", lambda: clock[0])
    deferred.keep([1])
    assert deferred.waiting()
    assert not deferred.batch_due()
    clock[0] += deferred.MAX_WAIT_SECONDS
    assert deferred.batch_due()

    assert deferred.take() == [1]
    deferred.keep(range(deferred.BATCH))
    assert deferred.batch_due()
    assert len(deferred.take()) == deferred.BATCH
    assert not deferred.waiting()


def test_in_process_a_commit_inside_a_job_still_runs_its_job_at_once(app_ctx):
    queue_a_follow_up(1)
    assert _waiting_rows() == 0
    assert not deferred.waiting()


# --- through Redis and a real worker ----------------------------------------------------------


@needs_redis
def test_a_worker_hands_its_jobs_rows_over_together_when_its_queue_is_empty(redis_app):
    with redis_app.app_context():
        for n in range(3):
            jobs.queue().enqueue_call(CHAIN, args=(n,))
        batches: list[list[int]] = []
        original = outbox.hand_over_many

        def spy(ids, **kwargs):
            batches.append(list(ids))
            return original(ids, **kwargs)

        outbox.hand_over_many = spy  # type: ignore[assignment]
        try:
            make_worker().work(burst=True)
        finally:
            outbox.hand_over_many = original  # type: ignore[assignment]

        assert [len(batch) for batch in batches] == [3]
        assert _waiting_rows() == 0
        assert sorted(CALLS) == [(0,), (1,), (2,)]  # the worker ran them next
        assert not deferred.waiting()


@needs_redis
def test_rows_kept_by_a_worker_that_died_are_handed_over_by_the_relay(redis_app):
    with redis_app.app_context():
        with deferred.deferring():
            queue_a_follow_up(7)
        assert deferred.waiting()
        deferred.take()  # the worker died: what it kept is gone from memory
        assert _waiting_rows() == 1

        report = outbox.relay_due()

        assert report.handed_over == 1
        assert _waiting_rows() == 0
        assert [job.args for job in jobs.queue().get_jobs()] == [(7,)]


@needs_redis
def test_many_rows_go_in_one_transaction_and_one_pipeline(redis_app):
    with redis_app.app_context():
        ids = _kept_rows(4)
        with recorded_statements(redis_app) as statements:
            report = outbox.hand_over_many(ids)

        assert report.handed_over == 4
        written = [s.split()[0] for s in statements if not s.startswith("BEGIN")]
        assert written == ["UPDATE"]  # ... RETURNING, all four
        assert jobs.queue().count == 4
        assert outbox.hand_over_many(ids).handed_over == 0  # nothing is due twice


@needs_redis
def test_with_redis_down_a_batch_records_each_rows_failure(redis_app, monkeypatch):
    with redis_app.app_context():
        ids = _kept_rows(2)

        def down(*args, **kwargs):
            raise RedisConnectionError("Redis is down")

        monkeypatch.setattr(type(jobs.connection), "execute_command", down)
        monkeypatch.setattr("redis.client.Pipeline.execute", down)
        report = outbox.hand_over_many(ids)
        monkeypatch.undo()

        assert (report.handed_over, report.failed) == (0, 2)
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert all(row.handed_over_at is None and row.attempts == 1 for row in rows)
        assert all("Redis is down" in (row.last_error or "") for row in rows)
