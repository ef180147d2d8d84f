"""Buffered events: appended by the request, written in batches, deduplicated, never lost."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import func, select

from affiliate.creators.attribution import eventcopy, ingest, jobs, tracking
from affiliate.creators.attribution.models import ContentEvent, EventKind
from affiliate.creators.centre.queries import creator as dashboards
from affiliate.creators.centre.queries.period import Period
from core.accounts.models import Role
from core.extensions import db
from core.jobs import jobs as job_queue
from core.types import utcnow
from tests.clock import now_to_the_minute
from tests.conftest import csrf_token
from tests.creators.factories import make_content
from tests.factories import make_user
from tests.shop.factories import make_product

BUCKET = datetime.fromtimestamp(1_800 * 1_000_000, UTC)
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36"}


@pytest.fixture(params=["memory", "redis"])
def buffered(request, app, monkeypatch):
    """The app with its events buffered: in this process, or in a Redis list (in-memory Redis
    here: the embedded default's)."""
    monkeypatch.setitem(app.config, "EVENT_BUFFER", request.param)
    monkeypatch.setitem(app.config, "EVENT_BUFFER_MAX", 1_000)
    monkeypatch.setitem(app.config, "EVENT_FLUSH_SECONDS", 3_600)
    with app.app_context():
        app.extensions.pop("event_buffer", None)
        job_queue.connection.delete(ingest.REDIS_KEY)
    yield request.param
    with app.app_context():
        app.extensions.pop("event_buffer", None)
        job_queue.connection.delete(ingest.REDIS_KEY)


@pytest.fixture
def content(app_ctx, buffered):
    return make_content(make_user(Role.CREATOR), [make_product()])


def track(content, kind=EventKind.VIEW, *, visitor="v1", at=BUCKET, **kwargs) -> None:
    ingest.track_event(kind, content.id, content.creator_id, visitor=visitor, at=at, **kwargs)
    db.session.commit()


def rows(kind: EventKind | None = None) -> int:
    query = select(func.count(ContentEvent.id))
    if kind is not None:
        query = query.where(ContentEvent.kind == kind.value)
    return db.session.scalar(query) or 0


def test_an_event_waits_in_the_buffer_until_a_flush_writes_it(content):
    product = content.products[0].product_id
    track(content)
    track(content, EventKind.CLICK, product_id=product)
    assert rows() == 0
    assert ingest.buffered_count() == 2

    assert ingest.flush_events() == 2
    assert rows() == 2
    assert ingest.buffered_count() == 0
    event = db.session.scalars(select(ContentEvent).where(ContentEvent.kind == "click")).one()
    assert (event.content_id, event.creator_id, event.product_id, event.visitor) == (
        content.id,
        content.creator_id,
        product,
        "v1",
    )
    assert event.occurred_at == BUCKET


def test_a_repeat_in_the_same_batch_or_a_later_one_counts_once(content):
    track(content)
    track(content)
    ingest.flush_events()
    track(content)
    ingest.flush_events()
    track(content, visitor="v2")
    ingest.flush_events()
    assert rows(EventKind.VIEW) == 2


def test_a_repeat_of_a_direct_event_is_dropped_at_the_flush(content):
    tracking.record_event(EventKind.VIEW, content.id, content.creator_id, visitor="v1", at=BUCKET)
    db.session.commit()
    track(content)
    ingest.flush_events()
    assert rows(EventKind.VIEW) == 1


def test_adds_to_the_cart_each_count_and_a_batch_written_twice_counts_them_once(content):
    product = content.products[0].product_id
    for _ in range(3):
        track(content, EventKind.ADD_TO_CART, product_id=product)
    if ingest.mode() == "redis":
        batch = job_queue.connection.lrange(ingest.REDIS_KEY, 0, -1)
    else:
        batch = list(ingest._memory().events)
    ingest.flush_events()
    ingest.write_encoded(batch)  # a flusher that died after its commit
    db.session.commit()
    ingest.write_batch(ingest.decode(batch))  # the same through the decoded rows' INSERT
    db.session.commit()
    assert rows(EventKind.ADD_TO_CART) == 3


def test_a_flushed_event_keeps_its_exact_values(content):
    """The batch reaches the database as buffered (PostgreSQL parses the JSON): the time to the
    microsecond, quotes and backslashes in a visitor, a missing product."""
    at = (utcnow() - timedelta(minutes=1)).replace(microsecond=999_999)
    track(content, visitor='a\\b"c\\n', at=at)
    track(
        content, EventKind.ADD_TO_CART, visitor="v2", at=at.replace(microsecond=1), product_id=None
    )
    assert ingest.flush_events() == 2
    events = db.session.scalars(select(ContentEvent).order_by(ContentEvent.id)).all()
    assert [(e.kind, e.visitor, e.product_id, e.occurred_at, e.amount) for e in events] == [
        ("add_to_cart", "v2", None, at.replace(microsecond=1), 0),
        ("view", 'a\\b"c\\n', None, at, 0),
    ]
    assert events[1].dedup_key == tracking.dedup_key(
        EventKind.VIEW, content.id, None, 'a\\b"c\\n', at
    )
    assert events[0].dedup_key.startswith("e:")


def test_orders_are_never_buffered(content):
    with pytest.raises(ValueError, match="directly"):
        track(content, EventKind.ORDER)


def test_a_failed_write_leaves_the_events_buffered(content, monkeypatch):
    track(content)

    def broken(rows):
        raise RuntimeError("database unavailable")

    working = ingest.write_encoded
    monkeypatch.setattr(ingest, "write_encoded", broken)
    with pytest.raises(RuntimeError):
        ingest.flush_events()
    assert ingest.buffered_count() == 1
    monkeypatch.setattr(ingest, "write_encoded", working)
    assert ingest.flush_events() == 1
    assert rows() == 1


def test_another_flusher_holding_the_lock_leaves_the_batch_to_it(content):
    if ingest.mode() != "redis":
        pytest.skip("the Redis buffer's lock")
    track(content)
    job_queue.connection.set(ingest.REDIS_KEY + ingest.LOCK_SUFFIX, "other", px=60_000)
    assert ingest.flush_events() == 0
    assert ingest.buffered_count() == 1
    job_queue.connection.delete(ingest.REDIS_KEY + ingest.LOCK_SUFFIX)
    assert ingest.flush_events() == 1


def test_redis_down_writes_the_event_directly_instead_of_failing(content, monkeypatch):
    if ingest.mode() != "redis":
        pytest.skip("the Redis buffer")

    def down(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(job_queue.connection, "rpush", down)
    track(content)
    assert rows(EventKind.VIEW) == 1


def test_the_beacon_answers_at_once_and_its_event_arrives_with_the_flush(app, client, content):
    content_id = content.id
    db.session.commit()
    response = client.post(
        "/t/events",
        data={"kind": "view", "content_id": content_id, "csrf_token": csrf_token(client)},
        headers=BROWSER,
    )
    assert response.status_code == 204
    assert rows() == 0
    db.session.remove()  # SQLite: end the test's read before the job writes
    assert jobs.flush_events() == 1
    db.session.remove()
    assert rows(EventKind.VIEW) == 1


def test_the_beacon_with_redis_down_still_answers_204_and_records(client, content, monkeypatch):
    if ingest.mode() != "redis":
        pytest.skip("the Redis buffer")
    content_id = content.id
    db.session.commit()

    def down(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(job_queue.connection, "rpush", down)
    response = client.post(
        "/t/events",
        data={"kind": "view", "content_id": content_id, "csrf_token": csrf_token(client)},
        headers=BROWSER,
    )
    assert response.status_code == 204
    db.session.remove()
    assert rows(EventKind.VIEW) == 1


def test_dashboards_show_buffered_events_once_flushed_and_once_rolled_up(content):
    now = now_to_the_minute()
    creator_id = content.creator_id
    for visitor in ("a", "b", "c"):
        track(content, visitor=visitor, at=now)

    def views() -> int:
        period = Period.ending(7, now)
        return dashboards.creator_activity(creator_id, period, tracking.cursor_position()).views

    assert views() == 0  # still buffered
    db.session.remove()  # SQLite: end the test's read before the job writes
    jobs.flush_events()
    assert views() == 3  # in the tail
    tracking.roll_up(settle_seconds=0)
    assert views() == 3  # in the rollups, not twice


def test_the_in_process_buffer_flushes_itself_when_full(app, content, monkeypatch):
    if ingest.mode() != "memory":
        pytest.skip("the in-process buffer")
    monkeypatch.setitem(app.config, "EVENT_BUFFER_MAX", 3)
    for visitor in ("a", "b", "c"):
        track(content, visitor=visitor)
    deadline = time.monotonic() + 10
    while ingest.buffered_count() and time.monotonic() < deadline:
        time.sleep(0.05)
    ingest._flusher_lock.acquire(timeout=10)  # the flushing thread has finished
    ingest._flusher_lock.release()
    db.session.remove()
    assert rows(EventKind.VIEW) == 3


def test_the_mode_follows_configuration(app, monkeypatch):
    with app.app_context():
        monkeypatch.setitem(app.config, "EVENT_BUFFER", "auto")
        monkeypatch.setitem(app.config, "REDIS_URL", None)
        assert ingest.mode() == "memory"
        monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
        assert ingest.mode() == "redis"
        monkeypatch.setitem(app.config, "EVENT_BUFFER", "sometimes")
        with pytest.raises(ValueError, match="EVENT_BUFFER"):
            ingest.mode()


def test_a_flush_that_fails_in_the_database_leaves_the_batch_and_the_next_one_writes_it(
    content, monkeypatch, postgres_only
):
    """PostgreSQL's staging table is undone with the failed transaction and made again."""
    track(content)
    working = eventcopy._MOVE
    monkeypatch.setattr(eventcopy, "_MOVE", "SELECT 1 / 0")
    with pytest.raises(Exception, match="division by zero"):
        ingest.flush_events()
    assert ingest.buffered_count() == 1
    monkeypatch.setattr(eventcopy, "_MOVE", working)
    assert ingest.flush_events() == 1
    assert rows(EventKind.VIEW) == 1
