"""Every commission line says why it has its rate and when it is expected to settle: delivery
plus the return window, a rule before delivery, the moment it settled, nothing once reversed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from affiliate.creators.attribution.settlement import expected_settlement
from core.extensions import db
from core.types import utcnow
from shop.orders import lifecycle
from tests.creators.attribution import test_commission_snapshot as snapshot

world = snapshot.world  # the same seller, product, creator and video as the snapshot tests
_showcase, pay, place, the_line = (
    snapshot._showcase,
    snapshot.pay,
    snapshot.place,
    snapshot.the_line,
)

DELIVERED = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


def test_a_pending_commission_settles_the_return_window_after_delivery():
    expected = expected_settlement(
        "pending", delivered_at=DELIVERED, settled_at=None, window_days=7
    )
    assert expected.at == DELIVERED + timedelta(days=7)
    assert not expected.settled


def test_before_delivery_the_settlement_is_a_rule_not_a_date():
    expected = expected_settlement("pending", delivered_at=None, settled_at=None, window_days=7)
    assert expected.at is None
    assert expected.rule == "7 days after delivery"


def test_a_one_day_window_reads_in_the_singular():
    expected = expected_settlement("pending", delivered_at=None, settled_at=None, window_days=1)
    assert expected.rule == "1 day after delivery"


def test_a_settled_commission_answers_when_it_settled():
    settled_at = DELIVERED + timedelta(days=8)
    expected = expected_settlement(
        "settled", delivered_at=DELIVERED, settled_at=settled_at, window_days=7
    )
    assert expected.settled
    assert expected.at == settled_at


def test_a_reversed_commission_never_settles():
    assert expected_settlement("reversed", delivered_at=None, settled_at=None) is None


def test_the_window_comes_from_the_shops_setting(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "SHOP_RETURN_WINDOW_DAYS", 10)
    expected = expected_settlement("pending", delivered_at=DELIVERED, settled_at=None)
    assert expected.at == DELIVERED + timedelta(days=10)


def test_the_creators_lines_say_why_and_when(world, client, auth):
    _showcase(world)
    pay(place(world))
    auth.login(world.creator.email)
    page = client.get("/creator/").get_data(as_text=True)
    assert "Why 10%: store plan Store plan, 10%" in page
    assert "7 days after delivery" in page


def test_the_expected_date_follows_the_order_once_delivered(world, client, auth):
    _showcase(world)
    pay(place(world))
    order = the_line().order
    lifecycle.ship(order, "UPS", "1Z999", world.store.owner)
    delivered = utcnow() - timedelta(days=1)
    lifecycle.mark_delivered(order, world.buyer, now=delivered)
    db.session.commit()
    auth.login(world.creator.email)
    page = client.get("/creator/").get_data(as_text=True)
    assert f"Expected {(delivered + timedelta(days=7)).strftime('%d %b %Y')}" in page


def test_the_sellers_affiliate_sales_list_each_line_with_why_and_when(world, client, auth):
    _showcase(world)
    pay(place(world))
    auth.login(world.store.owner.email)
    page = client.get("/seller/affiliates").get_data(as_text=True)
    assert 'id="commission-lines"' in page
    assert "store plan Store plan, 10%" in page
    assert "7 days after delivery" in page
    assert world.creator.display_name in page
