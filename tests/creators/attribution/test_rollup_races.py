"""PostgreSQL: the roll-up and the flush of buffered events at the same moment. A flush never
waits for a fold, and a roll-up never skips the events of a flush that has not committed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from affiliate.creators.attribution import ingest, tracking
from affiliate.creators.attribution.models import ContentDailyStat, EventKind
from affiliate.creators.centre.queries import creator as dashboards
from affiliate.creators.centre.queries.period import Period
from core.accounts.models import Role
from core.extensions import db
from tests.creators.factories import make_content
from tests.factories import make_user
from tests.shop.factories import make_product

pytestmark = pytest.mark.postgres


@pytest.fixture
def content(app, app_ctx, monkeypatch, postgres_only):
    monkeypatch.setitem(app.config, "EVENT_BUFFER", "memory")
    monkeypatch.setitem(app.config, "EVENT_BUFFER_MAX", 1_000)
    monkeypatch.setitem(app.config, "EVENT_FLUSH_SECONDS", 3_600)
    app.extensions.pop("event_buffer", None)
    yield make_content(make_user(Role.CREATOR), [make_product()])
    app.extensions.pop("event_buffer", None)


def track(content, *visitors: str) -> None:
    for visitor in visitors:
        ingest.track_event(EventKind.VIEW, content.id, content.creator_id, visitor=visitor)
    db.session.commit()


def in_thread(app: Flask, call: Callable[[], Any]) -> Future[Any]:
    """Run ``call`` in a thread of its own, with its own app context and database session."""

    def run() -> Any:
        with app.app_context():
            try:
                return call()
            finally:
                db.session.remove()

    executor = ThreadPoolExecutor(max_workers=1)
    future = executor.submit(run)
    executor.shutdown(wait=False)
    return future


def rolled_up_views() -> int:
    views = select(func.coalesce(func.sum(ContentDailyStat.views), 0)).where(
        ContentDailyStat.product_id == 0
    )
    return int(db.session.scalar(views) or 0)


def dashboard_views(creator_id: int) -> int:
    period = Period.ending(7)
    return dashboards.creator_activity(creator_id, period, tracking.cursor_position()).views


def waiting_for_the_ingest_lock() -> int:
    """Sessions of this database waiting for ``tracking.INGEST_LOCK``."""
    waiting = db.session.scalar(
        text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND objid = :lock AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        {"lock": tracking.INGEST_LOCK},
    )
    db.session.rollback()
    return int(waiting or 0)


def test_a_flush_does_not_wait_for_a_roll_up_that_is_folding(app, content, monkeypatch):
    creator_id = content.creator_id
    track(content, "a", "b", "c")
    assert ingest.flush_events() == 3
    track(content, "d")  # buffered: flushed while the roll-up folds
    folding, resume = threading.Event(), threading.Event()
    fold = tracking._fold_into_daily_stats

    def paused_fold(in_batch: Any) -> None:
        fold(in_batch)
        folding.set()
        assert resume.wait(30)

    monkeypatch.setattr(tracking, "_fold_into_daily_stats", paused_fold)
    rolled = in_thread(app, lambda: tracking.roll_up(settle_seconds=0))
    assert folding.wait(30)
    try:
        # Before, the roll-up held the ingest lock for its whole fold: this waited, then failed.
        db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
        assert ingest.flush_events() == 1
        assert dashboard_views(creator_id) == 4  # the tail, while the fold is uncommitted
    finally:
        resume.set()
    assert rolled.result(timeout=30) == 3  # its bound was read before that flush
    assert dashboard_views(creator_id) == 4  # 3 in the rollups, 1 in the tail
    assert tracking.roll_up(settle_seconds=0) == 1
    assert rolled_up_views() == 4
    assert dashboard_views(creator_id) == 4


def test_a_roll_up_waits_for_a_flush_in_flight_and_skips_none_of_it(app, content, monkeypatch):
    track(content, "a", "b", "c")
    written, commit = threading.Event(), threading.Event()
    write = ingest.write_encoded

    def paused_write(encoded: Any) -> None:
        write(encoded)  # the batch has taken its ids; its transaction has not committed
        written.set()
        assert commit.wait(30)

    monkeypatch.setattr(ingest, "write_encoded", paused_write)
    flushed = in_thread(app, ingest.flush_events)
    assert written.wait(30)
    # A later id, committed first: a roll-up reading its bound now would jump over the batch.
    tracking.record_event(EventKind.VIEW, content.id, content.creator_id, visitor="direct")
    db.session.commit()
    rolled = in_thread(app, lambda: tracking.roll_up(settle_seconds=0))
    try:
        deadline = time.monotonic() + 30
        while not rolled.done() and not waiting_for_the_ingest_lock():
            assert time.monotonic() < deadline, "the roll-up neither waited nor finished"
            time.sleep(0.02)
        assert not rolled.done(), "the roll-up did not wait for the flush in flight"
    finally:
        commit.set()
    assert flushed.result(timeout=30) == 3
    assert rolled.result(timeout=30) == 4
    assert tracking.roll_up(settle_seconds=0) == 0
    assert rolled_up_views() == 4
