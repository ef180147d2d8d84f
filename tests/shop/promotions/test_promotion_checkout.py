"""Promotions through the cart, checkout, payment, cancellation and refunds, driven over HTTP.

The server prices every order again when it is placed: the form carries a voucher code at
most, never a price or a discount. Discounts are seller-funded, so the ledger posts what the
buyer paid and ``check_ledger`` stays clean (the suite also checks it after every test).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from core.accounts.models import User
from core.extensions import db
from core.ledger.checks import check_ledger
from core.ledger.models import AccountKind
from core.ledger.services import account_for, balance
from core.types import utcnow
from shop.catalog.models import Variant
from shop.orders import lifecycle
from shop.orders.models import Order, OrderLine
from shop.orders.refunds import requests as refund_requests
from shop.orders.refunds.models import RefundRequest
from shop.promotions.exceptions import FlashDealUnavailable, VoucherUnavailable
from shop.promotions.models import (
    FlashDeal,
    FlashDealPurchase,
    ProductDiscount,
    Voucher,
    VoucherRedemption,
)
from shop.promotions.pricing.redemptions import reserve_flash_units, take_voucher_use
from tests.shop.factories import make_flash_deal, make_order, make_product_discount, make_voucher
from tests.shop.orders.helpers import (
    add,
    cart_lines,
    count,
    ledger_entries,
    orders_of,
    pay,
    payment,
    payment_id_of,
    place,
    stock,
)
from tests.shop.promotions.helpers import Market, apply_code, market, remove_code, signed_in

__all__ = ["market"]  # the fixture

_REVIEWED = re.compile(r'name="reviewed" type="hidden" value="([0-9a-f]+)"')


def _variant(variant_id: int) -> Variant:
    return db.session.get(Variant, variant_id)


def _store(market: Market):
    return _variant(market.mug).product.store


def _buyer(client: FlaskClient, market: Market, *items: tuple[int, int]) -> FlaskClient:
    signed_in(client, market.buyer_email)
    for variant_id, quantity in items:
        assert add(client, variant_id, quantity).status_code == 303
    return client


def _fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def _receivable(market: Market) -> int:
    db.session.expire_all()
    account = account_for(AccountKind.SELLER_RECEIVABLE, currency="USD", owner_id=market.seller_id)
    return balance(account)


def _placed_order(response) -> Order:
    orders = orders_of(payment_id_of(response))
    assert len(orders) == 1
    return orders[0]


# ---------------------------------------------------------------------------- vouchers


def test_a_voucher_applied_in_the_cart_is_charged_and_kept_by_line(
    client: FlaskClient, market: Market
) -> None:
    make_product_discount(_variant(market.mug).product, percent_bps=1000)  # 2000 → 1800
    voucher = make_voucher(_store(market), code="TAKE7", amount_off=700)
    _buyer(client, market, (market.mug, 1), (market.lamp_s, 2))

    applied = apply_code(client, market.store, " take7 ")
    assert applied.status_code == 303
    assert applied.headers["Location"].endswith("/cart")
    cart_page = client.get("/cart").get_data(as_text=True)
    assert "TAKE7</strong> applied" in cart_page
    assert "$7.00 off" in cart_page
    assert "−$2.00" in cart_page  # the product discount
    assert "$71.00" in cart_page  # 80.00 − 2.00 − 7.00
    checkout_page = client.get("/checkout").get_data(as_text=True)
    assert "Place order and pay $71.00" in checkout_page
    assert "Voucher TAKE7: −$1.62" in checkout_page

    order = _placed_order(place(client))

    assert (order.subtotal, order.discount, order.total) == (8000, 900, 7100)
    assert (order.voucher_id, order.voucher_code) == (voucher.id, "TAKE7")
    lines = sorted(order.lines, key=lambda line: line.variant_id)
    assert [(ln.product_discount, ln.voucher_discount) for ln in lines] == [(200, 162), (0, 538)]
    assert sum(line.voucher_discount for line in lines) == 700
    for line in lines:
        assert line.discount == line.product_discount + line.voucher_discount
        assert line.amount == line.unit_price * line.quantity - line.discount
    assert [line.unit_price for line in lines] == [2000, 3000]  # list prices, kept
    assert lines[0].product_discount_id is not None
    assert lines[1].product_discount_id is None
    assert payment(order.payment_id).amount == 7100
    assert _fresh(Voucher, voucher.id).used_count == 1
    redemption = db.session.scalars(select(VoucherRedemption)).one()
    assert (redemption.order_id, redemption.amount, redemption.released_at) == (order.id, 700, None)
    assert cart_lines(market.buyer_id) == {}

    assert pay(client, order.payment_id).status_code == 303
    [entry] = ledger_entries("order_paid")
    assert {p.amount for p in entry.postings} == {7100, -7100}
    assert _receivable(market) == 7100
    assert check_ledger().ok

    order_page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "TAKE7" in order_page
    assert "Sale: −$2.00" in order_page
    assert "Voucher TAKE7: −$5.38" in order_page
    assert "$16.38" in order_page  # the mug line, paid


def test_a_code_that_cannot_apply_answers_400_with_why_and_keeps_nothing(
    client: FlaskClient, market: Market
) -> None:
    make_voucher(_store(market), code="MIN50", min_spend=5000)
    _buyer(client, market, (market.mug, 1))

    unknown = apply_code(client, market.store, "nope")
    too_little = apply_code(client, market.store, "min50", back="checkout")

    assert unknown.status_code == 400
    assert "There is no voucher with the code NOPE." in unknown.get_data(as_text=True)
    assert too_little.status_code == 400
    text = too_little.get_data(as_text=True)
    assert "MIN50 needs a minimum spend of $50.00 on this store" in text
    assert "Place order and pay $20.00" in text  # the checkout page, unchanged
    with client.session_transaction() as session:
        assert not session.get("voucher_codes")
    order = _placed_order(place(client))
    assert (order.discount, order.voucher_id) == (0, None)


def test_another_stores_code_is_refused(client: FlaskClient, market: Market) -> None:
    make_voucher(_variant(market.tee).product.store, code="BOTEES")
    _buyer(client, market, (market.mug, 1), (market.tee, 1))

    response = apply_code(client, market.store, "BOTEES")

    assert response.status_code == 400
    assert "BOTEES is a code of Bo&#39;s Tees" in response.get_data(as_text=True)


def test_a_removed_code_is_not_charged(client: FlaskClient, market: Market) -> None:
    make_voucher(_store(market), code="TAKE5")
    _buyer(client, market, (market.mug, 1))
    assert apply_code(client, market.store, "TAKE5").status_code == 303

    assert remove_code(client, market.store).status_code == 303

    assert "TAKE5</strong> applied" not in client.get("/cart").get_data(as_text=True)
    assert _placed_order(place(client)).voucher_id is None


def test_a_forged_discount_or_total_in_the_checkout_form_changes_nothing(
    client: FlaskClient, market: Market
) -> None:
    make_voucher(_store(market), code="TAKE5")
    _buyer(client, market, (market.mug, 2))
    assert apply_code(client, market.store, "TAKE5").status_code == 303

    forged = {
        "discount": "3999",
        "total": "1",
        "amount": "1",
        "price": "1",
        "unit_price": "1",
        "product_discount": "3000",
        "voucher_discount": "3000",
        "voucher_amount": "3999",
        "code": "OTHER",
        "codes": "OTHER",
    }
    order = _placed_order(place(client, **forged))

    assert (order.subtotal, order.discount, order.total) == (4000, 500, 3500)
    assert payment(order.payment_id).amount == 3500
    [line] = order.lines
    assert (line.unit_price, line.product_discount, line.voucher_discount) == (2000, 0, 500)


def test_the_best_public_voucher_is_offered_and_applied_at_checkout(
    client: FlaskClient, market: Market
) -> None:
    make_voucher(_store(market), code="PUBLIC10", percent_bps=1000, public=True)
    _buyer(client, market, (market.mug, 1), (market.lamp_s, 1))

    page = client.get("/checkout").get_data(as_text=True)
    assert "PUBLIC10</strong>: 10% off — save $5.00" in page
    response = apply_code(client, market.store, "PUBLIC10", back="checkout")

    assert response.status_code == 303
    assert "/checkout" in response.headers["Location"]
    page = client.get("/checkout").get_data(as_text=True)
    assert "PUBLIC10</strong> applied" in page
    assert "Place order and pay $45.00" in page


def test_a_voucher_used_up_after_review_stops_the_checkout_and_writes_nothing(
    client: FlaskClient, market: Market
) -> None:
    voucher = make_voucher(_store(market), code="LAST", total_uses=5, used_count=4)
    _buyer(client, market, (market.mug, 1))
    assert apply_code(client, market.store, "LAST", back="checkout").status_code == 303
    reviewed = _REVIEWED.search(client.get("/checkout").get_data(as_text=True)).group(1)
    _fresh(Voucher, voucher.id).used_count = 5  # someone else took the last use
    db.session.commit()

    response = place(client, reviewed=reviewed)

    assert response.status_code == 409
    assert "The voucher LAST cannot be used: LAST has been used up." in response.get_data(
        as_text=True
    )
    assert count(Order) == 0
    assert stock(market.mug) == 20
    assert cart_lines(market.buyer_id) == {market.mug: 1}


def test_a_code_seen_refused_on_the_review_page_does_not_block_the_order(
    client: FlaskClient, market: Market
) -> None:
    voucher = make_voucher(_store(market), code="ENDING")
    _buyer(client, market, (market.mug, 1))
    assert apply_code(client, market.store, "ENDING").status_code == 303
    _fresh(Voucher, voucher.id).ended_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    page = client.get("/checkout").get_data(as_text=True)
    assert "ENDING has ended: the seller ended it" in page
    assert "Place order and pay $20.00" in page
    response = place(client, reviewed=_REVIEWED.search(page).group(1))

    order = _placed_order(response)
    assert (order.total, order.voucher_id) == (2000, None)
    assert _fresh(Voucher, voucher.id).used_count == 0


# ---------------------------------------------------------------------------- flash deals


def test_a_flash_deal_is_reserved_and_held_to_the_per_buyer_limit(
    client: FlaskClient, market: Market
) -> None:
    deal = make_flash_deal(_variant(market.lamp_s), 1999, quantity=5, per_buyer_limit=1)
    _buyer(client, market, (market.lamp_s, 1))
    assert "Flash deal: save $10.01" in client.get("/cart").get_data(as_text=True)

    order = _placed_order(place(client))

    [line] = order.lines
    assert (line.flash_deal_id, line.product_discount, line.amount) == (deal.id, 1001, 1999)
    assert _fresh(FlashDeal, deal.id).sold == 1
    purchase = db.session.scalars(select(FlashDealPurchase)).one()
    assert (purchase.buyer_id, purchase.order_id, purchase.quantity) == (
        market.buyer_id,
        order.id,
        1,
    )

    # The same buyer again: past the limit, the lamp is back at its list price.
    assert add(client, market.lamp_s, 1).status_code == 303
    assert "this flash deal&#39;s limit (1 per buyer)" in client.get("/cart").get_data(as_text=True)
    again = _placed_order(place(client))
    assert (again.lines[0].flash_deal_id, again.total) == (None, 3000)
    assert _fresh(FlashDeal, deal.id).sold == 1


def test_a_flash_deal_over_its_units_is_refused_by_the_guarded_update(
    app_ctx, market: Market
) -> None:
    deal = make_flash_deal(_variant(market.mug), 999, quantity=2, sold=1, per_buyer_limit=3)

    with pytest.raises(FlashDealUnavailable, match="has too few units left"):
        reserve_flash_units(deal.id, market.buyer_id, 2, title="Speckled mug", now=utcnow())

    db.session.rollback()
    assert _fresh(FlashDeal, deal.id).sold == 1


def test_a_flash_deal_past_the_buyers_limit_is_refused_under_the_lock(
    app_ctx, market: Market
) -> None:
    deal = make_flash_deal(_variant(market.mug), 999, quantity=5, sold=1, per_buyer_limit=1)
    buyer = db.session.get(User, market.buyer_id)
    order = make_order(buyer, [(_variant(market.mug), 1)])
    db.session.add(
        FlashDealPurchase(deal_id=deal.id, buyer_id=buyer.id, order_id=order.id, quantity=1)
    )
    db.session.commit()

    with pytest.raises(FlashDealUnavailable, match="limited to 1 per buyer"):
        reserve_flash_units(deal.id, market.buyer_id, 1, title="Speckled mug", now=utcnow())


def test_a_voucher_past_its_total_uses_is_refused_by_the_guarded_update(
    app_ctx, market: Market
) -> None:
    voucher = make_voucher(_store(market), code="ONE", total_uses=1, used_count=1)

    with pytest.raises(VoucherUnavailable, match="just been used up"):
        take_voucher_use(voucher.id, market.buyer_id, code="ONE", now=utcnow())

    db.session.rollback()
    assert _fresh(Voucher, voucher.id).used_count == 1


# ---------------------------------------------------------------------------- releasing


def _placed_with_promotions(client: FlaskClient, market: Market) -> tuple[Order, int, int]:
    voucher = make_voucher(_store(market), code="BACK", amount_off=500)
    deal = make_flash_deal(_variant(market.mug), 1500, quantity=3)
    _buyer(client, market, (market.mug, 1), (market.lamp_s, 1))
    assert apply_code(client, market.store, "BACK").status_code == 303
    order = _placed_order(place(client))
    assert _fresh(Voucher, voucher.id).used_count == 1
    assert _fresh(FlashDeal, deal.id).sold == 1
    return order, voucher.id, deal.id


def _released(voucher_id: int, deal_id: int) -> None:
    assert _fresh(Voucher, voucher_id).used_count == 0
    assert _fresh(FlashDeal, deal_id).sold == 0
    redemption = db.session.scalars(select(VoucherRedemption)).one()
    purchase = db.session.scalars(select(FlashDealPurchase)).one()
    assert redemption.released_at is not None
    assert purchase.released_at is not None


def test_an_order_not_paid_in_time_gives_back_its_voucher_use_and_deal_units(
    client: FlaskClient, market: Market
) -> None:
    order, voucher_id, deal_id = _placed_with_promotions(client, market)

    assert lifecycle.release_unpaid(utcnow() + timedelta(hours=1)) == 1
    db.session.commit()

    assert _fresh(Order, order.id).status == "cancelled"
    _released(voucher_id, deal_id)
    assert stock(market.mug) == 20
    # The buyer may use the code again.
    assert add(client, market.mug, 1).status_code == 303
    assert apply_code(client, market.store, "BACK").status_code == 303


def test_a_paid_order_cancelled_before_shipping_gives_them_back_and_refunds_the_total(
    client: FlaskClient, market: Market
) -> None:
    order, voucher_id, deal_id = _placed_with_promotions(client, market)
    assert pay(client, order.payment_id).status_code == 303
    assert _receivable(market) == order.total

    buyer = db.session.get(User, market.buyer_id)
    refund = lifecycle.cancel(_fresh(Order, order.id), buyer, "Changed my mind")
    db.session.commit()

    assert refund.amount == order.total == 1500 + 3000 - 500
    _released(voucher_id, deal_id)
    assert _receivable(market) == 0
    assert check_ledger().ok


def test_a_refund_of_one_line_returns_exactly_its_amount_paid(
    client: FlaskClient, market: Market
) -> None:
    make_product_discount(_variant(market.mug).product, amount_off=150)
    make_voucher(_store(market), code="THIRD", amount_off=1001)
    _buyer(client, market, (market.mug, 2), (market.lamp_s, 1))
    assert apply_code(client, market.store, "THIRD").status_code == 303
    order = _placed_order(place(client))
    assert pay(client, order.payment_id).status_code == 303
    seller = db.session.get(User, market.seller_id)
    buyer = db.session.get(User, market.buyer_id)
    order = _fresh(Order, order.id)
    lifecycle.ship(order, "UPS", "1Z999", seller)
    lifecycle.mark_delivered(order, buyer)
    mug_line = next(line for line in order.lines if line.variant_id == market.mug)
    paid_for_mug = mug_line.amount
    assert paid_for_mug == 2 * 2000 - 300 - mug_line.voucher_discount
    refund = refund_requests.request_refund(order, mug_line, "Chipped", buyer)
    refund_requests.approve_refund(refund, seller)
    db.session.commit()

    refund = _fresh(RefundRequest, refund.id)
    order = _fresh(Order, order.id)
    assert refund.amount == paid_for_mug
    assert order.refunded_amount == paid_for_mug
    assert _receivable(market) == order.total - paid_for_mug
    [entry] = ledger_entries("line_refund")
    assert {p.amount for p in entry.postings} == {paid_for_mug, -paid_for_mug}
    assert check_ledger().ok
    # The voucher use stays taken: the order was fulfilled.
    assert (
        db.session.scalar(
            select(func.count(VoucherRedemption.id)).where(VoucherRedemption.released_at.is_(None))
        )
        == 1
    )
    assert sum(line.amount for line in db.session.scalars(select(OrderLine))) == order.total


# ---------------------------------------------------------------------------- statements


def _page_statements(client: FlaskClient, count_queries, path: str) -> int:
    client.get(path)  # warm: the session's user and cart are loaded alike on both runs
    count_queries.statements.clear()
    assert client.get(path).status_code == 200
    return count_queries.count


def test_cart_and_checkout_run_the_same_statements_with_2_or_20_promotions(
    client: FlaskClient, market: Market, count_queries
) -> None:
    _buyer(client, market, (market.mug, 1), (market.lamp_s, 1), (market.tee, 1))
    counts = {}
    for promotions in (2, 20):
        store = _store(market)
        for index in range(promotions):
            make_product_discount(_variant(market.mug).product, percent_bps=100 + index)
            make_flash_deal(_variant(market.lamp_s), 2000 + index, quantity=100)
            make_voucher(store, amount_off=100 + index, public=True)
            make_voucher(store, public=True, products=[_variant(market.lamp_s).product])
        code = make_voucher(store, amount_off=700).code
        assert apply_code(client, market.store, code).status_code == 303
        counts[promotions] = (
            _page_statements(client, count_queries, "/cart"),
            _page_statements(client, count_queries, "/checkout"),
        )
        for model in (ProductDiscount, FlashDeal, Voucher):
            db.session.execute(delete(model))
        db.session.commit()

    assert counts[2] == counts[20], counts
