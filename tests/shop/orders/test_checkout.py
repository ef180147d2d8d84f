"""Checkout: one order per store paid by one payment, stock reserved, prices from the server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Product, ProductStatus, Variant
from shop.orders.cart import Attribution, add_to_cart, get_or_create_cart
from shop.orders.checkout.models import Address
from shop.orders.checkout.services import add_address, place_orders
from shop.orders.exceptions import CartChanged, MixedCurrencies, OutOfStock
from shop.orders.models import CartLine, Order, OrderEvent, OrderLine
from shop.payments.models import Payment
from tests.conftest import Auth, post_form
from tests.shop.conftest import Shop
from tests.shop.orders.helpers import (
    NEW_ADDRESS,
    add,
    cart_lines,
    count,
    orders_of,
    payment,
    payment_id_of,
    place,
    stock,
)


@pytest.fixture
def signed_in(client: FlaskClient, shop: Shop) -> FlaskClient:
    Auth(client).login(shop.buyer_email)
    return client


def test_checkout_needs_sign_in(client: FlaskClient, shop: Shop) -> None:
    response = client.get("/checkout")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_checkout_page_reviews_each_store(signed_in: FlaskClient, shop: Shop) -> None:
    add(signed_in, shop.mug, 2)
    add(signed_in, shop.lamp, 1)
    page = signed_in.get("/checkout").get_data(as_text=True)
    assert "Ada&#39;s Mugs" in page
    assert "Bo&#39;s Lamps" in page
    assert "one order from each" in page
    assert "Place order and pay $73.99" in page


def test_two_stores_make_two_orders_paid_by_one_payment(signed_in: FlaskClient, shop: Shop) -> None:
    add(signed_in, shop.mug, 2)
    add(signed_in, shop.tee_m, 1)
    add(signed_in, shop.lamp, 1)

    payment_id = payment_id_of(place(signed_in))

    orders = orders_of(payment_id)
    assert [o.store_id for o in orders] == [shop.store_a, shop.store_b]
    assert [o.total for o in orders] == [2 * 1200 + 2500, 4999]
    assert all(o.status == "pending_payment" for o in orders)
    assert all(o.buyer_id == shop.buyer_id for o in orders)
    assert orders[0].ship_to == "Bea Buyer, 1 Main St, Springfield, 12345, US"
    paid = payment(payment_id)
    assert (paid.amount, paid.currency, paid.status, paid.provider) == (
        2 * 1200 + 2500 + 4999,
        "USD",
        "pending",
        "test",
    )
    assert count(Payment) == 1
    assert cart_lines(shop.buyer_id) == {}
    events = db.session.scalars(select(OrderEvent.kind).order_by(OrderEvent.id)).all()
    assert events == ["placed", "placed"]


def test_placing_reserves_stock_and_sets_the_time_to_pay(
    signed_in: FlaskClient, shop: Shop
) -> None:
    add(signed_in, shop.mug, 2)
    before = utcnow()
    payment_id = payment_id_of(place(signed_in))
    assert stock(shop.mug) == 3
    (order,) = orders_of(payment_id)
    assert before + timedelta(minutes=29) < order.pay_by <= utcnow() + timedelta(minutes=30)


def test_time_to_pay_is_configurable(
    app: Flask, signed_in: FlaskClient, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "ORDER_PAY_WITHIN_MINUTES", 5)
    add(signed_in, shop.mug, 1)
    (order,) = orders_of(payment_id_of(place(signed_in)))
    assert order.pay_by <= utcnow() + timedelta(minutes=5)


def test_order_lines_snapshot_what_was_bought(signed_in: FlaskClient, shop: Shop) -> None:
    add(signed_in, shop.tee_m, 2)
    (order,) = orders_of(payment_id_of(place(signed_in)))
    tee = db.session.get(Variant, shop.tee_m)
    tee.price = 9999
    tee.product.title = "Renamed tee"
    db.session.commit()
    (line,) = db.session.scalars(select(OrderLine)).all()
    assert (line.title, line.variant_name, line.sku) == ("Logo tee", "M", tee.sku)
    assert (line.unit_price, line.quantity, line.amount) == (2500, 2, 5000)
    assert line.order_id == order.id


def test_a_tampered_price_in_the_form_is_ignored(signed_in: FlaskClient, shop: Shop) -> None:
    add(signed_in, shop.mug, 1, price="1", unit_price="1", amount="1")
    payment_id = payment_id_of(place(signed_in, total="1", amount="1", price="1"))
    assert payment(payment_id).amount == 1200
    line = db.session.scalar(select(OrderLine))
    assert (line.unit_price, line.amount) == (1200, 1200)


def test_attribution_is_copied_to_the_order_line(app_ctx: Flask, shop: Shop) -> None:
    cart = get_or_create_cart(user_id=shop.buyer_id)
    attribution = Attribution(creator_id=shop.seller_b_id, content_type="video", content_id=12)
    add_to_cart(cart, db.session.get(Variant, shop.mug), 1, attribution)
    address = add_address(shop.buyer_id, **{k: v for k, v in NEW_ADDRESS.items() if k != "address"})
    place_orders(shop.buyer_id, cart, address, provider="test")
    db.session.commit()
    line = db.session.scalar(select(OrderLine))
    assert (line.creator_id, line.content_type, line.content_id) == (shop.seller_b_id, "video", 12)
    assert line.attributed_at is not None


def test_out_of_stock_rolls_everything_back(signed_in: FlaskClient, shop: Shop) -> None:
    add(signed_in, shop.mug, 2)
    add(signed_in, shop.lamp, 2)
    db.session.get(Variant, shop.lamp).stock = 1  # someone bought one meanwhile
    db.session.commit()

    response = place(signed_in)

    assert response.status_code == 409
    assert "only 1 of Desk lamp are left" in response.get_data(as_text=True)
    assert stock(shop.mug) == 5
    assert stock(shop.lamp) == 1
    assert count(Order) == 0
    assert count(Payment) == 0
    assert count(Address) == 0
    assert cart_lines(shop.buyer_id) == {shop.mug: 2, shop.lamp: 2}


def _other_buyer_takes_the_last_lamp(shop: Shop) -> None:
    db.session.get(Variant, shop.lamp).stock = 1
    cart = get_or_create_cart(user_id=shop.other_buyer_id)
    add_to_cart(cart, db.session.get(Variant, shop.lamp), 1)
    fields = {k: v for k, v in NEW_ADDRESS.items() if k != "address"}
    place_orders(
        shop.other_buyer_id, cart, add_address(shop.other_buyer_id, **fields), provider="test"
    )
    db.session.commit()


@pytest.mark.parametrize("reviewed", [True, False], ids=["from-the-checkout-page", "direct"])
def test_the_buyer_who_loses_the_race_for_the_last_unit_gets_409(
    signed_in: FlaskClient, shop: Shop, reviewed: bool
) -> None:
    add(signed_in, shop.lamp, 1)
    page = signed_in.get("/checkout").get_data(as_text=True)
    fingerprint = page.split('name="reviewed" type="hidden" value="')[1].split('"')[0]
    _other_buyer_takes_the_last_lamp(shop)

    response = place(signed_in, **({"reviewed": fingerprint} if reviewed else {}))

    assert response.status_code == 409
    assert "Sorry, Desk lamp just sold out. Nothing was charged" in response.get_data(as_text=True)
    assert stock(shop.lamp) == 0
    assert count(Order) == 1  # the winner's
    assert cart_lines(shop.buyer_id) == {shop.lamp: 1}


def test_sold_out_in_the_meantime_is_a_clear_error(app_ctx: Flask, shop: Shop) -> None:
    cart = get_or_create_cart(user_id=shop.buyer_id)
    add_to_cart(cart, db.session.get(Variant, shop.lamp), 2)
    address = add_address(shop.buyer_id, **{k: v for k, v in NEW_ADDRESS.items() if k != "address"})
    db.session.commit()
    db.session.get(Variant, shop.lamp).stock = 1
    with pytest.raises(OutOfStock, match="only 1 of Desk lamp"):
        place_orders(shop.buyer_id, cart, address, provider="test")
    db.session.rollback()


def test_an_archived_product_is_left_out_of_checkout(signed_in: FlaskClient, shop: Shop) -> None:
    add(signed_in, shop.mug, 1)
    add(signed_in, shop.lamp, 1)
    db.session.get(Product, shop.lamp_product).status = ProductStatus.ARCHIVED.value
    db.session.commit()
    payment_id = payment_id_of(place(signed_in))
    assert [o.store_id for o in orders_of(payment_id)] == [shop.store_a]
    assert stock(shop.lamp) == 2
    assert cart_lines(shop.buyer_id) == {shop.lamp: 1}  # stays, shown as unavailable


def test_nothing_to_buy_is_refused(signed_in: FlaskClient, shop: Shop) -> None:
    add(signed_in, shop.mug, 1)
    db.session.get(Product, shop.mug_product).status = ProductStatus.ARCHIVED.value
    db.session.commit()
    response = place(signed_in)
    assert response.status_code == 400
    assert "nothing available to buy" in response.get_data(as_text=True)
    assert count(Order) == 0


def test_mixed_currencies_check_out_one_at_a_time(signed_in: FlaskClient, shop: Shop) -> None:
    add(signed_in, shop.mug, 1)
    add(signed_in, shop.scarf_eur, 1)
    page = signed_in.get("/checkout").get_data(as_text=True)
    assert "Choose a currency" in page
    response = place(signed_in)
    assert response.status_code == 400
    assert "Check out one currency at a time" in response.get_data(as_text=True)

    payment_id = payment_id_of(place(signed_in, currency="EUR"))

    assert payment(payment_id).currency == "EUR"
    assert payment(payment_id).amount == 3000
    assert cart_lines(shop.buyer_id) == {shop.mug: 1}


def test_mixed_currencies_service_error(app_ctx: Flask, shop: Shop) -> None:
    cart = get_or_create_cart(user_id=shop.buyer_id)
    add_to_cart(cart, db.session.get(Variant, shop.mug), 1)
    add_to_cart(cart, db.session.get(Variant, shop.scarf_eur), 1)
    address = add_address(shop.buyer_id, **{k: v for k, v in NEW_ADDRESS.items() if k != "address"})
    with pytest.raises(MixedCurrencies):
        place_orders(shop.buyer_id, cart, address, provider="test")
    db.session.rollback()


def test_a_cart_changed_since_review_is_reviewed_again(signed_in: FlaskClient, shop: Shop) -> None:
    add(signed_in, shop.mug, 1)
    page = signed_in.get("/checkout").get_data(as_text=True)
    reviewed = page.split('name="reviewed" type="hidden" value="')[1].split('"')[0]
    db.session.get(Variant, shop.mug).price = 1500  # the seller raised the price meanwhile
    db.session.commit()

    response = place(signed_in, reviewed=reviewed)

    assert response.status_code == 409
    assert "Your cart changed since you reviewed it" in response.get_data(as_text=True)
    assert "$15.00" in response.get_data(as_text=True)
    assert count(Order) == 0


def test_reviewed_fingerprint_matches_when_nothing_changed(app_ctx: Flask, shop: Shop) -> None:
    from shop.orders.cart import summarise

    cart = get_or_create_cart(user_id=shop.buyer_id)
    add_to_cart(cart, db.session.get(Variant, shop.mug), 1)
    address = add_address(shop.buyer_id, **{k: v for k, v in NEW_ADDRESS.items() if k != "address"})
    fingerprint = summarise(cart).fingerprint("USD")
    add_to_cart(cart, db.session.get(Variant, shop.mug), 1)
    with pytest.raises(CartChanged):
        place_orders(shop.buyer_id, cart, address, provider="test", reviewed=fingerprint)
    db.session.rollback()


def test_saved_addresses_are_offered_and_used(signed_in: FlaskClient, shop: Shop) -> None:
    add(signed_in, shop.mug, 1)
    payment_id_of(place(signed_in))
    address_id = db.session.scalar(select(Address.id))
    add(signed_in, shop.lamp, 1)
    page = signed_in.get("/checkout").get_data(as_text=True)
    assert "1 Main St" in page
    payment_id = payment_id_of(post_form(signed_in, "/checkout", {"address": str(address_id)}))
    assert count(Address) == 1
    assert orders_of(payment_id)[0].ship_to.startswith("Bea Buyer, 1 Main St")


def test_another_buyers_address_cannot_be_used(
    app: Flask, signed_in: FlaskClient, shop: Shop
) -> None:
    theirs = add_address(
        shop.other_buyer_id,
        full_name="Otto",
        line1="9 Elm",
        city="X",
        postal_code="1",
        country="US",
    )
    db.session.commit()
    add(signed_in, shop.mug, 1)
    response = post_form(signed_in, "/checkout", {"address": str(theirs.id)})
    assert response.status_code == 400
    assert count(Order) == 0


def test_a_new_address_needs_its_fields(signed_in: FlaskClient, shop: Shop) -> None:
    add(signed_in, shop.mug, 1)
    response = post_form(signed_in, "/checkout", {"address": "new", "full_name": "Bea"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Enter the street address." in text
    assert "Enter a two-letter country code." in text
    response = place(signed_in, country="USA")
    assert response.status_code == 400
    assert count(Order) == 0
    assert count(CartLine) == 1
