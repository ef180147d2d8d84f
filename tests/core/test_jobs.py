"""Background jobs: in-process without Redis, through real Redis and a real worker with it,
jobs enqueued after commit, and the periodic jobs and their commands."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from core.cli import build_cron_scheduler
from core.extensions import db
from core.jobs import (
    enqueue,
    enqueue_after_commit,
    job,
    jobs,
    make_worker,
    periodic_jobs,
)
from core.ledger.checks import CheckReport, record_check
from core.ledger.exceptions import DuplicateEntry
from core.ledger.models import AccountKind, LedgerCheckRun
from core.ledger.services import Cause, account_for, credit, debit, post_entry
from tests.conftest import worker_redis_url

VERIFY_LEDGER = "core.ledger.jobs.verify_ledger"
SPY = "tests.core.test_jobs.remember"

CALLS: list[tuple[Any, ...]] = []


def remember(*args: Any, **kwargs: Any) -> None:
    """A job with no database: it notes that (and with what) it ran."""
    CALLS.append((*args, *sorted(kwargs.items())))


@job
def record_then_fail() -> None:
    record_check(CheckReport())
    raise RuntimeError("the job failed after writing")


@pytest.fixture(autouse=True)
def _no_calls() -> Iterator[None]:
    CALLS.clear()
    yield
    CALLS.clear()


def _check_runs() -> int:
    return db.session.scalar(select(func.count(LedgerCheckRun.id)))


def _post_something(cause_id: int = 1) -> None:
    cash = account_for(AccountKind.PLATFORM_CASH, currency="USD")
    fees = account_for(AccountKind.PLATFORM_FEE_REVENUE, currency="USD")
    post_entry("test", Cause("test", cause_id), [debit(cash, 10), credit(fees, 10)])


# --- in-process (no REDIS_URL) --------------------------------------------------------------


def test_without_redis_jobs_run_in_process(app_ctx):
    assert app_ctx.config["REDIS_URL"] is None
    assert jobs.is_async is False


def test_enqueue_without_redis_runs_the_job_at_once_and_records_a_check(app_ctx):
    queued = enqueue(VERIFY_LEDGER)

    assert queued.is_finished
    assert queued.return_value() is True
    run = db.session.scalars(select(LedgerCheckRun)).one()
    assert run.ok
    assert run.problems == ""


def test_in_process_job_that_fails_rolls_back_what_it_wrote(app_ctx):
    queued = enqueue("tests.core.test_jobs.record_then_fail")

    assert queued.is_failed
    assert _check_runs() == 0


def test_in_process_job_that_fails_says_so_in_the_log(app_ctx, caplog):
    enqueue("tests.core.test_jobs.record_then_fail")

    failures = [r for r in caplog.records if r.name == "core.jobs" and r.levelname == "ERROR"]
    assert len(failures) == 1
    assert "tests.core.test_jobs.record_then_fail failed in-process" in failures[0].getMessage()
    assert "the job failed after writing" in failures[0].getMessage()


def test_enqueue_passes_arguments_to_the_job(app_ctx):
    enqueue(SPY, 1, "two", three=3)

    assert CALLS == [(1, "two", ("three", 3))]


def test_enqueue_after_commit_waits_for_the_commit(app_ctx):
    enqueue_after_commit(SPY, 1)
    assert CALLS == []

    db.session.commit()

    assert CALLS == [(1,)]


def test_enqueue_after_commit_passes_arguments_and_keeps_the_order(app_ctx):
    enqueue_after_commit(SPY, 1, note="first")
    enqueue_after_commit(SPY, 2)
    db.session.commit()

    assert CALLS == [(1, ("note", "first")), (2,)]


def test_enqueue_after_commit_runs_once_per_commit(app_ctx):
    enqueue_after_commit(SPY, 1)
    db.session.commit()
    db.session.commit()

    assert CALLS == [(1,)]


def test_enqueue_after_commit_is_dropped_on_rollback(app_ctx):
    enqueue_after_commit(SPY, 1)

    db.session.rollback()
    db.session.commit()

    assert CALLS == []


def test_enqueue_after_commit_is_dropped_when_the_session_closes_without_commit(app_ctx):
    enqueue_after_commit(SPY, 1)

    db.session.close()
    db.session.commit()

    assert CALLS == []


def test_enqueue_after_commit_does_not_run_when_a_savepoint_is_released(app_ctx):
    enqueue_after_commit(SPY, 1)

    with db.session.begin_nested():
        pass
    assert CALLS == []

    db.session.commit()
    assert CALLS == [(1,)]


def test_enqueue_after_commit_waits_past_a_ledger_posting_in_the_same_transaction(app_ctx):
    enqueue_after_commit(SPY, 1)
    _post_something()  # post_entry works in a savepoint
    assert CALLS == []

    db.session.commit()
    assert CALLS == [(1,)]


def test_enqueue_after_commit_survives_a_refused_duplicate_posting(app_ctx):
    _post_something()
    enqueue_after_commit(SPY, 1)
    with pytest.raises(DuplicateEntry):
        _post_something()  # its savepoint rolls back; the transaction goes on

    db.session.commit()
    assert CALLS == [(1,)]


def test_enqueue_after_commit_inside_a_rolled_back_savepoint_is_dropped(app_ctx):
    enqueue_after_commit(SPY, "kept")
    savepoint = db.session.begin_nested()
    enqueue_after_commit(SPY, "dropped")
    savepoint.rollback()

    db.session.commit()

    assert CALLS == [("kept",)]


def test_enqueue_after_commit_inside_a_released_savepoint_is_dropped_with_its_parent(app_ctx):
    outer = db.session.begin_nested()
    with db.session.begin_nested():
        enqueue_after_commit(SPY, "dropped")
    outer.rollback()

    db.session.commit()

    assert CALLS == []


def test_verify_ledger_after_commit_sees_what_the_transaction_wrote(app_ctx):
    _post_something()
    enqueue_after_commit(VERIFY_LEDGER)

    db.session.commit()

    run = db.session.scalars(select(LedgerCheckRun)).one()
    assert run.ok
    assert run.entries_checked == 1


# --- real Redis and a real worker -----------------------------------------------------------

needs_redis = pytest.mark.skipif(
    not worker_redis_url(), reason="needs Redis: set REDIS_URL (CI does)"
)


@needs_redis
def test_with_redis_jobs_are_queued_not_run(redis_app):
    with redis_app.app_context():
        assert jobs.is_async is True
        queued = enqueue(VERIFY_LEDGER)

        assert queued.get_status() == "queued"
        assert jobs.queue().count == 1
        assert _check_runs() == 0


@needs_redis
def test_with_redis_enqueue_does_not_ask_redis_whether_the_job_failed(redis_app, monkeypatch):
    # A job just queued in Redis has not run: asking its status would be a wasted round trip.
    from rq.job import Job

    def no_status(self: Job) -> bool:
        raise AssertionError("enqueue read the job's status from Redis")

    with redis_app.app_context():
        monkeypatch.setattr(Job, "is_failed", property(no_status))
        queued = enqueue(VERIFY_LEDGER)
        monkeypatch.undo()
        assert queued.get_status() == "queued"


@needs_redis
def test_real_worker_in_burst_mode_runs_a_job_queued_in_real_redis(redis_app):
    with redis_app.app_context():
        queued = enqueue(VERIFY_LEDGER)
        db.session.commit()

        worked = make_worker().work(burst=True)

        assert worked is True
        assert queued.get_status(refresh=True) == "finished"
        assert jobs.queue().count == 0
        run = db.session.scalars(select(LedgerCheckRun)).one()
        assert run.ok


@needs_redis
def test_with_redis_enqueue_after_commit_queues_at_commit(redis_app):
    with redis_app.app_context():
        enqueue_after_commit(VERIFY_LEDGER)
        _post_something()
        assert jobs.queue().count == 0

        db.session.commit()
        assert jobs.queue().count == 1

        make_worker().work(burst=True)
        run = db.session.scalars(select(LedgerCheckRun)).one()
        assert (run.ok, run.entries_checked) == (True, 1)


@needs_redis
def test_with_redis_enqueue_after_commit_queues_nothing_on_rollback(redis_app):
    with redis_app.app_context():
        enqueue_after_commit(VERIFY_LEDGER)
        db.session.rollback()
        db.session.commit()

        assert jobs.queue().count == 0


# --- periodic jobs and their commands -------------------------------------------------------


def test_periodic_registry_verifies_the_ledger_every_hour(app):
    periodic = {p.func_path: p for p in periodic_jobs(app)}
    assert VERIFY_LEDGER in periodic
    assert periodic[VERIFY_LEDGER].cron == "17 * * * *"
    assert periodic[VERIFY_LEDGER].queue == "default"


def test_cron_scheduler_registers_every_periodic_job(app_ctx):
    scheduler = build_cron_scheduler()

    registered = {(j.func_name, j.cron, j.interval, j.queue_name) for j in scheduler.get_jobs()}
    periodic = periodic_jobs(app_ctx)
    assert registered == {(p.func_path, p.cron, p.interval, p.queue) for p in periodic}


def test_flask_cron_refuses_without_redis(app):
    result = app.test_cli_runner().invoke(args=["cron"])

    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output
    assert "flask jobs run-periodic" in result.output


def test_flask_worker_refuses_without_redis(app):
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])

    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output


def test_flask_jobs_list_periodic_shows_each_job_and_its_schedule(app):
    result = app.test_cli_runner().invoke(args=["jobs", "list-periodic"])

    assert result.exit_code == 0
    assert VERIFY_LEDGER in result.output
    assert "17 * * * *" in result.output


def test_flask_jobs_run_periodic_runs_every_job_in_process(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run-periodic"])

    assert result.exit_code == 0, result.output
    assert f"running {VERIFY_LEDGER}" in result.output
    with app.app_context():
        assert _check_runs() == 1
