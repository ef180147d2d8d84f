"""The seller's order pages: list, filters and search, the order page and its actions, and
that a seller reaches only their own store's orders."""

from __future__ import annotations

import re

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from shop.orders import lifecycle
from shop.orders.models import Order, OrderStatus
from shop.orders.refunds import requests as refund_requests
from shop.orders.refunds.models import RefundRequest
from tests.conftest import post_form
from tests.factories import make_user
from tests.shop.factories import Shop, make_order
from tests.shop.orders.helpers import entries, signed_in

S = OrderStatus


def listed(response) -> list[int]:
    assert response.status_code == 200, response.status_code
    return [int(n) for n in re.findall(r'href="/seller/orders/(\d+)"', response.get_data(True))]


def fresh(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


@pytest.fixture
def shop(app_ctx) -> Shop:
    return Shop(email="seller@example.com")


@pytest.fixture
def seller(app, shop):
    return signed_in(app, "seller@example.com")


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_only_this_stores_orders_newest_first(app, shop, seller):
    mine = [shop.paid(), shop.paid()]
    other = Shop()
    other.paid()
    assert listed(seller.get("/seller/orders")) == [mine[1].id, mine[0].id]


def test_the_list_filters_by_status(app, shop, seller):
    paid = shop.paid()
    unpaid = shop.place()
    assert listed(seller.get("/seller/orders?status=paid")) == [paid.id]
    assert listed(seller.get("/seller/orders?status=pending_payment")) == [unpaid.id]
    assert listed(seller.get("/seller/orders?status=nonsense")) == [unpaid.id, paid.id]


def test_the_list_filters_orders_with_open_refund_requests(app, shop, seller):
    order = shop.paid()
    lifecycle.ship(order, "UPS", "1Z", shop.seller)
    lifecycle.mark_delivered(order, shop.buyer)
    refund_requests.request_refund(order, order.lines[0], "Broken", shop.buyer)
    db.session.commit()
    shop.paid()
    body = seller.get("/seller/orders?status=refund_requested")
    assert listed(body) == [order.id]


def test_the_list_filters_by_date(app, shop, seller):
    with freeze_time("2026-11-01 10:00:00"):
        early = shop.paid()
    with freeze_time("2026-11-10 23:59:00"):
        late = shop.paid()
    assert listed(seller.get("/seller/orders?from=2026-11-02")) == [late.id]
    assert listed(seller.get("/seller/orders?to=2026-11-09")) == [early.id]
    assert listed(seller.get("/seller/orders?from=2026-11-10&to=2026-11-10")) == [late.id]
    response = seller.get("/seller/orders?from=31/12/2026")
    assert listed(response) == [late.id, early.id]
    assert "is not a date" in response.get_data(True)


def test_the_list_searches_order_number_buyer_and_sku(app, shop, seller):
    first = shop.paid((1, 0))
    bea = make_user(Role.BUYER, email="bea@example.com", display_name="Bea Buyer")
    second = shop.paid((0, 1), buyer=bea)
    sku = shop.variants[1].sku
    assert listed(seller.get(f"/seller/orders?q=%23{first.id}")) == [first.id]
    assert listed(seller.get("/seller/orders?q=BEA@example")) == [second.id]
    assert listed(seller.get("/seller/orders?q=bea buyer")) == [second.id]
    assert listed(seller.get(f"/seller/orders?q={sku.lower()}")) == [second.id]
    assert listed(seller.get("/seller/orders?q=%25")) == []  # a LIKE wildcard is literal
    assert "No orders match" in seller.get("/seller/orders?q=zzz").get_data(True)


def test_the_list_pages_in_the_database(app, shop, seller):
    orders = [make_order(shop.buyer, [(shop.variants[0], 1)]) for _ in range(25)]
    first = listed(seller.get("/seller/orders"))
    second = listed(seller.get("/seller/orders?page=2"))
    assert len(first) == 20
    assert len(second) == 5
    assert first + second == [o.id for o in reversed(orders)]


def _orders(shop: Shop, count: int) -> None:
    for index in range(count):
        buyer = make_user(Role.BUYER) if index % 3 == 0 else shop.buyer
        make_order(buyer, [(shop.variants[0], 1), (shop.variants[1], 2)])


@pytest.mark.parametrize("query", ["", "?status=paid", "?q=SKU&from=2020-01-01"])
def test_the_list_runs_a_constant_number_of_queries(app, shop, seller, count_queries, query):
    counts = []
    for extra in (5, 35):
        _orders(shop, extra)
        db.session.commit()
        before = count_queries.count
        response = seller.get(f"/seller/orders{query}")
        assert response.status_code == 200
        counts.append(count_queries.count - before)
    assert counts[0] == counts[1], counts


def test_a_seller_without_a_store_is_pointed_to_opening_one(app, app_ctx):
    make_user(Role.SELLER, email="new@example.com")
    client = signed_in(app, "new@example.com")
    body = client.get("/seller/orders").get_data(True)
    assert "Open your store first" in body
    if app.view_functions.get("seller.store_new"):
        assert 'href="/seller/store/new"' in body or "seller/store" in body


def test_no_orders_yet_is_an_empty_state(app, shop, seller):
    assert "No orders yet" in seller.get("/seller/orders").get_data(True)


# --- one order -------------------------------------------------------------------------------


def test_the_order_page_shows_lines_buyer_ship_to_and_timeline(app, shop, seller):
    order = shop.paid()
    body = seller.get(f"/seller/orders/{order.id}").get_data(True)
    for line in order.lines:
        assert line.sku in body
    assert shop.buyer.email in body
    assert "1 Main St" in body
    assert "Timeline" in body
    assert "Paid" in body
    assert "Mark shipped" in body
    assert "Cancel this order" in body


def test_seller_ships_from_the_order_page(app, shop, seller):
    order = shop.paid()
    response = post_form(
        seller, f"/seller/orders/{order.id}/ship", {"carrier": " UPS ", "tracking_number": "1Z9"}
    )
    assert response.status_code == 302
    order = fresh(order)
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "UPS", "1Z9")
    body = seller.get(f"/seller/orders/{order.id}").get_data(True)
    assert "1Z9" in body
    assert "Mark shipped" not in body
    assert "Cancel this order" not in body


