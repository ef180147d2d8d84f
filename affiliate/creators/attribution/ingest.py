"""Batched ingestion of tracking events: a request appends to a buffer, a flusher writes batches.

A view, a tap or an add costs its request one append: ``RPUSH`` to a Redis list when
``REDIS_URL`` is set (~0.1 ms), or a list append in this process on the embedded default. The
flusher (``flush_events``: the periodic job every few seconds, the process's exit, and a full or
old in-process buffer) writes each batch in one transaction, through ``ON CONFLICT (dedup_key)
DO NOTHING``: on PostgreSQL a ``COPY`` of the buffered JSON into a temporary staging table and
one ``INSERT … SELECT`` into ``content_event`` (``eventcopy``); on SQLite multi-row ``INSERT …
VALUES`` statements. ``tracking.roll_up`` folds them into the dashboards.

- **Dedup as before.** A view, cart open or click carries the same ``dedup_key`` as a direct
  ``record_event`` (kind, content, product, visitor, time bucket), so a repeat is dropped by the
  unique index, whether it arrived in the same batch or a later one. An add to the cart carries
  a key of its own (``e:`` and a random id): it never collides with another add, and a batch that
  is written twice (a flusher that died after its commit) counts it once.
- **Nothing is lost.** A Redis that cannot take the append (down, timing out) makes the request
  write its event directly (``tracking.record_event``): never a 500. The Redis flusher reads a
  batch (``LRANGE``), commits it, and only then trims it off the list (``LTRIM``), under a lock
  with an expiry, so a flusher that dies mid-way leaves the batch for the next one (at least once,
  made exactly once by the keys). The in-process buffer puts a batch back if its write fails.
- **Orders stay direct** (``tracking.record_event`` in the order's own transaction): money-related
  figures are never waiting in a buffer.
- **The roll-up does not skip a batch being written.** On PostgreSQL an id is taken before its
  transaction commits; a flush holds a shared advisory lock that ``roll_up`` takes exclusively
  while it reads the highest id it will fold, so it waits for every batch in flight (events
  buffered for minutes are older than the roll-up's settle window, so that window alone would
  not protect them). It releases the lock before folding: a flush never waits for a fold.

Freshness: an event reaches the dashboards when its batch is flushed: within
``EVENT_FLUSH_SECONDS`` (5 by default) plus the flush itself.
"""

from __future__ import annotations

import atexit
import functools
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app
from redis.exceptions import RedisError
from sqlalchemy import func, select

from affiliate.creators.attribution import eventcopy, tracking
from affiliate.creators.attribution.models import ContentEvent, EventKind
from core.extensions import db
from core.jobs import jobs
from core.types import utcnow
from core.web.pageversion import mark_written

log = logging.getLogger(__name__)

#: ``EVENT_BUFFER``: ``auto`` (Redis with ``REDIS_URL``, else this process), ``redis``,
#: ``memory``, or ``direct`` (each request writes its event: no buffer).
MODES = ("auto", "redis", "memory", "direct")
REDIS_KEY = "affiliate:events:buffer"
LOCK_SUFFIX = ":flush-lock"
#: Rows per INSERT statement on SQLite (8 parameters a row, under its parameter limit).
ROWS_PER_STATEMENT = 1_000
#: Events one flush takes (the periodic job loops until the buffer is empty or it has taken
#: ``MAX_BATCHES``).
BATCH = 20_000
MAX_BATCHES = 50
_COLUMNS = (
    "kind",
    "content_id",
    "creator_id",
    "product_id",
    "visitor",
    "amount",
    "occurred_at",
    "dedup_key",
)


# ---------------------------------------------------------------------------- the buffers


@dataclass
class MemoryBuffer:
    """This process's buffer (the embedded default), thread-safe."""

    events: list[str] = field(default_factory=list)
    oldest: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def append(self, encoded: str) -> int:
        with self.lock:
            if not self.events:
                self.oldest = time.monotonic()
            self.events.append(encoded)
            return len(self.events)

    def take(self, limit: int) -> list[str]:
        with self.lock:
            taken, self.events = self.events[:limit], self.events[limit:]
            self.oldest = time.monotonic() if self.events else None
            return taken

    def put_back(self, taken: list[str]) -> None:
        with self.lock:
            self.events[:0] = taken
            self.oldest = time.monotonic()

    def age(self) -> float:
        with self.lock:
            return 0.0 if self.oldest is None else time.monotonic() - self.oldest

    def __len__(self) -> int:
        return len(self.events)


