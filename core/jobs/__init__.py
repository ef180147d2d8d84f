"""The one place that enqueues background jobs, and the entry points of workers and cron.

With ``REDIS_URL`` set, jobs go to Redis and ``flask worker`` processes run them. Without it
(the embedded default), RQ runs each job in-process at once, on an in-memory Redis.

Jobs are module-level functions taking ids, wrapped with ``@job`` so that they run inside an
app context with a session of their own that commits on success and rolls back on failure.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context
from redis import Redis
from rq import Queue, Retry, SimpleWorker
from rq.job import Job
from rq.utils import import_attribute
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from core.extensions import db
from core.jobs import deferred, outbox

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

_worker_app: Flask | None = None


@dataclass(frozen=True)
class _JobsState:
    connection: Redis
    is_async: bool
    queues: dict[str, Queue]


class Jobs:
    """Flask extension holding the Redis connection and queues."""

    def __init__(self) -> None:
        self.app: Flask | None = None

    def init_app(self, app: Flask) -> None:
        url = app.config.get("REDIS_URL")
        if url:
            timeout = float(app.config.get("REDIS_SOCKET_TIMEOUT", 2))
            connection: Redis = Redis.from_url(
                url, socket_connect_timeout=timeout, socket_timeout=timeout
            )
            is_async = True
        else:
            from fakeredis import FakeRedis

            connection = FakeRedis()
            is_async = False
            app.logger.info("REDIS_URL is not set: background jobs run in-process, at once")
        names = app.config["RQ_QUEUES"]
        app.extensions["jobs"] = _JobsState(
            connection=connection,
            is_async=is_async,
            queues={name: Queue(name, connection=connection, is_async=is_async) for name in names},
        )
        listen_to_sessions()

    @staticmethod
    def _state() -> _JobsState:
        state: _JobsState = current_app.extensions["jobs"]
        return state

    @property
    def connection(self) -> Redis:
        return self._state().connection

    @property
    def is_async(self) -> bool:
        return self._state().is_async

    def queue(self, name: str = "default") -> Queue:
        return self._state().queues[name]

    def queues(self) -> list[Queue]:
        return list(self._state().queues.values())


jobs = Jobs()


def enqueue(
    func_path: str,
    *args: Any,
    queue: str = "default",
    job_id: str | None = None,
    retry: Retry | None = None,
    **kwargs: Any,
) -> Job:
    """Enqueue ``func_path`` (a dotted path) now. Prefer ``enqueue_after_commit`` in services."""
    queued = jobs.queue(queue).enqueue_call(
        func_path, args=args, kwargs=kwargs, job_id=job_id, retry=retry
    )
    if not jobs.is_async and queued.is_failed:
        # In-process, RQ records the failure on the job and returns: say so in the log.
        # (Through Redis a job just enqueued has not run: asking costs a round trip.)
        result = queued.latest_result()
        log.error("job %s failed in-process:\n%s", func_path, result.exc_string if result else "?")
    return queued


def enqueue_after_commit(
    func_path: str,
    *args: Any,
    queue: str = "default",
    job_id: str | None = None,
    retry: Retry | None = None,
    **kwargs: Any,
) -> None:
    """Write the job to the outbox in the current transaction; it runs after the commit.

    The row commits or rolls back with the change that causes it (a rolled-back savepoint
    takes it too). Right after the commit the relay hands it over; if Redis is down it stays
    due and the periodic relay retries it, so a committed action never loses its job and
    never fails because of the queue.
    """
    retry_max, intervals = _retry_policy(retry)
    outbox.add(
        db.session(),
        func_path,
        args,
        kwargs,
        queue=queue,
        job_id=job_id,
        retry_max=retry_max,
        retry_intervals=intervals,
    )


def _retry_policy(retry: Retry | None) -> tuple[int, list[int] | None]:
    if retry is None:
        return 0, None
    intervals = retry.intervals if isinstance(retry.intervals, list) else [retry.intervals]
    return int(retry.max), [int(seconds) for seconds in intervals]


class JobFailed(Exception):
    """A job run in-process raised; the outbox retries it by its policy."""


def _retry_of(message: outbox.Claimed) -> Retry | None:
    if not message.retry_max:
        return None
    return Retry(max=message.retry_max, interval=message.retry_intervals or 0)


def dispatch_many(messages: list[outbox.Claimed]) -> None:
    """Hand claimed messages to RQ through Redis in one pipeline; raise if that failed."""
    with jobs.connection.pipeline() as pipe:
        for message in messages:
            jobs.queue(message.queue).enqueue_call(
                message.func_path,
                args=message.args,
                kwargs=message.kwargs,
                job_id=message.job_id,
                retry=_retry_of(message),
                pipeline=pipe,
            )
        pipe.execute()


def dispatch(message: outbox.Claimed) -> Job | None:
    """Hand one claimed outbox message to RQ (or run it in-process); raise if that failed."""
    retry = _retry_of(message)  # in-process RQ ignores it: the outbox retries there
    queued = enqueue(
        message.func_path,
        *message.args,
        queue=message.queue,
        job_id=message.job_id,
        retry=retry,
        **message.kwargs,
    )
    if queued is not None and not jobs.is_async and queued.is_failed:
        result = queued.latest_result()
        reason = result.exc_string if result is not None else None
        raise JobFailed(reason.strip().splitlines()[-1] if reason else "job failed")
    return queued


def _note_outbox_rows(session: Session, _flush_context: Any) -> None:
    new = [obj for obj in session.new if isinstance(obj, outbox.OutboxMessage)]
    if new:
        outbox.note_flushed(session, new)


def _hand_over_new_rows(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released; the transaction may still roll back
    ids = outbox.take_committed_ids(session)
    if ids and deferred.active():
        deferred.keep(ids)  # a worker's job: handed over in a batch (``OutboxWorker``)
        return
    if ids and has_app_context():
        try:
            outbox.hand_over(ids)
        except Exception:  # the rows are committed: the periodic relay hands them over later
            log.exception("outbox: immediate hand-over failed; the relay retries it")


def _forget_new_rows(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:
        outbox.forget_ids(session)  # savepoints keep theirs: a claim skips rows that are gone


#: What every session does for the outbox: note new rows at flush, hand them over after the
#: commit, forget them on rollback. ``Jobs.init_app`` listens once per process.
_SESSION_LISTENERS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("after_flush", _note_outbox_rows),
    ("after_commit", _hand_over_new_rows),
    ("after_soft_rollback", _forget_new_rows),
)


def listen_to_sessions() -> None:
    """Hook the outbox into every SQLAlchemy session (once, however many apps are built)."""
    for name, listener in _SESSION_LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def job(func: F) -> F:
    """Run a job inside a fresh app context whose session commits on success."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        app: Flask = (
            current_app._get_current_object()  # type: ignore[attr-defined]
            if has_app_context()
            else _app_for_worker()
        )
        with app.app_context():
            try:
                result = func(*args, **kwargs)
                db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    return wrapper  # type: ignore[return-value]


