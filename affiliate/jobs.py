"""The one place that enqueues background jobs, and the entry points of workers and cron.

With ``REDIS_URL`` set, jobs go to Redis and ``flask worker`` processes run them. Without it
(the embedded default), RQ runs each job in-process at once, on an in-memory Redis.

Jobs are module-level functions taking ids, wrapped with ``@job`` so that they run inside an
app context with a session of their own that commits on success and rolls back on failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context
from redis import Redis
from rq import Queue, Retry, SimpleWorker
from rq.job import Job
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from affiliate.extensions import db

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

_worker_app: Flask | None = None


class Jobs:
    """Flask extension holding the Redis connection and queues."""

    def __init__(self) -> None:
        self.app: Flask | None = None

    def init_app(self, app: Flask) -> None:
        url = app.config.get("REDIS_URL")
        if url:
            connection: Redis = Redis.from_url(url)
            is_async = True
        else:
            from fakeredis import FakeRedis

            connection = FakeRedis()
            is_async = False
            app.logger.info("REDIS_URL is not set: background jobs run in-process, at once")
        names = app.config["RQ_QUEUES"]
        app.extensions["jobs"] = {
            "connection": connection,
            "is_async": is_async,
            "queues": {
                name: Queue(name, connection=connection, is_async=is_async) for name in names
            },
        }

    @staticmethod
    def _state() -> dict[str, Any]:
        return current_app.extensions["jobs"]

    @property
    def connection(self) -> Redis:
        return self._state()["connection"]

    @property
    def is_async(self) -> bool:
        return self._state()["is_async"]

    def queue(self, name: str = "default") -> Queue:
        return self._state()["queues"][name]

    def queues(self) -> list[Queue]:
        return list(self._state()["queues"].values())


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
    if queued.is_failed:
        # In-process, RQ records the failure on the job and returns: say so in the log.
        result = queued.latest_result()
        log.error("job %s failed in-process:\n%s", func_path, result.exc_string if result else "?")
    return queued


@dataclass(frozen=True)
class _PendingJob:
    func_path: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    savepoint: SessionTransaction | None  # the innermost savepoint when it was asked for


_PENDING_KEY = "affiliate.pending_jobs"


def enqueue_after_commit(func_path: str, *args: Any, **kwargs: Any) -> None:
    """Enqueue once the current transaction commits; dropped if it rolls back.

    A worker that picks a job up before the data it needs is committed finds nothing, so
    every job that depends on this transaction goes through here. Releasing a savepoint is
    not a commit; rolling one back drops the jobs asked for inside it.
    """
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before any statement still drops the job
    pending = _PendingJob(func_path, args, kwargs, session.get_nested_transaction())
    session.info.setdefault(_PENDING_KEY, []).append(pending)


@event.listens_for(Session, "after_commit")
def _run_pending_jobs(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released; the transaction may still roll back
    pending: list[_PendingJob] = session.info.pop(_PENDING_KEY, [])
    for job in pending:
        enqueue(job.func_path, *job.args, **job.kwargs)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending_jobs(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)
    elif previous_transaction.nested and _PENDING_KEY in session.info:
        session.info[_PENDING_KEY] = [
            job
            for job in session.info[_PENDING_KEY]
            if not _inside(job.savepoint, previous_transaction)
        ]


@event.listens_for(Session, "after_transaction_end")
def _forget_pending_jobs(session: Session, transaction: SessionTransaction) -> None:
    """The outermost transaction ended without a commit (closed): its jobs go with it."""
    if transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)


def _inside(savepoint: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    current = savepoint
    while current is not None:
        if current is ancestor:
            return True
        current = current.parent
    return False


def job(func: F) -> F:
    """Run a job inside a fresh app context whose session commits on success."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        app = current_app._get_current_object() if has_app_context() else _app_for_worker()
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


def _app_for_worker() -> Flask:
    """Build the app once per process for a plain ``rq worker`` with no app context."""
    global _worker_app
    if _worker_app is None:
        from affiliate import create_app

        _worker_app = create_app()
    return _worker_app


@dataclass(frozen=True)
class PeriodicJob:
    func_path: str
    queue: str = "default"
    interval: int | None = None
    cron: str | None = None
    description: str = ""


PERIODIC_JOBS: list[PeriodicJob] = []


def register_periodic(job: PeriodicJob) -> None:
    """Declare a timed job; ``flask cron`` schedules every registered one."""
    if all(existing.func_path != job.func_path for existing in PERIODIC_JOBS):
        PERIODIC_JOBS.append(job)


def make_worker(queue_names: list[str] | None = None) -> SimpleWorker:
    """A worker that runs jobs in its own process (no fork per job; see TOOLING.md)."""
    queues = [jobs.queue(name) for name in queue_names] if queue_names else jobs.queues()
    return SimpleWorker(queues, connection=jobs.connection)
