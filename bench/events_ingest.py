"""The events bench's ingestion part: buffered recording and batched flushing, beside the bare
multi-row INSERT of the same rows through the driver (no app, no SQLAlchemy), in the same run.

Measures, for ``count`` events of the bench's world:
- ``track_event`` alone (the append a request pays: Redis ``RPUSH`` or an in-process append),
  per-call median and p99;
- the beacon request with the buffer against the same request writing its event directly;
- the flush (``jobs.flush_events``: read the buffer, write it, commit, trim; on PostgreSQL a
  ``COPY`` into a staging table and one ``INSERT … SELECT … ON CONFLICT DO NOTHING``), draining
  a full buffer, in events per second;
- the bare stack: the same rows, multi-row INSERT … ON CONFLICT DO NOTHING in chunks of 1,000
  (the flush's former statement), through the DBAPI connection, into a copy of
  ``content_event`` with the same indexes;
- sustained: events arriving at ``--offer`` a second (pre-encoded, appended in pipelined chunks,
  standing in for many web processes) while the flush job and the roll-up job run, until every
  event is written (events per second, end to end).

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

from affiliate.creators.attribution import ingest, jobs, tracking
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


def _sustained(app: Flask, events: list[tuple], offered: int) -> dict[str, Any]:
    """Events arriving at ``offered`` a second while the periodic jobs write and fold them.

    The events are encoded beforehand (``ingest.encode_event``, as each request does) and a
    producer thread appends them in chunks (a Redis pipeline of ``RPUSH``, or the in-process
    list), standing in for many web processes: one Python thread calling ``track_event`` tops
    out near 6,000 a second, a limit of the bench, not of recording. Meanwhile one thread runs
    the flush job (``jobs.flush_events``, looping as its schedule would, resting 0.2 s when the
    buffer is empty) and another the roll-up job every second (``settle_seconds=0``: no direct
    writes race it here), both through the app as in production. The rate is events from the
    first append until the last one is in ``content_event``.
    """
    while tracking.roll_up(jobs.BATCH, settle_seconds=0):  # the roller starts level
        pass
    db.session.commit()
    before = db.session.scalar(select(func.count(ContentEvent.id))) or 0
    db.session.remove()
    encoded = [
        ingest.encode_event(kind, content_id, creator, product, visitor, at)
        for kind, content_id, creator, product, visitor, at in events
    ]
    chunk = 500
    produced, flushing_done = threading.Event(), threading.Event()
    backlog = [0]
    folded = [0]

    def producer() -> None:
        with app.app_context():
            began = time.perf_counter()
            for start in range(0, len(encoded), chunk):
                due = began + start / offered
                if (wait := due - time.perf_counter()) > 0:
                    time.sleep(wait)
                part = encoded[start : start + chunk]
                if ingest.mode() == "redis":
                    job_queue.connection.rpush(ingest._redis_key(), *part)
                else:
                    buffer = ingest._memory()
                    with buffer.lock:
                        buffer.events.extend(part)
                backlog[0] = max(backlog[0], ingest.buffered_count())
        produced.set()

    def flusher() -> None:
        with app.app_context():
            while True:
                if not jobs.flush_events():
                    if produced.is_set() and not ingest.buffered_count():
                        break
                    time.sleep(0.2)
            db.session.remove()
        flushing_done.set()

    def roller() -> None:
        with app.app_context():
            while not flushing_done.wait(1.0):
                while True:  # as jobs.roll_up_events, committing even when it folded nothing
                    taken = tracking.roll_up(jobs.BATCH, settle_seconds=0)
                    folded[0] += taken
                    if taken < jobs.BATCH:
                        break
            db.session.remove()

    threads = [threading.Thread(target=target) for target in (producer, flusher, roller)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    written = (db.session.scalar(select(func.count(ContentEvent.id))) or 0) - before
    assert written == len(events), (written, len(events))
    return {
        "sustained_per_s": len(events) / seconds,
        "offered_per_s": offered,
        "max_backlog": backlog[0],
        "folded_meanwhile": folded[0],
    }


def run(app: Flask, world: Any, count: int, beacon: Any, offered: int) -> dict[str, Any]:
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
    figures.update(_sustained(app, _events(world, count, start, rng), offered))
    figures["sustained_vs_bare"] = figures["sustained_per_s"] / figures["bare_insert_per_s"]
    buffered, direct = beacon(ingest.mode()), beacon("direct")
    figures["beacon_buffered"] = _latency(buffered)
    figures["beacon_direct"] = _latency(direct)
    # What recording adds to its request is the append (the rest of the beacon, its checks and
    # its session, is the same with or without an event).
    figures["beacon_added_ms"] = figures["append"]["p50_ms"]
    return figures