@pytest.mark.parametrize(
    "data",
    [
        {"carrier": "", "tracking_number": "1Z"},
        {"carrier": "UPS", "tracking_number": "  "},
        {"carrier": "U" * 61, "tracking_number": "1Z"},
        {"carrier": "UPS", "tracking_number": "1" * 81},
        {"carrier": "UPS", "tracking_number": "1Z\x01"},
    ],
)
def test_shipping_with_bad_input_is_a_400_and_writes_nothing(app, shop, seller, data):
    order = shop.paid()
    response = post_form(seller, f"/seller/orders/{order.id}/ship", data)
    assert response.status_code == 400
    assert "invalid-feedback" in response.get_data(True) or "alert" in response.get_data(True)
    assert fresh(order).status == S.PAID.value
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_shipping_a_cancelled_order_is_a_409_with_a_message(app, shop, seller):
    order = make_order(shop.buyer, [(shop.variants[0], 1)], status=S.CANCELLED)
    response = post_form(
        seller, f"/seller/orders/{order.id}/ship", {"carrier": "UPS", "tracking_number": "1Z"}
    )
    assert response.status_code == 409
    assert "cannot become shipped" in response.get_data(True)
    assert fresh(order).status == S.CANCELLED.value


def test_a_form_without_csrf_is_refused(app, shop, seller):
    order = shop.paid()
    response = seller.post(
        f"/seller/orders/{order.id}/ship", data={"carrier": "UPS", "tracking_number": "1Z"}
    )
    assert response.status_code == 400
    assert fresh(order).status == S.PAID.value


def test_seller_cancels_an_unshipped_order_with_a_reason(app, shop, seller):
    order = shop.paid()
    assert post_form(seller, f"/seller/orders/{order.id}/cancel", {"reason": ""}).status_code == 400
    assert fresh(order).status == S.PAID.value
    response = post_form(seller, f"/seller/orders/{order.id}/cancel", {"reason": "No stock"})
    assert response.status_code == 302
    order = fresh(order)
    assert order.status == S.CANCELLED.value
    assert order.refunded_amount == order.total
    assert [kind for kind, *_ in entries()] == ["order_paid", "order_refund"]
    again = post_form(seller, f"/seller/orders/{order.id}/cancel", {"reason": "Twice"})
    assert again.status_code == 409
    assert [kind for kind, *_ in entries()] == ["order_paid", "order_refund"]


def _refund_requested(shop: Shop) -> tuple[Order, RefundRequest]:
    order = shop.paid()
    lifecycle.ship(order, "UPS", "1Z", shop.seller)
    lifecycle.mark_delivered(order, shop.buyer)
    refund = refund_requests.request_refund(order, order.lines[0], "Arrived broken", shop.buyer)
    db.session.commit()
    return order, refund