def current_worker_factory() -> str:
    """The dotted path of the app factory a plain ``rq worker`` builds its app with."""
    return os.environ.get("APP_FACTORY", "affiliate.create_app")


def _app_for_worker() -> Flask:
    """Build the app once per process for a plain ``rq worker`` with no app context."""
    global _worker_app
    if _worker_app is None:
        # The factory sits above every package; core names it, it does not import it at load.
        factory = import_attribute(current_worker_factory())
        _worker_app = factory()
    return _worker_app


@dataclass(frozen=True)
class PeriodicJob:
    """A job run on a schedule: every ``interval`` seconds, or on a ``cron`` line (UTC)."""

    func_path: str
    queue: str = "default"
    interval: int | None = None
    cron: str | None = None
    description: str = ""


def register_periodic(app: Flask, *periodic: PeriodicJob) -> None:
    """Schedule ``periodic`` for ``app``: ``flask cron``, ``flask serve``'s scheduler thread and
    ``flask jobs run-periodic`` run what the packages' ``init_app`` registered, nothing else."""
    registered: dict[str, PeriodicJob] = app.extensions.setdefault("periodic_jobs", {})
    for each in periodic:
        existing = registered.setdefault(each.func_path, each)
        if existing != each:
            raise ValueError(f"{each.func_path} is already scheduled differently: {existing}")


def periodic_jobs(app: Flask | None = None) -> tuple[PeriodicJob, ...]:
    """The periodic jobs registered for ``app`` (default: the current app), in their order."""
    target = app if app is not None else current_app
    registered: dict[str, PeriodicJob] = target.extensions.get("periodic_jobs", {})
    return tuple(registered.values())


class OutboxWorker(SimpleWorker):
    """A worker that runs jobs in its own process (no fork per job; see TOOLING.md) and
    relays the outbox when it starts and at each maintenance pass, so that jobs committed
    while Redis was down reach the queue even when no ``flask cron`` runs.

    The outbox rows its jobs commit are handed over in batches (``core.jobs.deferred``): after
    a job once enough are kept or the oldest waited long enough, before it waits on empty
    queues, and when it stops."""

    def bootstrap(self, *args: Any, **kwargs: Any) -> None:
        super().bootstrap(*args, **kwargs)
        self._in_app(outbox.relay_due)

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()  # type: ignore[no-untyped-call]  # rq leaves it untyped
        self._in_app(outbox.relay_due)

    def execute_job(self, job: Job, queue: Queue) -> None:
        with deferred.deferring():
            super().execute_job(job, queue)
        if deferred.batch_due():
            self._hand_over_kept()

    def dequeue_job_and_maintain_ttl(
        self, timeout: int | None, max_idle_time: int | None = None
    ) -> tuple[Job, Queue] | None:
        if deferred.waiting() and self._queues_empty():
            self._hand_over_kept()
        return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)

    def teardown(self) -> None:
        self._hand_over_kept()
        super().teardown()  # type: ignore[no-untyped-call]  # rq leaves it untyped

    def _queues_empty(self) -> bool:
        try:
            with self.connection.pipeline(transaction=False) as pipe:
                for queue in self.queues:
                    pipe.llen(queue.key)
                return not any(pipe.execute())
        except Exception:  # Redis is down: the dequeue that follows says so
            return True

    def _hand_over_kept(self) -> None:
        ids = deferred.take()
        if ids:
            self._in_app(lambda: outbox.hand_over_many(ids))

    def _in_app(self, work: Callable[[], object]) -> None:
        try:
            if has_app_context():
                work()
            else:
                with _app_for_worker().app_context():
                    work()
        except Exception:  # the rows stay due: the relay hands them over
            log.exception("outbox relay in the worker failed; the next pass retries")


def make_worker(queue_names: list[str] | None = None) -> SimpleWorker:
    """A worker for this app's queues that also relays the outbox."""
    queues = [jobs.queue(name) for name in queue_names] if queue_names else jobs.queues()
    return OutboxWorker(queues, connection=jobs.connection)


@job
def relay_outbox() -> int:
    """Hand over every due outbox row (periodic; also run by every worker and the scheduler)."""
    return outbox.relay_due().handed_over


RELAY_OUTBOX = PeriodicJob(
    "core.jobs.relay_outbox",
    interval=15,
    description="hand over outbox jobs that could not be queued at once (Redis was down)",
)
