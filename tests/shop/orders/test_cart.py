"""The cart: guests and buyers, merging on sign-in, quantities, availability and ownership."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.extensions import db
from shop.catalog.models import Product, ProductStatus, Variant
from shop.orders.cart import Attribution, add_to_cart, get_or_create_cart, summarise
from shop.orders.models import Cart, CartLine
from tests.conftest import Auth, post_form
from tests.shop.conftest import Shop
from tests.shop.factories import make_product, make_store
from tests.shop.orders.helpers import add, cart_lines, count


def test_guest_adds_to_cart_and_sees_it(client: FlaskClient, shop: Shop) -> None:
    response = add(client, shop.mug, 2)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/cart")
    assert cart_lines() == {shop.mug: 2}
    page = client.get("/cart").get_data(as_text=True)
    assert "Speckled mug" in page
    assert "$24.00" in page


def test_adding_the_same_variant_again_raises_the_quantity(client: FlaskClient, shop: Shop) -> None:
    add(client, shop.mug, 2)
    add(client, shop.mug, 1)
    assert cart_lines() == {shop.mug: 3}


def test_signed_in_cart_is_kept_with_the_account(
    app: Flask, client: FlaskClient, shop: Shop
) -> None:
    Auth(client).login(shop.buyer_email)
    add(client, shop.lamp)
    assert cart_lines(shop.buyer_id) == {shop.lamp: 1}
    Auth(client).logout()
    assert "Your cart is empty" in client.get("/cart").get_data(as_text=True)
    other_device = app.test_client()
    Auth(other_device).login(shop.buyer_email)
    assert "Desk lamp" in other_device.get("/cart").get_data(as_text=True)


def test_guest_cart_merges_into_the_account_cart_on_sign_in(
    client: FlaskClient, shop: Shop
) -> None:
    buyer_cart = get_or_create_cart(user_id=shop.buyer_id)
    add_to_cart(buyer_cart, db.session.get(Variant, shop.mug), 1)
    add_to_cart(buyer_cart, db.session.get(Variant, shop.lamp), 1)
    db.session.commit()
    add(client, shop.mug, 2)
    add(client, shop.tee_s, 1)

    response = Auth(client).login(shop.buyer_email)

    assert response.status_code == 302
    assert cart_lines(shop.buyer_id) == {shop.mug: 3, shop.lamp: 1, shop.tee_s: 1}
    assert cart_lines() == {}
    assert count(Cart) == 1
    assert client.get("/cart").get_data(as_text=True).count("Speckled mug") >= 1


def test_merge_caps_quantities_at_stock(client: FlaskClient, shop: Shop) -> None:
    buyer_cart = get_or_create_cart(user_id=shop.buyer_id)
    add_to_cart(buyer_cart, db.session.get(Variant, shop.lamp), 2)
    db.session.commit()
    add(client, shop.lamp, 2)  # stock is 2
    Auth(client).login(shop.buyer_email)
    assert cart_lines(shop.buyer_id) == {shop.lamp: 2}


def test_sign_up_keeps_the_guest_cart(client: FlaskClient, shop: Shop) -> None:
    add(client, shop.mug, 1)
    response = post_form(
        client,
        "/signup",
        {
            "email": "newbie@example.com",
            "display_name": "Newbie",
            "password": "correct-horse-battery",
            "confirm": "correct-horse-battery",
            "role": "buyer",
        },
    )
    assert response.status_code == 302
    assert "Speckled mug" in client.get("/cart").get_data(as_text=True)


def test_navbar_count_costs_at_most_one_query(app: Flask, client: FlaskClient, shop: Shop) -> None:
    from shop.orders import cart_views as views

    add(client, shop.mug, 2)
    add(client, shop.lamp, 1)
    with app.test_request_context("/"):
        from flask import session

        with client.session_transaction() as stored:
            session.update(stored)
        statements: list[str] = []
        from sqlalchemy import event

        def record(*args: object) -> None:
            if not str(args[2]).startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
                statements.append(str(args[2]))

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert views._cart_item_count() == 3
            assert views._cart_item_count() == 3  # cached for the request
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert len(statements) == 1


def test_guest_without_a_cart_costs_no_query(app: Flask) -> None:
    from shop.orders import cart_views as views

    with app.test_request_context("/"):
        assert views._cart_item_count() == 0


def test_quantity_above_stock_is_a_conflict(client: FlaskClient, shop: Shop) -> None:
    response = add(client, shop.lamp, 3)  # stock 2
    assert response.status_code == 409
    assert "Only 2 of Desk lamp left in stock." in response.get_data(as_text=True)
    assert cart_lines() == {}
    add(client, shop.lamp, 2)
    response = add(client, shop.lamp, 1)
    assert response.status_code == 409
    assert cart_lines() == {shop.lamp: 2}


@pytest.mark.parametrize("buy_now", ["", "1"], ids=["add-to-cart", "buy-now"])
def test_adding_an_option_sold_out_meanwhile_is_409(
    client: FlaskClient, shop: Shop, buy_now: str
) -> None:
    db.session.get(Variant, shop.lamp).stock = 0  # another buyer took the last one
    db.session.commit()

    response = add(client, shop.lamp, 1, buy_now=buy_now)

    assert response.status_code == 409
    assert "Desk lamp is sold out." in response.get_data(as_text=True)
    assert cart_lines() == {}


def test_quantity_must_be_a_whole_number_from_1_to_99(client: FlaskClient, shop: Shop) -> None:
    for bad in (0, -1, 100, "two", "1.5", ""):
        response = add(client, shop.mug, bad)
        assert response.status_code == 400, bad
    assert count(CartLine) == 0


def test_inactive_or_archived_products_cannot_be_added(client: FlaskClient, shop: Shop) -> None:
    product = db.session.get(Product, shop.mug_product)
    product.status = ProductStatus.ARCHIVED.value
    db.session.get(Variant, shop.tee_m).active = False
    draft = make_product(title="Draft thing", status=ProductStatus.DRAFT.value)
    db.session.commit()
    for variant_id in (shop.mug, shop.tee_m, draft.variants[0].id):
        response = add(client, variant_id)
        assert response.status_code == 400
        assert "is not available any more" in response.get_data(as_text=True)
    assert count(CartLine) == 0
    assert count(Cart) == 0


def test_unknown_variant_is_404_and_another_products_variant_is_400(
    client: FlaskClient, shop: Shop
) -> None:
    assert add(client, 999_999).status_code == 404
    assert add(client, 2**70).status_code == 400  # out of range for an id
    response = add(client, shop.lamp, product_id=shop.mug_product)
    assert response.status_code == 400
    assert add(client, shop.mug, product_id=shop.mug_product).status_code == 303
    assert cart_lines() == {shop.mug: 1}


def test_change_quantity_and_remove(client: FlaskClient, shop: Shop) -> None:
    add(client, shop.mug, 1)
    line_id = db.session.scalar(db.select(CartLine.id))
    response = post_form(client, f"/cart/lines/{line_id}/quantity", {"quantity": 4})
    assert response.status_code == 303
    assert cart_lines() == {shop.mug: 4}
    response = post_form(client, f"/cart/lines/{line_id}/quantity", {"quantity": 6})  # stock 5
    assert response.status_code == 409
    assert "Only 5 of Speckled mug left" in response.get_data(as_text=True)
    assert post_form(client, f"/cart/lines/{line_id}/quantity", {"quantity": 0}).status_code == 400
    assert cart_lines() == {shop.mug: 4}
    assert post_form(client, f"/cart/lines/{line_id}/remove").status_code == 303
    assert cart_lines() == {}


def test_a_buyer_cannot_touch_another_buyers_cart_line(
    app: Flask, client: FlaskClient, shop: Shop
) -> None:
    Auth(client).login(shop.buyer_email)
    add(client, shop.mug, 1)
    line_id = db.session.scalar(db.select(CartLine.id))
    intruder = app.test_client()
    Auth(intruder).login(shop.other_email)
    assert (
        post_form(intruder, f"/cart/lines/{line_id}/quantity", {"quantity": 2}).status_code == 404
    )
    assert post_form(intruder, f"/cart/lines/{line_id}/remove").status_code == 404
    guest = app.test_client()
    assert post_form(guest, f"/cart/lines/{line_id}/remove").status_code == 404
    assert cart_lines(shop.buyer_id) == {shop.mug: 1}
    assert "Speckled mug" not in intruder.get("/cart").get_data(as_text=True)


def test_cart_groups_lines_per_store_with_totals(client: FlaskClient, shop: Shop) -> None:
    add(client, shop.mug, 2)
    add(client, shop.tee_s, 1)
    add(client, shop.lamp, 1)
    cart = db.session.scalar(db.select(Cart))
    summary = summarise(cart)
    assert [g.store.id for g in summary.groups] == [shop.store_a, shop.store_b]
    assert [g.subtotal for g in summary.groups] == [2 * 1200 + 2500, 4999]
    assert summary.totals() == {"USD": 2 * 1200 + 2500 + 4999}
    page = client.get("/cart").get_data(as_text=True)
    assert "Ada&#39;s Mugs" in page
    assert "Bo&#39;s Lamps" in page
    assert "$49.00" in page  # Ada's subtotal
    assert "$98.99" in page  # the total


def test_withdrawn_lines_show_as_unavailable_and_stay_out_of_totals(
    client: FlaskClient, shop: Shop
) -> None:
    add(client, shop.mug, 1)
    add(client, shop.lamp, 1)
    db.session.get(Product, shop.lamp_product).status = ProductStatus.ARCHIVED.value
    db.session.commit()
    page = client.get("/cart").get_data(as_text=True)
    assert "No longer available" in page
    cart = db.session.scalar(db.select(Cart))
    assert summarise(cart).totals() == {"USD": 1200}


def test_mixed_currencies_are_pointed_out(client: FlaskClient, shop: Shop) -> None:
    add(client, shop.mug, 1)
    add(client, shop.scarf_eur, 1)
    page = client.get("/cart").get_data(as_text=True)
    assert "Check out one currency at a time" in page
    assert "Check out EUR items" in page


def test_attribution_last_touch_wins(app_ctx: Flask, shop: Shop) -> None:
    cart = get_or_create_cart(user_id=shop.buyer_id)
    mug = db.session.get(Variant, shop.mug)
    line = add_to_cart(
        cart, mug, 1, Attribution(creator_id=shop.seller_b_id, content_type="video", content_id=7)
    )
    assert (line.creator_id, line.content_type, line.content_id) == (shop.seller_b_id, "video", 7)
    add_to_cart(cart, mug, 1)  # an unattributed add keeps it
    assert line.content_id == 7
    add_to_cart(
        cart, mug, 1, Attribution(creator_id=shop.seller_a_id, content_type="live", content_id=3)
    )
    assert (line.creator_id, line.content_type, line.content_id) == (shop.seller_a_id, "live", 3)
    assert line.quantity == 3
    db.session.commit()


def test_the_form_cannot_set_attribution(client: FlaskClient, shop: Shop) -> None:
    add(client, shop.mug, 1, creator_id=shop.seller_a_id, content_type="video", content_id=1)
    line = db.session.scalar(db.select(CartLine))
    assert line.creator_id is None
    assert line.content_id is None


def test_buy_now_goes_to_checkout(client: FlaskClient, shop: Shop) -> None:
    response = add(client, shop.mug, 1, buy_now="1")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/checkout")
    assert client.get("/checkout").status_code == 302  # guests sign in first


def test_empty_cart_page(client: FlaskClient, app_ctx: Flask) -> None:
    make_store()
    page = client.get("/cart")
    assert page.status_code == 200
    assert "Your cart is empty" in page.get_data(as_text=True)
