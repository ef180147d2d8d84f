"""The clock of the embedded default: periodic jobs on a thread of the development server.

In production ``flask cron`` enqueues the periodic jobs on Redis and workers run them. With no
Redis, ``flask serve`` starts this thread, which runs the same jobs on the same schedule
(``PeriodicJob.interval`` or ``.cron``) in-process, one at a time, so a fresh ``make run``
releases unpaid orders, rolls up views and clicks and relays the outbox like production.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from croniter import croniter
from flask import Flask
from rq.utils import import_attribute

from core.jobs import PeriodicJob
from core.types import utcnow

log = logging.getLogger(__name__)


@dataclass
class _Entry:
    periodic: PeriodicJob
    next_run: datetime

    def advance(self, now: datetime) -> None:
        self.next_run = next_run_after(self.periodic, now)


def next_run_after(periodic: PeriodicJob, now: datetime) -> datetime:
    """When ``periodic`` is next due after ``now`` (an interval, or a cron expression in UTC)."""
    if periodic.cron:
        due: datetime = croniter(periodic.cron, now).get_next(datetime)
        return due
    return now + timedelta(seconds=periodic.interval or 60)


class EmbeddedScheduler:
    """Run periodic jobs when due on one daemon thread; ``stop()`` ends it."""

    def __init__(
        self,
        app: Flask,
        periodic_jobs: Sequence[PeriodicJob],
        *,
        tick_seconds: float = 5.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.app = app
        self.clock = clock
        self.tick_seconds = tick_seconds
        now = clock()
        # Interval jobs run once at start (the state may be old); cron jobs wait for their time.
        self.entries = [
            _Entry(job, next_run_after(job, now) if job.cron else now) for job in periodic_jobs
        ]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="periodic-jobs", daemon=True)
        self._thread.start()
        log.info(
            "periodic jobs run on a scheduler thread of this server (%d jobs, the schedule of "
            "`flask cron`): %s",
            len(self.entries),
            ", ".join(entry.periodic.func_path.rsplit(".", 1)[-1] for entry in self.entries),
        )

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_due(self) -> list[str]:
        """Run every entry that is due now; return the paths run (for the tests and the log)."""
        ran = []
        for entry in self.entries:
            now = self.clock()
            if entry.next_run > now:
                continue
            entry.advance(now)
            ran.append(entry.periodic.func_path)
            try:
                with self.app.app_context():
                    import_attribute(entry.periodic.func_path)()
            except Exception:
                log.exception("periodic job %s failed; it runs again when next due", entry.periodic)
        return ran

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_due()
            self._stop.wait(self.tick_seconds)
