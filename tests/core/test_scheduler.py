"""The embedded default's clock: periodic jobs on a thread, on the schedule of ``flask cron``."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from core.jobs import PeriodicJob, periodic_jobs
from core.jobs.scheduler import EmbeddedScheduler, next_run_after
from core.types import utcnow

CALLS: list[str] = []


def tick() -> None:
    CALLS.append("tick")


def boom() -> None:
    raise RuntimeError("a job that fails")


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def start_of_an_hour() -> datetime:
    return utcnow().replace(minute=0, second=0, microsecond=0)


def test_an_interval_job_runs_at_start_and_then_each_interval(app):
    CALLS.clear()
    clock = Clock(start_of_an_hour())
    scheduler = EmbeddedScheduler(
        app, [PeriodicJob("tests.core.test_scheduler.tick", interval=60)], clock=clock
    )
    assert scheduler.run_due() == ["tests.core.test_scheduler.tick"]
    clock.now += timedelta(seconds=59)
    assert scheduler.run_due() == []
    clock.now += timedelta(seconds=1)
    assert scheduler.run_due() == ["tests.core.test_scheduler.tick"]
    assert CALLS == ["tick", "tick"]


def test_a_cron_job_waits_for_its_minute(app):
    clock = Clock(start_of_an_hour())
    periodic = PeriodicJob("tests.core.test_scheduler.tick", cron="17 * * * *")
    scheduler = EmbeddedScheduler(app, [periodic], clock=clock)
    assert scheduler.run_due() == []
    clock.now += timedelta(minutes=17)
    assert scheduler.run_due() == ["tests.core.test_scheduler.tick"]
    assert scheduler.entries[0].next_run == clock.now + timedelta(hours=1)


def test_next_run_of_a_cron_expression_is_in_utc():
    at = start_of_an_hour() + timedelta(minutes=5)
    following = next_run_after(PeriodicJob("x", cron="37 * * * *"), at)
    assert following == at + timedelta(minutes=32)
    assert following.utcoffset() == timedelta(0)


def test_a_failing_job_is_logged_and_the_others_still_run(app, caplog):
    CALLS.clear()
    scheduler = EmbeddedScheduler(
        app,
        [
            PeriodicJob("tests.core.test_scheduler.boom", interval=60),
            PeriodicJob("tests.core.test_scheduler.tick", interval=60),
        ],
    )
    caplog.set_level(logging.ERROR, logger="core.jobs.scheduler")
    assert len(scheduler.run_due()) == 2
    assert CALLS == ["tick"]
    assert "a job that fails" in caplog.text


def test_the_thread_says_at_start_that_it_runs_the_periodic_jobs(app, caplog):
    CALLS.clear()
    ran = threading.Event()
    scheduler = EmbeddedScheduler(
        app, [PeriodicJob("tests.core.test_scheduler.tick", interval=3600)], tick_seconds=0.01
    )
    original = scheduler.run_due

    def run_and_signal() -> list[str]:
        result = original()
        if result:
            ran.set()
        return result

    scheduler.run_due = run_and_signal  # type: ignore[method-assign]
    caplog.set_level(logging.INFO, logger="core.jobs.scheduler")
    scheduler.start()
    try:
        assert ran.wait(5)
    finally:
        scheduler.stop()
    assert "periodic jobs run on a scheduler thread" in caplog.text
    assert CALLS == ["tick"]


def test_every_periodic_job_of_the_app_is_scheduled(app):
    scheduler = EmbeddedScheduler(app, periodic_jobs(app))
    paths = {entry.periodic.func_path for entry in scheduler.entries}
    assert {
        "core.jobs.relay_outbox",
        "shop.orders.jobs.release_unpaid_orders",
        "affiliate.creators.attribution.jobs.roll_up_events",
        "core.ledger.jobs.verify_ledger",
    } <= paths
