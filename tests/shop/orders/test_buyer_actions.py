"""The buyer's actions on their own order: mark it delivered, ask for a line's refund."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import render_template
from freezegun import freeze_time

from core.accounts.models import Role
from core.extensions import db
from shop.orders import lifecycle
from shop.orders.models import LineStatus, Order, OrderStatus
from shop.orders.refunds import requests as refund_requests
from shop.orders.refunds.models import RefundRequest
from tests.conftest import post_form
from tests.factories import make_user
from tests.shop.factories import Shop
from tests.shop.orders.helpers import commit_before_requests, signed_in

S = OrderStatus


def fresh(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def shipped(shop: Shop) -> Order:
    order = shop.paid()
    lifecycle.ship(order, "UPS", "1Z42", shop.seller)
    db.session.commit()
    return order


def delivered(shop: Shop) -> Order:
    order = shipped(shop)
    lifecycle.mark_delivered(order, shop.buyer)
    db.session.commit()
    return order


@pytest.fixture
def shop(app_ctx) -> Shop:
    shop = Shop()
    shop.buyer.email = "bea@example.com"
    db.session.commit()
    return shop


@pytest.fixture
def buyer(app, shop):
    return signed_in(app, "bea@example.com")


def test_buyer_marks_their_order_delivered(app, shop, buyer):
    order = shipped(shop)
    response = post_form(buyer, f"/orders/{order.id}/delivered")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/orders/{order.id}")
    assert fresh(order).status == S.DELIVERED.value


def test_marking_an_unshipped_order_delivered_is_a_409(app, shop, buyer):
    order = shop.paid()
    response = post_form(buyer, f"/orders/{order.id}/delivered")
    assert response.status_code == 409
    assert "cannot become delivered" in response.get_data(True)
    assert fresh(order).status == S.PAID.value


def test_buyer_requests_a_refund_of_a_line(app, shop, buyer):
    order = delivered(shop)
    line = order.lines[0]
    url = f"/orders/{order.id}/lines/{line.id}/refund"
    response = post_form(buyer, url, {"reason": "The zip is broken"})
    assert response.status_code == 302
    db.session.expire_all()
    refund = db.session.query(RefundRequest).one()
    assert (refund.order_line_id, refund.reason, refund.amount) == (
        line.id,
        "The zip is broken",
        line.amount,
    )
    again = post_form(buyer, url, {"reason": "Again"})
    assert again.status_code == 409
    assert "already requested" in again.get_data(True)


def test_a_refund_request_without_a_reason_is_a_400(app, shop, buyer):
    order = delivered(shop)
    url = f"/orders/{order.id}/lines/{order.lines[0].id}/refund"
    response = post_form(buyer, url, {"reason": "   "})
    assert response.status_code == 400
    assert "why you want a refund" in response.get_data(True)
    assert db.session.query(RefundRequest).count() == 0
    too_long = post_form(buyer, url, {"reason": "x" * 501})
    assert too_long.status_code == 400


def test_a_refund_request_after_the_return_window_is_a_409(app, shop, buyer):
    order = delivered(shop)
    line_id = order.lines[0].id
    with freeze_time(order.delivered_at + timedelta(days=7, seconds=1)):
        response = post_form(buyer, f"/orders/{order.id}/lines/{line_id}/refund", {"reason": "x"})
    assert response.status_code == 409
    assert "return window closed" in response.get_data(True)
    assert db.session.query(RefundRequest).count() == 0


def test_a_buyer_cannot_act_on_someone_elses_order(app, shop):
    order = delivered(shop)
    other_shipped = shipped(shop)
    make_user(Role.BUYER, email="eve@example.com")
    eve = signed_in(app, "eve@example.com")
    line = order.lines[0]
    assert post_form(eve, f"/orders/{other_shipped.id}/delivered").status_code == 404
    response = post_form(eve, f"/orders/{order.id}/lines/{line.id}/refund", {"reason": "Mine"})
    assert response.status_code == 404
    assert fresh(other_shipped).status == S.SHIPPED.value
    assert db.session.query(RefundRequest).count() == 0


def test_a_line_of_another_order_is_a_404(app, shop, buyer):
    order = delivered(shop)
    other = delivered(shop)
    url = f"/orders/{order.id}/lines/{other.lines[0].id}/refund"
    assert post_form(buyer, url, {"reason": "x"}).status_code == 404
    assert post_form(buyer, "/orders/999999/delivered").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(app, shop):
    order = shipped(shop)
    client = commit_before_requests(app.test_client())
    response = client.post(f"/orders/{order.id}/delivered")
    assert response.status_code in (302, 400, 401)
    assert fresh(order).status == S.SHIPPED.value


def _partial(app, order: Order) -> str:
    with app.test_request_context("/"):
        return render_template("shop/_order_actions.html", order=order)


def test_the_partial_offers_what_is_allowed_now(app, shop):
    order = shop.paid()
    assert "<form" not in _partial(app, order)
    lifecycle.ship(order, "UPS", "1Z42", shop.seller)
    db.session.commit()
    html = _partial(app, order)
    assert f'action="/orders/{order.id}/delivered"' in html
    assert "1Z42" in html
    assert "/refund" not in html
    lifecycle.mark_delivered(order, shop.buyer)
    refund = refund_requests.request_refund(order, order.lines[0], "Broken", shop.buyer)
    db.session.commit()
    html = _partial(app, order)
    assert "/delivered" not in html
    assert f"/lines/{order.lines[0].id}/refund" not in html  # already requested
    assert f"/lines/{order.lines[1].id}/refund" in html
    assert "Refund requested" in html
    refund_requests.decline_refund(refund, shop.seller, "Looks used")
    db.session.commit()
    assert "Looks used" in _partial(app, order)
    assert order.lines[0].status == LineStatus.OPEN.value


def test_the_partial_shows_refund_states_after_the_window(app, shop):
    with freeze_time("2026-11-01 10:00:00"):
        order = delivered(shop)
        refund = refund_requests.request_refund(order, order.lines[0], "Broken", shop.buyer)
        refund_requests.approve_refund(refund, shop.seller)
        db.session.commit()
    with freeze_time("2026-11-20 10:00:00"):
        html = _partial(app, order)
    assert "<form" not in html
    assert "Refunded" in html
    assert "return window closed" in html


def test_the_buyers_order_page_includes_the_actions(app, shop, buyer):
    if "shop.order" not in app.view_functions:
        pytest.skip("the buyer's order page is not there yet")
    order = shipped(shop)
    body = buyer.get(f"/orders/{order.id}").get_data(True)
    assert f'action="/orders/{order.id}/delivered"' in body
