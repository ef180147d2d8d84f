"""The events bench's ingestion part: buffered recording and batched flushing, beside the bare
multi-row INSERT of the same rows through the driver (no app, no SQLAlchemy), in the same run.

Measures, for ``count`` events of the bench's world:
- ``track_event`` alone (the append a request pays: Redis ``RPUSH`` or an in-process append),
  per-call median and p99;
- the beacon request with the buffer against the same request writing its event directly;
- the flush (``jobs.flush_events``: read the buffer, decode, multi-row INSERT … ON CONFLICT DO
  NOTHING, commit, trim), in events per second;
- the bare stack: the same rows, multi-row INSERT … ON CONFLICT DO NOTHING in chunks of the same
  size, through the DBAPI connection, into a copy of ``content_event`` with the same indexes;
- sustained: appends from one thread while the flusher drains the buffer from another, until
  every event is written (events per second, end to end).

The flush and the bare insert alternate (two halves each), so both see the same machine.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select, text

from affiliate.creators.attribution import ingest, jobs
from affiliate.creators.attribution.models import ContentEvent, EventKind
from core.extensions import db
from core.jobs import jobs as job_queue

BARE_TABLE = "bench_bare_event"
COLUMNS = ingest._COLUMNS


def _events(world: Any, count: int, start: datetime, rng: random.Random) -> list[tuple]:
    """(kind, content, creator, product, visitor, at) of views, clicks and adds."""
    out = []
    for n in range(count):
        content_id, creator, products = rng.choice(world.content)
        kind = (EventKind.VIEW, EventKind.CLICK, EventKind.ADD_TO_CART)[n % 3]
        product = None if kind is EventKind.VIEW else products[n % len(products)]
        out.append((kind, content_id, creator, product, f"{rng.getrandbits(64):032x}", start))
    return out


def _track(events: list[tuple]) -> list[float]:
    samples = []
    for kind, content_id, creator, product, visitor, at in events:
        began = time.perf_counter()
        ingest.track_event(kind, content_id, creator, visitor=visitor, product_id=product, at=at)
        samples.append(time.perf_counter() - began)
    return samples


def _drain() -> tuple[int, float]:
    db.session.remove()
    began, flushed = time.perf_counter(), 0
    while taken := jobs.flush_events():
        flushed += taken
    return flushed, time.perf_counter() - began


def _buffered_rows() -> list[dict[str, Any]]:
    if ingest.mode() == "redis":
        raw = job_queue.connection.lrange(ingest._redis_key(), 0, -1)
    else:
        raw = list(ingest._memory().events)
    return ingest.decode(raw)


def _bare_insert(rows: list[dict[str, Any]]) -> float:
    """The same rows through the DBAPI: multi-row INSERT … ON CONFLICT DO NOTHING, one commit."""
    marker = "%s" if db.engine.dialect.name == "postgresql" else "?"
    one = "(" + ", ".join([marker] * len(COLUMNS)) + ")"
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        began = time.perf_counter()
        for start in range(0, len(rows), ingest.ROWS_PER_STATEMENT):
            chunk = rows[start : start + ingest.ROWS_PER_STATEMENT]
            sql = (
                f"INSERT INTO {BARE_TABLE} ({', '.join(COLUMNS)}) VALUES "
                + ", ".join([one] * len(chunk))
                + " ON CONFLICT (dedup_key) DO NOTHING"
            )
            cursor.execute(sql, [row[name] for row in chunk for name in COLUMNS])
        connection.commit()
        return time.perf_counter() - began
    finally:
        connection.close()


def _make_bare_table() -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"CREATE TABLE {BARE_TABLE} (LIKE content_event INCLUDING ALL)"))
    else:  # SQLite: the same columns, the same unique and secondary indexes
        ddl = db.session.scalar(
            text("SELECT sql FROM sqlite_master WHERE type='table' AND name='content_event'")
        )
        db.session.execute(text(ddl.replace("content_event", BARE_TABLE, 1)))
        indexes = db.session.scalars(
            text(
                "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='content_event' "
                "AND sql IS NOT NULL"
            )
        ).all()
        for sql in indexes:
            db.session.execute(
                text(sql.replace("ix_", "bare_ix_", 1).replace("content_event", BARE_TABLE))
            )
    db.session.commit()


def _latency(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": statistics.median(samples) * 1000,
        "p99_ms": ordered[max(0, round(len(ordered) * 0.99) - 1)] * 1000,
    }


def _sustained(app: Flask, events: list[tuple]) -> float:
    """Appends from this thread while another flushes; events per second until all written."""
    before = db.session.scalar(select(func.count(ContentEvent.id))) or 0
    db.session.remove()
    done = threading.Event()

    def flusher() -> None:
        with app.app_context():
            while True:
                taken = jobs.flush_events()
                if not taken:
                    if done.is_set():
                        break
                    time.sleep(0.2)

    thread = threading.Thread(target=flusher)
    began = time.perf_counter()
    thread.start()
    _track(events)
    done.set()
    thread.join()
    seconds = time.perf_counter() - began
    written = (db.session.scalar(select(func.count(ContentEvent.id))) or 0) - before
    assert written == len(events), (written, len(events))
    return len(events) / seconds


def run(app: Flask, world: Any, count: int, beacon: Any) -> dict[str, Any]:
    """Every ingestion figure (``beacon(mode)`` times beacon requests in a buffer mode)."""
    rng = random.Random(5)
    start = datetime.now(UTC) - timedelta(seconds=1)
    _make_bare_table()
    figures: dict[str, Any] = {"mode": ingest.mode(), "events": count}

    append_samples: list[float] = []
    flush_seconds = bare_seconds = 0.0
    flushed = 0
    for half in (0, 1):
        events = _events(world, count // 2, start + timedelta(microseconds=half), rng)
        append_samples += _track(events)
        bare_seconds += _bare_insert(_buffered_rows())
        taken, seconds = _drain()
        flushed += taken
        flush_seconds += seconds
    figures["append"] = _latency(append_samples)
    figures["append_per_s"] = len(append_samples) / sum(append_samples)
    figures["flush_per_s"] = flushed / flush_seconds
    figures["bare_insert_per_s"] = flushed / bare_seconds
    figures["flush_vs_bare"] = bare_seconds / flush_seconds
    figures["sustained_per_s"] = _sustained(app, _events(world, count, start, rng))
    buffered, direct = beacon(ingest.mode()), beacon("direct")
    figures["beacon_buffered"] = _latency(buffered)
    figures["beacon_direct"] = _latency(direct)
    # What recording adds to its request is the append (the rest of the beacon, its checks and
    # its session, is the same with or without an event).
    figures["beacon_added_ms"] = figures["append"]["p50_ms"]
    return figures
