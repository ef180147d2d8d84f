"""The order lifecycle services: each transition, each illegal one, stock and money."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.extensions import db
from core.ledger.checks import check_ledger
from core.states import IllegalTransition
from shop import signals
from shop.catalog.models import Variant
from shop.orders import lifecycle
from shop.orders.buyer import actions as buyer_actions
from shop.orders.exceptions import (
    InvalidOrderInput,
    OrderActionRefused,
    RefundAlreadyDecided,
    RefundAlreadyRequested,
    RefundWindowClosed,
)
from shop.orders.models import LineStatus, Order, OrderEvent, OrderStatus
from shop.orders.refunds import requests as refund_requests
from shop.orders.refunds.models import RefundRequest, RefundStatus
from tests.shop.factories import Shop, make_order
from tests.shop.orders.helpers import CASH, Received, entries, platform_cash, receivable_key

S = OrderStatus


def stock(shop: Shop) -> list[int]:
    db.session.expire_all()
    return [db.session.get(Variant, v.id).stock for v in shop.variants]


def timeline(order: Order) -> list[str]:
    query = select(OrderEvent.kind).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
    return list(db.session.scalars(query))


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def shipped(shop: Shop, **kwargs) -> Order:
    order = shop.paid(**kwargs)
    lifecycle.ship(order, "UPS", "1Z999", shop.seller)
    db.session.commit()
    return order


def delivered(shop: Shop, **kwargs) -> Order:
    order = shipped(shop, **kwargs)
    lifecycle.mark_delivered(order, shop.buyer)
    db.session.commit()
    return order


# --- ship ------------------------------------------------------------------------------------


def test_seller_ships_a_paid_order_with_trimmed_carrier_and_tracking(app_ctx):
    shop = Shop()
    order = shop.paid()
    lifecycle.ship(order, "  DHL Express ", " JD0142 ", shop.seller)
    db.session.commit()
    assert order.status == S.SHIPPED.value
    assert (order.carrier, order.tracking_number) == ("DHL Express", "JD0142")
    assert order.shipped_at is not None
    assert timeline(order)[-1] == "shipped"
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.actor_id, event.from_state, event.to_state) == (
        "order.ship",
        shop.seller.id,
        "paid",
        "shipped",
    )


@pytest.mark.parametrize(
    ("carrier", "tracking"),
    [("", "1Z"), ("UPS", "   "), ("U" * 61, "1Z"), ("UPS", "9" * 81), ("UPS", "1Z\x00")],
)
def test_shipping_without_a_valid_carrier_or_tracking_number_is_refused(app_ctx, carrier, tracking):
    shop = Shop()
    order = shop.paid()
    with pytest.raises(InvalidOrderInput):
        lifecycle.ship(order, carrier, tracking, shop.seller)
    db.session.rollback()
    assert db.session.get(Order, order.id).status == S.PAID.value


@pytest.mark.parametrize("status", [S.PENDING_PAYMENT, S.SHIPPED, S.CANCELLED, S.COMPLETED])
def test_only_a_paid_order_can_ship(app_ctx, status):
    shop = Shop()
    order = make_order(shop.buyer, [(shop.variants[0], 1)], status=status)
    with pytest.raises(IllegalTransition):
        lifecycle.ship(order, "UPS", "1Z", shop.seller)


# --- delivered -------------------------------------------------------------------------------


def test_buyer_marks_a_shipped_order_delivered(app_ctx):
    shop = Shop()
    order = delivered(shop)
    assert order.status == S.DELIVERED.value
    assert order.delivered_at is not None
    assert timeline(order)[-2:] == ["shipped", "delivered"]


@pytest.mark.parametrize("status", [S.PENDING_PAYMENT, S.PAID, S.DELIVERED, S.CANCELLED])
def test_only_a_shipped_order_can_be_marked_delivered(app_ctx, status):
    shop = Shop()
    order = make_order(shop.buyer, [(shop.variants[0], 1)], status=status)
    with pytest.raises(IllegalTransition):
        lifecycle.mark_delivered(order, shop.buyer)


# --- cancel ----------------------------------------------------------------------------------


def test_cancelling_an_unpaid_order_releases_its_stock_and_moves_no_money(app_ctx):
    shop = Shop(stock=10)
    order = shop.place((2, 1))
    assert stock(shop) == [8, 9]
    with (
        Received(signals.order_cancelled) as cancelled,
        Received(signals.order_line_refunded) as refunded,
    ):
        refund = lifecycle.cancel(order, shop.seller, "Out of packaging")
        db.session.commit()
    assert refund is None
    assert stock(shop) == [10, 10]
    order = db.session.get(Order, order.id)
    assert order.status == S.CANCELLED.value
    assert order.cancelled_at is not None
    assert {line.status for line in order.lines} == {LineStatus.CANCELLED.value}
    assert order.refunded_amount == 0
    assert entries() == []
    assert cancelled.senders == [order.id]
    assert refunded.calls == []
    assert audit_actions() == ["order.cancel"]


def test_cancelling_a_paid_order_refunds_the_whole_payment(app_ctx):
    shop = Shop(price=1999, stock=10)
    order = shop.paid((2, 1))
    assert stock(shop) == [8, 9]
    with (
        Received(signals.order_cancelled) as cancelled,
        Received(signals.order_line_refunded) as refunded,
    ):
        refund = lifecycle.cancel(order, shop.seller, "  Cannot ship to that address  ")
        db.session.commit()
    assert refund is not None
    refund = db.session.get(RefundRequest, refund.id)
    assert (refund.status, refund.amount, refund.order_line_id) == ("refunded", 5997, None)
    assert refund.reason == "Cannot ship to that address"
    assert stock(shop) == [10, 10]
    order = db.session.get(Order, order.id)
    assert order.status == S.CANCELLED.value
    assert order.refunded_amount == order.total == 5997
    assert {line.status for line in order.lines} == {LineStatus.CANCELLED.value}
    receivable = receivable_key(shop.seller.id)
    assert entries() == [
        ("order_paid", "order", str(order.id), {CASH: 5997, receivable: -5997}),
        ("order_refund", "refund", str(refund.id), {receivable: 5997, CASH: -5997}),
    ]
    assert shop.receivable() == 0
    assert platform_cash() == 0
    assert len(cancelled.calls) == 1
    assert [(kw["line"], kw["amount"]) for _, kw in refunded.calls] == [
        (line.id, line.amount) for line in order.lines
    ]
    assert timeline(order)[-2:] == ["cancelled", "refunded"]
    # The provider refund ran after commit (in-process here): the test card refunds at once.
    assert refund.provider_state == "succeeded"
    assert refund.provider_refund_id.startswith("testrefund_")
    assert check_ledger().ok


@pytest.mark.parametrize("status", [S.SHIPPED, S.DELIVERED, S.COMPLETED, S.CANCELLED, S.REFUNDED])
def test_an_order_cannot_be_cancelled_once_shipped(app_ctx, status):
    shop = Shop()
    order = make_order(shop.buyer, [(shop.variants[0], 1)], status=status)
    with pytest.raises(IllegalTransition):
        lifecycle.cancel(order, shop.seller, "Too late")
    db.session.rollback()
    assert stock(shop)[0] == 10


def test_cancelling_needs_a_reason(app_ctx):
    shop = Shop()
    order = shop.paid()
    with pytest.raises(InvalidOrderInput):
        lifecycle.cancel(order, shop.seller, "   ")
    db.session.rollback()
    assert db.session.get(Order, order.id).status == S.PAID.value
    assert [kind for kind, *_ in entries()] == ["order_paid"]


# --- refunds ---------------------------------------------------------------------------------


def test_buyer_requests_a_refund_of_a_line_within_the_return_window(app_ctx):
    shop = Shop(price=1999)
    order = delivered(shop, quantities=(2, 1))
    line = order.lines[0]
    refund = refund_requests.request_refund(order, line, " Arrived broken ", shop.buyer)
    db.session.commit()
    assert (refund.status, refund.amount, refund.reason) == ("requested", 3998, "Arrived broken")
    assert line.status == LineStatus.REFUND_REQUESTED.value
    assert timeline(order)[-1] == "refund_requested"


def test_one_open_refund_request_per_line(app_ctx):
    shop = Shop()
    order = delivered(shop)
    refund_requests.request_refund(order, order.lines[0], "Broken", shop.buyer)
    db.session.commit()
    with pytest.raises(RefundAlreadyRequested):
        refund_requests.request_refund(order, order.lines[0], "Still broken", shop.buyer)
    db.session.rollback()
    count = db.session.scalars(select(RefundRequest)).all()
    assert len(count) == 1


def test_the_database_refuses_a_second_open_request_for_a_line(app_ctx):
    shop = Shop()
    order = delivered(shop)
    line = order.lines[0]
    refund_requests.request_refund(order, line, "Broken", shop.buyer)
    db.session.commit()
    # A racing request that read the line while it was still open gets the typed error.
    line.status = LineStatus.OPEN.value
    db.session.commit()
    with pytest.raises(RefundAlreadyRequested):
        refund_requests.request_refund(order, line, "Broken", shop.buyer)


def test_refund_window_is_seven_days_after_delivery(app_ctx):
    shop = Shop()
    with freeze_time("2026-11-02 12:00:00"):
        order = delivered(shop)
    with freeze_time("2026-11-09 11:59:00"):
        refund_requests.request_refund(order, order.lines[0], "Wrong size", shop.buyer)
        db.session.commit()
    with freeze_time("2026-11-09 12:00:01"), pytest.raises(RefundWindowClosed) as error:
        refund_requests.request_refund(order, order.lines[1], "Wrong colour", shop.buyer)
    assert "09 Nov 2026" in str(error.value)


def test_refund_window_length_is_configurable(app_ctx):
    shop = Shop()
    with freeze_time("2026-11-02 12:00:00"):
        order = delivered(shop)
    with freeze_time("2026-11-12 12:00:00"):
        refund_requests.request_refund(order, order.lines[0], "Late", shop.buyer, window_days=14)


@pytest.mark.parametrize("status", [S.PENDING_PAYMENT, S.PAID, S.SHIPPED, S.CANCELLED])
def test_no_refund_request_before_delivery_or_after_cancelling(app_ctx, status):
    shop = Shop()
    order = make_order(shop.buyer, [(shop.variants[0], 1)], status=status)
    with pytest.raises(OrderActionRefused):
        refund_requests.request_refund(order, order.lines[0], "Hmm", shop.buyer)


def test_a_refund_request_needs_a_reason(app_ctx):
    shop = Shop()
    order = delivered(shop)
    with pytest.raises(InvalidOrderInput):
        refund_requests.request_refund(order, order.lines[0], "", shop.buyer)
    with pytest.raises(InvalidOrderInput):
        refund_requests.request_refund(order, order.lines[0], "x" * 501, shop.buyer)


def test_seller_approves_a_line_refund_and_it_posts_the_reverse_entry(app_ctx):
    shop = Shop(price=1999)
    order = delivered(shop, quantities=(2, 1))
    line = order.lines[0]
    refund = refund_requests.request_refund(order, line, "Broken", shop.buyer)
    db.session.commit()
    with Received(signals.order_line_refunded) as refunded:
        refund_requests.approve_refund(refund, shop.seller)
        db.session.commit()
    assert (refund.status, refund.decided_by_id) == ("refunded", shop.seller.id)
    assert line.status == LineStatus.REFUNDED.value
    assert order.status == S.DELIVERED.value  # one line of two
    assert order.refunded_amount == 3998
    assert [(s, kw["line"], kw["amount"]) for s, kw in refunded.calls] == [
        (order.id, line.id, 3998)
    ]
    receivable = receivable_key(shop.seller.id)
    assert entries()[-1] == (
        "line_refund",
        "refund",
        str(refund.id),
        {receivable: 3998, CASH: -3998},
    )
    assert shop.receivable() == 1999
    assert audit_actions()[-1] == "refund.approve"


def test_refunding_every_line_refunds_the_order(app_ctx):
    shop = Shop()
    order = delivered(shop, quantities=(1, 1))
    for line in order.lines:
        refund = refund_requests.request_refund(order, line, "Not as described", shop.buyer)
        refund_requests.approve_refund(refund, shop.seller)
        db.session.commit()
    assert order.status == S.REFUNDED.value
    assert order.refunded_amount == order.total
    assert shop.receivable() == 0
    assert platform_cash() == 0


def test_a_refund_is_decided_once(app_ctx):
    shop = Shop()
    order = delivered(shop)
    refund = refund_requests.request_refund(order, order.lines[0], "Broken", shop.buyer)
    refund_requests.approve_refund(refund, shop.seller)
    db.session.commit()
    with pytest.raises(RefundAlreadyDecided):
        refund_requests.approve_refund(refund, shop.seller)
    db.session.rollback()
    with pytest.raises(RefundAlreadyDecided):
        refund_requests.decline_refund(refund, shop.seller, "No")
    db.session.rollback()
    assert [kind for kind, *_ in entries()].count("line_refund") == 1


def test_seller_declines_a_refund_with_a_reason_and_the_line_reopens(app_ctx):
    shop = Shop()
    order = delivered(shop)
    line = order.lines[0]
    refund = refund_requests.request_refund(order, line, "Changed my mind", shop.buyer)
    db.session.commit()
    with pytest.raises(InvalidOrderInput):
        refund_requests.decline_refund(refund, shop.seller, "  ")
    db.session.rollback()
    refund_requests.decline_refund(refund, shop.seller, "Used item")
    db.session.commit()
    assert (refund.status, refund.decision_note) == (RefundStatus.DECLINED.value, "Used item")
    assert line.status == LineStatus.OPEN.value
    assert [kind for kind, *_ in entries()] == ["order_paid"]
    assert audit_actions()[-1] == "refund.decline"
    # Within the window the buyer may ask again.
    again = refund_requests.request_refund(order, line, "It really is broken", shop.buyer)
    assert again.status == RefundStatus.REQUESTED.value


def test_full_lifecycle_with_exact_ledger_postings(app_ctx):
    shop = Shop(price=2500, stock=5)
    with freeze_time("2026-11-02 09:00:00"):
        order = shop.paid((2, 1))
        assert stock(shop) == [3, 4]
    with freeze_time("2026-11-03 09:00:00"):
        lifecycle.ship(order, "USPS", "9400 1000 0000", shop.seller)
        db.session.commit()
    with freeze_time("2026-11-05 09:00:00"):
        lifecycle.mark_delivered(order, shop.buyer)
        db.session.commit()
    with freeze_time("2026-11-06 09:00:00"):
        refund = refund_requests.request_refund(order, order.lines[1], "Wrong size", shop.buyer)
        db.session.commit()
        refund_requests.approve_refund(refund, shop.seller)
        db.session.commit()
    receivable = receivable_key(shop.seller.id)
    assert entries() == [
        ("order_paid", "order", str(order.id), {CASH: 7500, receivable: -7500}),
        ("line_refund", "refund", str(refund.id), {receivable: 2500, CASH: -2500}),
    ]
    assert shop.receivable() == 5000
    assert platform_cash() == 5000
    assert stock(shop) == [3, 4]  # a refunded item is not restocked
    assert timeline(order) == [
        "placed",
        "paid",
        "shipped",
        "delivered",
        "refund_requested",
        "refunded",
    ]
    with freeze_time("2026-11-13 09:00:01"):
        assert lifecycle.complete_due_orders(datetime.now(UTC), 7) == 1
        db.session.commit()
    assert order.status == S.COMPLETED.value
    assert check_ledger().ok


def test_buyer_actions_say_what_is_allowed(app_ctx):
    shop = Shop()
    order = shipped(shop)
    actions = buyer_actions.buyer_actions(order)
    assert actions.can_mark_delivered
    assert not actions.window_open
    lifecycle.mark_delivered(order, shop.buyer)
    refund = refund_requests.request_refund(order, order.lines[0], "Broken", shop.buyer)
    db.session.commit()
    actions = buyer_actions.buyer_actions(order)
    assert not actions.can_mark_delivered
    assert actions.window_open
    assert [(a.can_request_refund, a.latest) for a in actions.lines] == [
        (False, refund),
        (True, None),
    ]
    later = order.delivered_at + timedelta(days=8)
    assert not buyer_actions.buyer_actions(order, now=later).window_open
