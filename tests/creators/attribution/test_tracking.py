"""Recording events: one insert each, repeats within the window counted once, bots ignored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import session
from sqlalchemy import func, select

from affiliate.creators.attribution import tracking
from affiliate.creators.attribution.models import ContentEvent, EventKind
from core.accounts.models import Role
from core.extensions import db
from tests.creators.factories import make_content
from tests.factories import make_user
from tests.shop.factories import make_product

# The start of a dedup bucket (a multiple of 1800 s since the epoch), so that the tests know
# which instants share a window.
BUCKET = datetime.fromtimestamp(1_800 * 1_000_000, UTC)


@pytest.fixture
def content(app_ctx):
    creator = make_user(Role.CREATOR)
    return make_content(creator, [make_product()])


def events(kind: EventKind | None = None) -> int:
    query = select(func.count(ContentEvent.id))
    if kind is not None:
        query = query.where(ContentEvent.kind == kind.value)
    return db.session.scalar(query) or 0


def record(content, kind=EventKind.VIEW, *, visitor="v1", at=BUCKET, **kwargs) -> bool:
    recorded = tracking.record_event(
        kind, content.id, content.creator_id, visitor=visitor, at=at, **kwargs
    )
    db.session.commit()
    return recorded


def test_visitor_key_is_stable_hex_and_separates_users_from_guests():
    key = tracking.visitor_key(7, "")
    assert key == tracking.visitor_key(7, "whatever session")
    assert len(key) == 32
    assert int(key, 16) >= 0
    assert tracking.visitor_key(None, "abc") == tracking.visitor_key(None, "abc")
    assert tracking.visitor_key(None, "abc") != tracking.visitor_key(None, "abd")
    assert tracking.visitor_key(7, "") != tracking.visitor_key(None, "7")


def test_current_visitor_keeps_a_guest_id_in_the_session(app):
    with app.test_request_context("/"):
        first = tracking.current_visitor()
        assert session["visitor"]
        assert tracking.current_visitor() == first


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "   ",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0)",
        "Baiduspider+(+http://www.baidu.com/search/spider.htm)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0 Safari/537.36",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "facebookexternalhit/1.1",
    ],
)
def test_bots_are_recognised(agent):
    assert tracking.is_bot(agent)


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0 Safari/537.36",
    ],
)
def test_browsers_are_not_bots(agent):
    assert not tracking.is_bot(agent)


def test_a_repeated_view_within_the_window_counts_once(content):
    assert record(content, at=BUCKET)
    assert not record(content, at=BUCKET + timedelta(minutes=29))
    assert events(EventKind.VIEW) == 1


def test_a_view_in_the_next_window_counts_again(content):
    assert record(content, at=BUCKET + timedelta(minutes=29))
    assert record(content, at=BUCKET + timedelta(minutes=31))
    assert events(EventKind.VIEW) == 2


def test_the_window_follows_configuration(content, app):
    app.config["EVENT_DEDUP_SECONDS"] = 60
    try:
        assert record(content, at=BUCKET)
        assert record(content, at=BUCKET + timedelta(minutes=2))
    finally:
        app.config["EVENT_DEDUP_SECONDS"] = 1800
    assert events() == 2


def test_other_visitors_kinds_and_products_are_not_repeats(content):
    product_id = content.products[0].product_id
    assert record(content, visitor="v1")
    assert record(content, visitor="v2")
    assert record(content, EventKind.CART_OPEN)
    assert record(content, EventKind.CLICK, product_id=product_id)
    assert not record(content, EventKind.CLICK, product_id=product_id)
    assert record(content, EventKind.CLICK, product_id=product_id + 1000)
    assert events() == 5


def test_add_to_cart_and_orders_are_never_deduplicated(content):
    product_id = content.products[0].product_id
    for _ in range(3):
        assert record(content, EventKind.ADD_TO_CART, product_id=product_id)
    assert record(content, EventKind.ORDER, product_id=product_id, amount=1999)
    assert record(content, EventKind.ORDER, product_id=product_id, amount=1999)
    assert events(EventKind.ADD_TO_CART) == 3
    assert events(EventKind.ORDER) == 2
    keys = db.session.scalars(select(ContentEvent.dedup_key)).all()
    assert keys == [None] * 5


def test_recording_is_one_statement(content, count_queries):
    ids = content.id, content.creator_id
    product_id = content.products[0].product_id
    for kind in (EventKind.VIEW, EventKind.CLICK, EventKind.ORDER):
        before = count_queries.count
        tracking.record_event(kind, *ids, visitor="v9", product_id=product_id)
        statements = count_queries.statements[before:]
        assert len(statements) == 1, statements
        assert "ON CONFLICT" in statements[0].upper()
    db.session.commit()
    before = count_queries.count
    assert not tracking.record_event(EventKind.VIEW, *ids, visitor="v9", product_id=product_id)
    assert count_queries.count - before == 1


def test_events_keep_what_happened(content):
    product_id = content.products[0].product_id
    record(content, EventKind.ORDER, product_id=product_id, amount=2599, visitor="buyer")
    event = db.session.scalars(select(ContentEvent)).one()
    assert (event.kind, event.content_id, event.creator_id, event.product_id) == (
        "order",
        content.id,
        content.creator_id,
        product_id,
    )
    assert event.amount == 2599
    assert event.occurred_at == BUCKET
    assert event.visitor == "buyer"