def mode(app: Flask | None = None) -> str:
    """The buffer this app uses: ``redis``, ``memory`` or ``direct``."""
    config = (app or current_app).config
    chosen = str(config.get("EVENT_BUFFER") or "auto")
    if chosen not in MODES:
        raise ValueError(f"EVENT_BUFFER must be one of {MODES}, not {chosen!r}")
    if chosen == "auto":
        return "redis" if config.get("REDIS_URL") else "memory"
    return chosen


def init_app(app: Flask) -> None:
    """Give the app its in-process buffer, flushed at exit (embedded default)."""
    if mode(app) != "memory":
        return
    buffer = app.extensions["event_buffer"] = MemoryBuffer()

    def flush_at_exit() -> None:
        if len(buffer):
            with app.app_context():
                flushed = flush_events()
                log.info("flushed %d buffered event(s) at exit", flushed)

    atexit.register(flush_at_exit)


def _memory() -> MemoryBuffer:
    buffer: MemoryBuffer = current_app.extensions.setdefault("event_buffer", MemoryBuffer())
    return buffer


def _redis_key() -> str:
    return str(current_app.config.get("EVENT_BUFFER_KEY") or REDIS_KEY)


# ---------------------------------------------------------------------------- recording


def track_event(
    kind: EventKind,
    content_id: int,
    creator_id: int,
    *,
    visitor: str,
    product_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """Record a view, cart open, click or add to the cart: buffered (direct if the buffer fails).

    Whether it counted is decided when its batch is written (a repeat is dropped then). An
    order is recorded with ``tracking.record_event`` in its own transaction instead.
    """
    kind = EventKind(kind)
    if kind is EventKind.ORDER:
        raise ValueError("orders are recorded directly, in the order's transaction")
    at = at or utcnow()
    chosen = mode()
    if chosen == "direct":
        tracking.record_event(
            kind, content_id, creator_id, visitor=visitor, product_id=product_id, at=at
        )
        return
    encoded = encode_event(kind, content_id, creator_id, product_id, visitor, at)
    if chosen == "memory":
        buffer = _memory()
        if buffer.append(encoded) >= _max_buffered() or buffer.age() >= _flush_seconds():
            # No scheduler may run in this process (gunicorn without Redis): flush beside it.
            _flush_in_background(current_app._get_current_object())  # type: ignore[attr-defined]
        return
    try:
        jobs.connection.rpush(_redis_key(), encoded)
    except RedisError:
        log.warning("event buffer unavailable: recording the event directly", exc_info=True)
        tracking.record_event(
            kind, content_id, creator_id, visitor=visitor, product_id=product_id, at=at
        )


def encode_event(
    kind: EventKind,
    content_id: int,
    creator_id: int,
    product_id: int | None,
    visitor: str,
    at: datetime,
) -> str:
    """An event as the buffer holds it (with its dedup key, or a random one for an add)."""
    key = tracking.dedup_key(kind, content_id, product_id, visitor, at) or _event_key()
    return json.dumps(
        [kind.value, content_id, creator_id, product_id, visitor, at.timestamp(), key],
        separators=(",", ":"),
    )


_flusher_lock = threading.Lock()


def _flush_in_background(app: Flask) -> None:
    """Flush this process's buffer from a thread (one at a time), not in the request."""
    if not _flusher_lock.acquire(blocking=False):
        return  # one is already at it

    def run() -> None:
        try:
            with app.app_context():
                while flush_events():
                    pass
                db.session.remove()
        except Exception:
            log.exception("flushing buffered events failed; they stay buffered")
        finally:
            _flusher_lock.release()

    threading.Thread(target=run, name="event-flush", daemon=True).start()


def _event_key() -> str:
    return "e:" + uuid.uuid4().hex


def _max_buffered() -> int:
    return int(current_app.config.get("EVENT_BUFFER_MAX") or 2_000)


def _flush_seconds() -> float:
    return float(current_app.config.get("EVENT_FLUSH_SECONDS") or 5)


# ---------------------------------------------------------------------------- flushing


def flush_events(limit: int = BATCH) -> int:
    """Write up to ``limit`` buffered events, committed; return how many were taken.

    Uses its own transaction (it commits): call it outside a request's unit of work.
    """
    chosen = mode()
    if chosen == "memory":
        return _flush_memory(limit)
    if chosen == "redis":
        return _flush_redis(limit)
    return 0


def _flush_memory(limit: int) -> int:
    buffer = _memory()
    taken = buffer.take(limit)
    if not taken:
        return 0
    try:
        write_encoded(taken)
        db.session.commit()
    except Exception:
        db.session.rollback()
        buffer.put_back(taken)
        raise
    return len(taken)


def _flush_redis(limit: int) -> int:
    connection, key = jobs.connection, _redis_key()
    token = secrets.token_hex(8)
    if not connection.set(key + LOCK_SUFFIX, token, nx=True, px=60_000):
        return 0  # another flusher is at it
    try:
        taken = connection.lrange(key, 0, limit - 1)
        if not taken:
            return 0
        write_encoded(taken)
        db.session.commit()
        connection.ltrim(key, len(taken), -1)  # only after the commit: at least once
        return len(taken)
    except Exception:
        db.session.rollback()
        raise
    finally:
        if connection.get(key + LOCK_SUFFIX) == token.encode():
            connection.delete(key + LOCK_SUFFIX)


def buffered_count() -> int:
    """Events waiting in this app's buffer (for /healthz-like checks and tests)."""
    chosen = mode()
    if chosen == "memory":
        return len(_memory())
    if chosen == "redis":
        return int(jobs.connection.llen(_redis_key()))
    return 0


def decode(encoded: Iterable[str | bytes]) -> list[dict[str, Any]]:
    """Buffered events as rows of ``content_event``, repeats within the batch dropped."""
    rows: dict[str, dict[str, Any]] = {}
    for item in encoded:
        kind, content_id, creator_id, product_id, visitor, stamp, key = json.loads(item)
        rows.setdefault(
            key,
            {
                "kind": kind,
                "content_id": content_id,
                "creator_id": creator_id,
                "product_id": product_id,
                "visitor": visitor,
                "amount": 0,
                "occurred_at": datetime.fromtimestamp(stamp, UTC),
                "dedup_key": key,
            },
        )
    return sorted(rows.values(), key=lambda row: row["occurred_at"])


def write_encoded(encoded: Sequence[str | bytes]) -> None:
    """Write a batch as the buffer holds it, under ``ON CONFLICT (dedup_key) DO NOTHING``.

    PostgreSQL: ``COPY`` of the buffered JSON into a staging table and one ``INSERT …
    SELECT`` (``eventcopy``), under the shared advisory lock that ``roll_up`` waits for.
    SQLite: decoded here and written by ``write_batch``. The caller commits.
    """
    if not encoded:
        return
    mark_written(db.session, ContentEvent.__tablename__)  # the COPY is not a Session write
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock_shared(tracking.INGEST_LOCK)))
        eventcopy.copy_encoded(db.session.connection(), encoded)
        return
    write_batch(decode(encoded))


