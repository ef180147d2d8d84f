"""Mail about orders: placed, paid, shipped with tracking, new order to ship, refunds."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from core.extensions import db
from core.mail import services as mail_services
from core.mail.models import MailCategory
from shop.orders import lifecycle
from shop.orders.refunds import requests as refund_requests
from tests.conftest import Auth
from tests.shop.conftest import Shop as ShopData
from tests.shop.factories import Shop
from tests.shop.orders.helpers import add, pay, payment_id_of, place


@pytest.fixture
def signed_in(client: FlaskClient, shop: ShopData) -> FlaskClient:
    Auth(client).login(shop.buyer_email)
    return client


def test_placing_and_paying_mail_the_buyer_and_the_seller(signed_in, shop, mailbox):
    add(signed_in, shop.mug, 2)
    payment_id = payment_id_of(place(signed_in))
    placed = mailbox.last(shop.buyer_email)
    assert placed.subject.startswith("Order #")
    assert "placed at Ada's Mugs" in placed.subject
    assert "2 × Speckled mug" in placed.text
    assert "$24.00" in placed.text

    pay(signed_in, payment_id)
    paid = mailbox.last(shop.buyer_email)
    assert paid.subject.endswith("is paid")
    assert "We received your payment of $24.00" in paid.text
    to_ship = mailbox.last("ada@example.com")
    assert to_ship.subject.startswith("New order #")
    assert to_ship.subject.endswith("to ship")
    assert "1 Main St" in to_ship.text
    assert to_ship.unsubscribe_url is not None  # a seller may turn these off
    assert paid.unsubscribe_url is None  # the buyer's receipt has no unsubscribe link


def test_shipping_mails_the_tracking_number(app_ctx, mailbox):
    shop = Shop()
    order = shop.paid()
    lifecycle.ship(order, "UPS", "1Z999AA10123456784", shop.seller)
    db.session.commit()
    mail = mailbox.last(shop.buyer.email)
    assert mail.subject == f"Order #{order.id} has shipped"
    assert "Tracking number: 1Z999AA10123456784" in mail.text
    assert "UPS" in mail.html
    assert f"/orders/{order.id}" in mail.text


def test_a_shipping_that_rolls_back_mails_nothing(app_ctx, mailbox):
    shop = Shop()
    order = shop.paid()
    lifecycle.ship(order, "UPS", "1Z999", shop.seller)
    db.session.rollback()
    assert mailbox.to(shop.buyer.email) == []


def test_a_buyer_who_turned_order_mail_off_gets_no_shipping_mail(app_ctx, mailbox):
    shop = Shop()
    order = shop.paid()
    mail_services.set_preferences(shop.buyer.id, {MailCategory.PLANS})
    lifecycle.ship(order, "UPS", "1Z999", shop.seller)
    db.session.commit()
    assert mailbox.to(shop.buyer.email) == []


def delivered(shop: Shop):
    order = shop.paid()
    lifecycle.ship(order, "UPS", "1Z999", shop.seller)
    lifecycle.mark_delivered(order, shop.buyer)
    db.session.commit()
    return order


def test_refund_request_mails_the_seller_and_the_buyer(app_ctx, mailbox):
    shop = Shop()
    order = delivered(shop)
    refund_requests.request_refund(order, order.lines[0], "Arrived broken", shop.buyer)
    db.session.commit()
    seller_mail = mailbox.last(shop.seller.email)
    assert seller_mail.subject == f"Refund requested on order #{order.id}"
    assert "Their reason: Arrived broken" in seller_mail.text
    assert mailbox.last(shop.buyer.email).subject == f"Refund requested for order #{order.id}"


def test_refund_approval_and_the_money_back_are_mailed_to_the_buyer(app_ctx, mailbox):
    shop = Shop()
    order = delivered(shop)
    refund = refund_requests.request_refund(order, order.lines[0], "Broken", shop.buyer)
    db.session.commit()
    refund_requests.approve_refund(refund, shop.seller)
    db.session.commit()
    subjects = [m.subject for m in mailbox.to(shop.buyer.email)]
    assert f"Refund approved for order #{order.id}" in subjects
    assert any(s.startswith("Your refund of") and s.endswith("is on your card") for s in subjects)


def test_refund_decline_is_mailed_with_the_reason(app_ctx, mailbox):
    shop = Shop()
    order = delivered(shop)
    refund = refund_requests.request_refund(order, order.lines[0], "Changed my mind", shop.buyer)
    db.session.commit()
    refund_requests.decline_refund(refund, shop.seller, "Opened and used")
    db.session.commit()
    mail = mailbox.last(shop.buyer.email)
    assert mail.subject == f"Refund declined for order #{order.id}"
    assert "Their reason: Opened and used" in mail.text
