"""Live deals in the shop: a deal price for the cart lines that came from one content (a live),
inside its window once the content opened, ahead of the store's other offers and vouchers,
with its units and per-buyer limit taken at checkout and given back on cancellation.

The shop knows the content only as a cart line's attribution, so these tests name it with an
``Attribution`` of content type "live" and an id, as the yellow cart does.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Store, Variant
from shop.orders.cart import Attribution, add_to_cart, get_or_create_cart, summarise
from shop.orders.checkout.services import add_address, place_orders
from shop.orders.models import Cart, Order
from shop.promotions import live_deals
from shop.promotions.exceptions import (
    AlreadyEnded,
    FlashDealOverlap,
    InvalidDealPrice,
    InvalidLimit,
    InvalidWindow,
    LiveDealUnavailable,
    PromotionError,
)
from shop.promotions.live_deal_models import LiveDeal, LiveDealPurchase
from shop.promotions.live_deals import LiveDealNotFound
from shop.promotions.pricing.cart import price_cart
from shop.promotions.pricing.redemptions import release_for_order, reserve_live_units
from tests.factories import make_user
from tests.shop.factories import make_product_discount, make_voucher
from tests.shop.promotions.helpers import Market, market

__all__ = ["market"]  # the fixture

LIVE = 77  # the content id the deals are for
OTHER_LIVE = 78


@pytest.fixture
def creator_id(app_ctx) -> int:
    user = make_user(Role.CREATOR, email="cleo@example.com")
    db.session.commit()
    return user.id


def _deal(market: Market, creator_id: int, *, opened: bool = True, **changes) -> LiveDeal:
    now = utcnow()
    values = {
        "variant_id": market.mug,
        "deal_price": "15.00",
        "quantity": 5,
        "per_buyer_limit": 2,
        "starts_at": now - timedelta(minutes=5),
        "ends_at": now + timedelta(hours=1),
    }
    values.update(changes)
    deal = live_deals.create_live_deal(
        db.session.get(Store, market.store),
        creator_id=creator_id,
        content_type="live",
        content_id=LIVE,
        opened_at=now - timedelta(minutes=5) if opened else None,
        **values,
    )
    db.session.commit()
    return deal


def _cart(buyer_id: int, variant_id: int, quantity: int, content_id: int | None, creator_id: int):
    cart = get_or_create_cart(user_id=buyer_id)
    source = (
        Attribution(creator_id, "live", content_id, utcnow()) if content_id is not None else None
    )
    add_to_cart(cart, db.session.get(Variant, variant_id), quantity, source)
    db.session.commit()
    return cart


def _line(buyer_id: int):
    cart = get_or_create_cart(user_id=buyer_id)
    views = [view for group in summarise(cart).groups for view in group.available_lines]
    pricing = price_cart(views, buyer_id=buyer_id, codes={})
    return pricing.stores[0].lines[0], pricing


def _checkout(buyer_id: int, codes: dict | None = None) -> Order:
    address = add_address(
        buyer_id, full_name="B", line1="1 St", city="C", postal_code="1", country="US"
    )
    cart = db.session.scalar(select(Cart).where(Cart.user_id == buyer_id))
    payment = place_orders(buyer_id, cart, address, provider="test", codes=codes or {})
    db.session.commit()
    return payment.orders[0]


# ---------------------------------------------------------------------------- pricing


def test_deal_price_applies_to_a_line_added_from_its_live(market, creator_id):
    deal = _deal(market, creator_id)
    _cart(market.buyer_id, market.mug, 1, LIVE, creator_id)
    line, _ = _line(market.buyer_id)
    assert (line.live_deal_id, line.unit_price, line.amount) == (deal.id, 1500, 1500)


def test_deal_price_does_not_apply_to_a_line_from_elsewhere(market, creator_id):
    _deal(market, creator_id)
    _cart(market.buyer_id, market.mug, 1, OTHER_LIVE, creator_id)
    _cart(market.other_buyer_id, market.mug, 1, None, creator_id)
    for buyer in (market.buyer_id, market.other_buyer_id):
        line, _ = _line(buyer)
        assert (line.live_deal_id, line.amount) == (None, 2000)


def test_deal_waits_until_its_live_opens(market, creator_id):
    deal = _deal(market, creator_id, opened=False)
    _cart(market.buyer_id, market.mug, 1, LIVE, creator_id)
    assert _line(market.buyer_id)[0].live_deal_id is None
    assert live_deals.open_for_content("live", LIVE, utcnow()) == 1
    db.session.commit()
    assert _line(market.buyer_id)[0].live_deal_id == deal.id


def test_deal_does_not_apply_before_its_window(market, creator_id):
    now = utcnow()
    _deal(
        market, creator_id, starts_at=now + timedelta(minutes=10), ends_at=now + timedelta(hours=1)
    )
    _cart(market.buyer_id, market.mug, 1, LIVE, creator_id)
    assert _line(market.buyer_id)[0].live_deal_id is None


def test_deal_ended_with_its_live_stops_applying(market, creator_id):
    _deal(market, creator_id)
    _cart(market.buyer_id, market.mug, 1, LIVE, creator_id)
    assert live_deals.end_for_content("live", LIVE, utcnow()) == 1
    db.session.commit()
    assert _line(market.buyer_id)[0].live_deal_id is None


def test_live_deal_takes_precedence_over_a_better_product_discount(market, creator_id):
    now = utcnow()
    make_product_discount(
        db.session.get(Variant, market.mug).product,
        percent_bps=5000,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    deal = _deal(market, creator_id)
    _cart(market.buyer_id, market.mug, 1, LIVE, creator_id)
    line, _ = _line(market.buyer_id)
    assert (line.live_deal_id, line.product_discount_id, line.amount) == (deal.id, None, 1500)


def test_store_voucher_does_not_apply_to_a_live_deal_line(market, creator_id):
    now = utcnow()
    make_voucher(
        db.session.get(Store, market.store),
        code="TENOFF",
        amount_off=1000,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    _deal(market, creator_id)
    _cart(market.buyer_id, market.mug, 1, LIVE, creator_id)
    _cart(market.buyer_id, market.lamp_s, 1, None, creator_id)
    cart = get_or_create_cart(user_id=market.buyer_id)
    views = [view for group in summarise(cart).groups for view in group.available_lines]
    pricing = price_cart(views, buyer_id=market.buyer_id, codes={market.store: "tenoff"})
    store = pricing.stores[0]
    by_variant = {line.view.variant.id: line for line in store.lines}
    assert by_variant[market.mug].voucher_discount == 0
    assert by_variant[market.mug].amount == 1500
    assert by_variant[market.lamp_s].voucher_discount == 1000
    assert store.total == 1500 + 2000


def test_quantity_above_the_per_buyer_limit_pays_the_list_price_and_says_why(market, creator_id):
    _deal(market, creator_id, per_buyer_limit=2)
    _cart(market.buyer_id, market.mug, 3, LIVE, creator_id)
    line, _ = _line(market.buyer_id)
    assert line.live_deal_id is None
    assert line.amount == 3 * 2000
    assert "up to 2" in (line.note or "")


def test_sold_out_deal_applies_no_more(market, creator_id):
    deal = _deal(market, creator_id, quantity=2, per_buyer_limit=2)
    _cart(market.other_buyer_id, market.mug, 2, LIVE, creator_id)
    _checkout(market.other_buyer_id)
    assert db.session.get(LiveDeal, deal.id).sold == 2
    _cart(market.buyer_id, market.mug, 1, LIVE, creator_id)
    assert _line(market.buyer_id)[0].live_deal_id is None


# ---------------------------------------------------------------------------- checkout


def test_checkout_takes_the_units_and_snapshots_the_deal_on_the_line(market, creator_id):
    deal = _deal(market, creator_id)
    _cart(market.buyer_id, market.mug, 2, LIVE, creator_id)
    order = _checkout(market.buyer_id)
    line = order.lines[0]
    assert (line.live_deal_id, line.amount, line.product_discount) == (deal.id, 3000, 1000)
    assert (line.content_type, line.content_id, line.creator_id) == ("live", LIVE, creator_id)
    assert db.session.get(LiveDeal, deal.id).sold == 2
    purchase = db.session.scalars(select(LiveDealPurchase)).one()
    assert (purchase.buyer_id, purchase.quantity, purchase.order_id) == (
        market.buyer_id,
        2,
        order.id,
    )


def test_per_buyer_limit_holds_across_orders(market, creator_id):
    _deal(market, creator_id, per_buyer_limit=1)
    _cart(market.buyer_id, market.mug, 1, LIVE, creator_id)
    _checkout(market.buyer_id)
    _cart(market.buyer_id, market.mug, 1, LIVE, creator_id)
    line, _ = _line(market.buyer_id)
    assert line.live_deal_id is None
    assert "limit" in (line.note or "")


def test_reservation_refuses_past_the_limit_and_writes_nothing(market, creator_id):
    deal = _deal(market, creator_id, per_buyer_limit=1, quantity=5)
    with pytest.raises(LiveDealUnavailable, match="limited to 1 per buyer"):
        reserve_live_units(deal.id, market.buyer_id, 2, title="Mug", now=utcnow())
    db.session.rollback()
    assert db.session.get(LiveDeal, deal.id).sold == 0


def test_reservation_never_oversells(market, creator_id):
    deal = _deal(market, creator_id, per_buyer_limit=3, quantity=3)
    reserve_live_units(deal.id, market.buyer_id, 2, title="Mug", now=utcnow())
    with pytest.raises(LiveDealUnavailable, match="too few units"):
        reserve_live_units(deal.id, market.other_buyer_id, 2, title="Mug", now=utcnow())
    db.session.rollback()


def test_cancelled_order_gives_the_units_back(market, creator_id):
    deal = _deal(market, creator_id)
    _cart(market.buyer_id, market.mug, 2, LIVE, creator_id)
    order = _checkout(market.buyer_id)
    release_for_order(order.id, utcnow())
    db.session.commit()
    assert db.session.get(LiveDeal, deal.id).sold == 0
    assert db.session.scalars(select(LiveDealPurchase)).one().released_at is not None


# ---------------------------------------------------------------------------- the seller's deal


def test_another_stores_variant_is_not_found(market, creator_id):
    with pytest.raises(LiveDealNotFound) as refused:
        _deal(market, creator_id, variant_id=market.tee)
    assert refused.value.status_code == 404
    assert db.session.scalar(select(func.count(LiveDeal.id))) == 0


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"deal_price": "20.00"}, InvalidDealPrice),
        ({"deal_price": "abc"}, PromotionError),
        ({"quantity": 0}, InvalidLimit),
        ({"per_buyer_limit": 6}, InvalidLimit),
        ({"ends_at": utcnow() + timedelta(hours=13)}, InvalidLimit),
        ({"ends_at": utcnow() - timedelta(minutes=10)}, InvalidWindow),
    ],
)
def test_bad_values_are_refused_with_a_400(market, creator_id, changes, error):
    with pytest.raises(error) as refused:
        _deal(market, creator_id, **changes)
    assert getattr(refused.value, "status_code", 400) == 400
    db.session.rollback()
    assert db.session.scalar(select(func.count(LiveDeal.id))) == 0


def test_one_deal_per_option_and_live_at_a_time(market, creator_id):
    _deal(market, creator_id)
    with pytest.raises(FlashDealOverlap):
        _deal(market, creator_id)


def test_ending_a_deal_twice_is_refused_and_another_store_cannot_end_it(market, creator_id):
    deal = _deal(market, creator_id)
    other = db.session.get(Store, market.other_store)
    with pytest.raises(LiveDealNotFound):
        live_deals.end_live_deal(other, deal.id)
    store = db.session.get(Store, market.store)
    live_deals.end_live_deal(store, deal.id)
    db.session.commit()
    with pytest.raises(AlreadyEnded):
        live_deals.end_live_deal(store, deal.id)


def test_viewers_see_sold_out_and_ended(market, creator_id):
    deal = _deal(market, creator_id, quantity=1, per_buyer_limit=1)
    assert [d.state for d in live_deals.deals_for_content("live", LIVE)] == ["running"]
    _cart(market.buyer_id, market.mug, 1, LIVE, creator_id)
    _checkout(market.buyer_id)
    assert [d.state for d in live_deals.deals_for_content("live", LIVE)] == ["sold_out"]
    live_deals.end_for_content("live", LIVE, utcnow())
    db.session.commit()
    found = live_deals.deals_for_content("live", LIVE)
    assert [(d.id, d.state) for d in found] == [(deal.id, "ended")]


def test_an_option_not_on_sale_is_refused(market, creator_id):
    db.session.get(Variant, market.mug).active = False
    db.session.commit()
    with pytest.raises(InvalidDealPrice, match="not on sale") as refused:
        _deal(market, creator_id)
    assert refused.value.status_code == 400