def write_batch(rows: Sequence[dict[str, Any]]) -> None:
    """Insert decoded ``rows`` with multi-row ``INSERT … ON CONFLICT (dedup_key) DO NOTHING``.

    The statement is plain SQL through the session's connection (SQLAlchemy would compile a
    1,000-row VALUES construct afresh for every batch, which cost the flush 85% of its speed),
    with each value passed through its column's type. On PostgreSQL it runs under the shared
    advisory lock that ``roll_up`` waits for; the flush itself takes ``write_encoded``'s
    ``COPY`` there (3–4 times as fast). The caller commits.
    """
    if not rows:
        return
    mark_written(db.session, ContentEvent.__tablename__)  # a driver-level statement
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock_shared(tracking.INGEST_LOCK)))
    table = ContentEvent.__table__
    processors = [table.c[name].type.bind_processor(dialect) for name in _COLUMNS]
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        parameters = [
            value if process is None else process(value)
            for row in chunk
            for process, value in zip(processors, (row[name] for name in _COLUMNS), strict=True)
        ]
        connection.exec_driver_sql(_insert_sql(dialect.paramstyle, len(chunk)), tuple(parameters))


@functools.cache
def _insert_sql(paramstyle: str, count: int) -> str:
    """The INSERT of ``count`` rows: fixed column names and placeholders, every value bound."""
    marker = "?" if paramstyle == "qmark" else "%s"
    one = "(" + ", ".join([marker] * len(_COLUMNS)) + ")"
    values = ", ".join([one] * count)
    columns = ", ".join(_COLUMNS)
    insert = f"INSERT INTO content_event ({columns}) VALUES {values}"  # noqa: S608 - no input
    return insert + " ON CONFLICT (dedup_key) DO NOTHING"
