"""Seller orders over the API."""

from __future__ import annotations

from sqlalchemy import select

from core.audit.models import AuditEvent
from core.extensions import db
from shop.orders import lifecycle
from shop.orders.refunds import requests as refund_requests
from tests.api.conftest import is_problem, make_key
from tests.shop.factories import Shop


def _refund_requested(shop: Shop):
    order = shop.paid()
    lifecycle.ship(order, "UPS", "1Z", shop.seller)
    lifecycle.mark_delivered(order, shop.buyer)
    refund = refund_requests.request_refund(order, order.lines[0], "Broken", shop.buyer)
    db.session.commit()
    return order, refund


def test_lists_orders_with_a_status_filter(app_ctx, api):
    shop = Shop()
    paid = shop.paid()
    shop.place((1, 0))
    key = make_key(shop.seller)
    body = api.get("/orders?status=paid", key).get_json()
    assert [o["id"] for o in body["data"]] == [paid.id]
    assert body["data"][0]["total"]["currency"] == "USD"


def test_bad_filter_is_a_validation_problem(app_ctx, api):
    shop = Shop()
    response = api.get("/orders?status=lost&placed_from=yesterday", make_key(shop.seller))
    assert is_problem(response, 422)
    assert {e["field"] for e in response.get_json()["errors"]} == {"status", "placed_from"}


def test_orders_page_by_cursor(app_ctx, api):
    shop = Shop(stock=50)
    ids = [shop.paid((1, 0)).id for _ in range(3)]
    key = make_key(shop.seller)
    first = api.get("/orders?limit=2", key).get_json()
    second = api.get(f"/orders?limit=2&cursor={first['next_cursor']}", key).get_json()
    assert [o["id"] for o in first["data"] + second["data"]] == sorted(ids, reverse=True)


def test_gets_an_order(app_ctx, api):
    shop = Shop()
    order = shop.paid()
    body = api.get(f"/orders/{order.id}", make_key(shop.seller)).get_json()
    assert body["status"] == "paid"
    assert len(body["lines"]) == 2


def test_another_stores_order_is_404_everywhere(app_ctx, api):
    mine, theirs = Shop(), Shop()
    order = theirs.paid()
    key = make_key(mine.seller)
    assert is_problem(api.get(f"/orders/{order.id}", key), 404)
    ship = {"carrier": "UPS", "tracking_number": "1Z"}
    assert is_problem(api.post(f"/orders/{order.id}/ship", key, ship), 404)
    assert is_problem(api.post(f"/orders/{order.id}/cancel", key, {"reason": "x"}), 404)


def test_ships_an_order(app_ctx, api):
    shop = Shop()
    order = shop.paid()
    key = make_key(shop.seller, name="Warehouse")
    response = api.post(
        f"/orders/{order.id}/ship", key, {"carrier": "UPS", "tracking_number": "1Z999"}
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "shipped"
    assert response.get_json()["tracking_number"] == "1Z999"
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "api.ship_order")
    ).one()
    assert "Warehouse" in audit.reason


def test_shipping_twice_is_a_409_problem(app_ctx, api):
    shop = Shop()
    order = shop.paid()
    key = make_key(shop.seller)
    body = {"carrier": "UPS", "tracking_number": "1Z"}
    api.post(f"/orders/{order.id}/ship", key, body)
    assert is_problem(api.post(f"/orders/{order.id}/ship", key, body), 409)


def test_cancels_an_order(app_ctx, api):
    shop = Shop()
    order = shop.place()
    response = api.post(f"/orders/{order.id}/cancel", make_key(shop.seller), {"reason": "Gone"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"


def test_approves_a_refund_request(app_ctx, api):
    shop = Shop()
    order, refund = _refund_requested(shop)
    response = api.post(
        f"/orders/{order.id}/refund-requests/{refund.id}/approve", make_key(shop.seller)
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["refund_requests"][0]["status"] == "refunded"


def test_declines_a_refund_request(app_ctx, api):
    shop = Shop()
    order, refund = _refund_requested(shop)
    response = api.post(
        f"/orders/{order.id}/refund-requests/{refund.id}/decline",
        make_key(shop.seller),
        {"note": "It arrived whole"},
    )
    assert response.status_code == 200
    assert response.get_json()["refund_requests"][0]["status"] == "declined"


def test_a_refund_request_of_another_order_is_404(app_ctx, api):
    shop = Shop(stock=50)
    _, refund = _refund_requested(shop)
    other = shop.paid()
    response = api.post(
        f"/orders/{other.id}/refund-requests/{refund.id}/approve", make_key(shop.seller)
    )
    assert is_problem(response, 404)