def test_seller_approves_a_refund_request(app, shop, seller):
    order, refund = _refund_requested(shop)
    body = seller.get(f"/seller/orders/{order.id}").get_data(True)
    assert "Arrived broken" in body
    assert "Approve refund" in body
    url = f"/seller/orders/{order.id}/refunds/{refund.id}/approve"
    assert post_form(seller, url).status_code == 302
    assert db.session.get(RefundRequest, refund.id).status == "refunded"
    assert post_form(seller, url).status_code == 409
    assert [kind for kind, *_ in entries()] == ["order_paid", "line_refund"]


def test_seller_declines_a_refund_request_with_a_reason(app, shop, seller):
    order, refund = _refund_requested(shop)
    url = f"/seller/orders/{order.id}/refunds/{refund.id}/decline"
    response = post_form(seller, url, {"note": ""})
    assert response.status_code == 400
    assert db.session.get(RefundRequest, refund.id).status == "requested"
    assert post_form(seller, url, {"note": "Used item"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(RefundRequest, refund.id).status == "declined"


def test_a_refund_of_another_order_is_a_404(app, shop, seller):
    _order, refund = _refund_requested(shop)
    other = shop.paid()
    url = f"/seller/orders/{other.id}/refunds/{refund.id}/approve"
    assert post_form(seller, url).status_code == 404


# --- who may see what ------------------------------------------------------------------------


def _urls(order: Order, refund: RefundRequest) -> list[tuple[str, str, dict]]:
    base = f"/seller/orders/{order.id}"
    return [
        ("GET", base, {}),
        ("POST", f"{base}/ship", {"carrier": "UPS", "tracking_number": "1Z"}),
        ("POST", f"{base}/cancel", {"reason": "Mine now"}),
        ("POST", f"{base}/refunds/{refund.id}/approve", {}),
        ("POST", f"{base}/refunds/{refund.id}/decline", {"note": "No"}),
    ]


def test_another_seller_can_neither_see_nor_change_an_order(app, shop):
    order, refund = _refund_requested(shop)
    intruder = Shop(email="intruder@example.com")
    intruder.paid()
    client = signed_in(app, "intruder@example.com")
    for method, url, data in _urls(order, refund):
        response = client.get(url) if method == "GET" else post_form(client, url, data)
        assert response.status_code in (403, 404), (method, url, response.status_code)
    assert order.id not in listed(client.get("/seller/orders"))
    assert fresh(order).status == S.DELIVERED.value
    assert db.session.get(RefundRequest, refund.id).status == "requested"
    assert [kind for kind, *_ in entries()] == ["order_paid", "order_paid"]


def test_a_buyer_cannot_use_the_seller_pages(app, shop):
    order, refund = _refund_requested(shop)
    client = signed_in(app, shop.buyer.email)
    assert client.get("/seller/orders").status_code == 403
    for method, url, data in _urls(order, refund):
        response = client.get(url) if method == "GET" else post_form(client, url, data)
        assert response.status_code == 403, (method, url)


def test_an_order_that_does_not_exist_is_a_404(app, shop, seller):
    assert seller.get("/seller/orders/999999").status_code == 404
    assert seller.get(f"/seller/orders/{2**70}").status_code == 404


def test_the_list_shows_first_line_line_count_and_open_refunds(app, shop, seller):
    order = shop.paid((1, 2))
    lifecycle.ship(order, "UPS", "1Z", shop.seller)
    lifecycle.mark_delivered(order, shop.buyer)
    refund_requests.request_refund(order, order.lines[0], "Broken", shop.buyer)
    db.session.commit()
    single = shop.paid((0, 1))
    page = seller.get("/seller/orders").get_data(True)
    rows = page.split("<tbody>")[1].split("</tr>")
    assert f"{order.lines[0].title} <span" in rows[1]
    assert "and 1 more" in rows[1]
    assert "Refund requested</span>" in rows[1]
    assert single.lines[0].title in rows[0]
    assert "more" not in rows[0]
    assert "Refund requested</span>" not in rows[0]


def test_the_counts_in_the_tabs_are_the_list_totals(app, shop, seller, count_queries):
    for _ in range(21):
        make_order(shop.buyer, [(shop.variants[0], 1)])
    make_order(shop.buyer, [(shop.variants[0], 1)], status=S.SHIPPED)
    db.session.commit()
    page = seller.get("/seller/orders").get_data(True)
    assert "1–20 of 22" in page
    assert "1–20 of 21" in seller.get("/seller/orders?status=paid").get_data(True)
    before = count_queries.count
    seller.get("/seller/orders")
    plain = count_queries.count - before
    before = count_queries.count
    seller.get("/seller/orders?from=2020-01-01")
    assert count_queries.count - before == plain + 1  # a date range counts; a state does not
