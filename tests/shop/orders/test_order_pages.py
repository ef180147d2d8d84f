"""The buyer's orders: list (paginated, newest first, empty state) and the order's timeline."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Variant
from shop.orders.buyer.queries import ORDERS_PER_PAGE
from shop.orders.models import Order, OrderEvent, OrderStatus
from tests.conftest import Auth
from tests.shop.conftest import Shop
from tests.shop.factories import make_order
from tests.shop.orders.helpers import add, pay, payment_id_of, place


def test_orders_need_sign_in(client: FlaskClient, shop: Shop) -> None:
    assert client.get("/orders").status_code == 302
    assert client.get("/orders/1").status_code == 302


def test_no_orders_yet_shows_an_empty_state(client: FlaskClient, shop: Shop) -> None:
    Auth(client).login(shop.buyer_email)
    page = client.get("/orders").get_data(as_text=True)
    assert "No orders yet" in page


def test_orders_are_listed_newest_first_and_paginated(client: FlaskClient, shop: Shop) -> None:
    from core.accounts.models import User

    buyer = db.session.get(User, shop.buyer_id)
    mug = db.session.get(Variant, shop.mug)
    ids = [make_order(buyer, [(mug, 1)]).id for _ in range(ORDERS_PER_PAGE + 2)]
    Auth(client).login(shop.buyer_email)

    first = client.get("/orders").get_data(as_text=True)
    second = client.get("/orders?page=2").get_data(as_text=True)

    assert first.index(f"Order #{ids[-1]} ") < first.index(f"Order #{ids[-2]} ")
    assert f"Order #{ids[0]} " not in first
    assert f"Order #{ids[0]} " in second
    assert f"Order #{ids[1]} " in second
    assert "11–12 of 12" in second
    assert client.get("/orders?page=x").status_code == 200


def test_the_order_page_shows_lines_and_timeline(client: FlaskClient, shop: Shop) -> None:
    Auth(client).login(shop.buyer_email)
    add(client, shop.tee_m, 2)
    payment_id = payment_id_of(place(client))
    pay(client, payment_id)
    order = db.session.scalar(db.select(Order))
    order.status = OrderStatus.SHIPPED.value
    order.carrier = "UPS"
    order.tracking_number = "1Z999AA10123456784"
    order.shipped_at = utcnow()
    db.session.add(OrderEvent(order_id=order.id, kind="shipped", note="Shipped"))
    db.session.commit()

    page = client.get(f"/orders/{order.id}").get_data(as_text=True)

    assert "Logo tee" in page
    assert "M · SKU" in page
    assert "2 × $25.00" in page
    for step in ("Order placed", "Paid", "Shipped"):
        assert step in page
    assert "1Z999AA10123456784" in page
    assert "UPS" in page
    assert 'Delivered <span class="small">(not yet)' in page
    assert "Bea Buyer, 1 Main St" in page


def test_an_unpaid_order_links_to_its_pay_page(client: FlaskClient, shop: Shop) -> None:
    Auth(client).login(shop.buyer_email)
    add(client, shop.mug, 1)
    payment_id = payment_id_of(place(client))
    order_id = db.session.scalar(db.select(Order.id))
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "waiting for payment" in page
    assert f"/pay/{payment_id}" in page


def test_a_buyer_cannot_see_another_buyers_order(
    app: Flask, client: FlaskClient, shop: Shop
) -> None:
    from core.accounts.models import User

    order = make_order(
        db.session.get(User, shop.buyer_id), [(db.session.get(Variant, shop.mug), 1)]
    )
    intruder = app.test_client()
    Auth(intruder).login(shop.other_email)
    assert intruder.get(f"/orders/{order.id}").status_code == 404
    assert f"Order #{order.id}" not in intruder.get("/orders").get_data(as_text=True)
    assert intruder.get("/orders/99999999999999999999").status_code == 404
    Auth(client).login(shop.buyer_email)
    assert client.get(f"/orders/{order.id}").status_code == 200
