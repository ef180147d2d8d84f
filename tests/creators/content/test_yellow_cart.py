"""The yellow cart's doors into the shop, and the attribution they carry to the order."""

from __future__ import annotations

import time

import pytest
from flask import Flask, session
from sqlalchemy import select

from affiliate.creators.attribution import touches as attribution
from affiliate.creators.attribution.models import Commission, ContentEvent
from affiliate.creators.content.models import (
    Content,
    ContentKind,
    ContentProduct,
    ContentStatus,
)
from core.accounts.models import Role, User
from core.extensions import db
from shop.catalog.models import Product
from shop.orders.models import CartLine
from tests.conftest import Auth, post_form
from tests.creators.factories import showcase, store_plan
from tests.factories import PASSWORD, make_user
from tests.shop.factories import make_product, make_store
from tests.shop.orders.helpers import add, pay, payment_id_of, place

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36"}


@pytest.fixture
def creator(app_ctx: Flask) -> User:
    user = make_user(Role.CREATOR)
    db.session.commit()
    return user


@pytest.fixture
def product(app_ctx: Flask) -> Product:
    store = make_store(make_user(Role.SELLER))
    found = make_product(store, title="Glow serum", price=2000, stock=10)
    store_plan(store, 1000)
    return found


def video(creator: User, *products: Product, status: str = "published") -> Content:
    content = Content(
        creator_id=creator.id,
        kind=ContentKind.VIDEO.value,
        title="My routine",
        external_url="https://videos.example.com/routine",
        status=status,
    )
    content.products = [ContentProduct(product_id=p.id, position=i) for i, p in enumerate(products)]
    db.session.add(content)
    db.session.commit()
    return content


def cart_line() -> CartLine:
    db.session.expire_all()
    return db.session.scalars(select(CartLine)).one()


def settle(client):
    """End the test's transaction (SQLite takes its write lock at BEGIN)."""
    db.session.commit()
    return client


def test_card_tap_opens_the_product_and_records_a_click(client, creator, product):
    content = video(creator, product)
    response = settle(client).get(f"/c/{content.id}/p/{product.id}", headers=BROWSER)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/p/{product.id}")
    kinds = db.session.scalars(select(ContentEvent.kind)).all()
    assert kinds == ["click"]


def test_adding_after_a_tap_attributes_the_cart_line(client, creator, product):
    content = video(creator, product)
    settle(client).get(f"/c/{content.id}/p/{product.id}", headers=BROWSER)
    add(client, product.variants[0].id)

    line = cart_line()
    assert (line.creator_id, line.content_type, line.content_id) == (
        creator.id,
        "video",
        content.id,
    )


def test_adding_without_a_tap_leaves_the_line_unattributed(client, creator, product):
    video(creator, product)
    add(settle(client), product.variants[0].id, creator_id=creator.id, content_id=1)

    assert cart_line().creator_id is None


def test_last_touch_wins(client, creator, product):
    first = video(creator, product)
    other = make_user(Role.CREATOR)
    db.session.commit()
    second = video(other, product)
    settle(client).get(f"/c/{first.id}/p/{product.id}", headers=BROWSER)
    client.get(f"/c/{second.id}/p/{product.id}", headers=BROWSER)
    add(client, product.variants[0].id)

    assert cart_line().content_id == second.id


def test_tap_on_a_product_not_on_the_content_is_404(client, creator, product):
    content = video(creator)
    assert settle(client).get(f"/c/{content.id}/p/{product.id}").status_code == 404


def test_tap_on_removed_content_is_404(client, creator, product):
    content = video(creator, product, status=ContentStatus.REMOVED.value)
    assert settle(client).get(f"/c/{content.id}/p/{product.id}").status_code == 404


def test_card_add_to_cart_attributes_and_returns_to_the_content(client, creator, product):
    content = video(creator, product)
    fields = {"product_id": product.id, "variant_id": product.variants[0].id, "next": "/feed"}
    response = post_form(settle(client), f"/c/{content.id}/cart", fields)

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/feed")
    assert cart_line().content_id == content.id
    kinds = sorted(db.session.scalars(select(ContentEvent.kind)))
    assert kinds == ["add_to_cart", "click"]


def test_card_buy_now_goes_to_checkout(client, creator, product):
    content = video(creator, product)
    fields = {"product_id": product.id, "variant_id": product.variants[0].id, "buy_now": "1"}
    response = post_form(settle(client), f"/c/{content.id}/cart", fields)

    assert response.headers["Location"].endswith("/checkout")


def test_card_add_ignores_an_external_next(client, creator, product):
    content = video(creator, product)
    fields = {
        "product_id": product.id,
        "variant_id": product.variants[0].id,
        "next": "https://evil.example.com/",
    }
    response = post_form(settle(client), f"/c/{content.id}/cart", fields)

    assert "evil" not in response.headers["Location"]


def test_card_add_of_another_products_option_is_400(client, creator, product):
    other = make_product(make_store(), title="Other", price=500)
    content = video(creator, product)
    fields = {"product_id": product.id, "variant_id": other.variants[0].id}
    response = post_form(settle(client), f"/c/{content.id}/cart", fields)

    assert response.status_code == 400
    assert db.session.scalars(select(CartLine)).all() == []


def test_card_add_without_csrf_is_400(client, creator, product):
    content = video(creator, product)
    fields = {"product_id": product.id, "variant_id": product.variants[0].id}
    response = settle(client).post(f"/c/{content.id}/cart", data=fields)

    assert response.status_code == 400


def test_touch_older_than_the_window_does_not_attribute(app, creator, product):
    content = video(creator, product)
    db.session.commit()
    with app.test_request_context("/"):
        attribution.touch(content, product.id, now=time.time() - 8 * 86400)
        assert attribution.attribution_for(product.id) is None
        attribution.touch(content, product.id, now=time.time() - 6 * 86400)
        assert attribution.attribution_for(product.id) is not None


def test_malformed_touch_in_the_session_is_ignored(app, product):
    with app.test_request_context("/"):
        session[attribution.SESSION_KEY] = {str(product.id): ["1", 2, 3, "video"]}
        assert attribution.attribution_for(product.id) is None


def test_visitor_buying_through_a_video_earns_the_creator_a_pending_commission(
    client, creator, product
):
    showcase(creator.id, product)
    content = video(creator, product)
    buyer = make_user(email="viewer@example.com")
    db.session.commit()
    Auth(settle(client)).login(buyer.email, PASSWORD)
    client.get(f"/c/{content.id}/p/{product.id}", headers=BROWSER)
    add(client, product.variants[0].id, quantity=2)
    pay(client, payment_id_of(place(client)))

    earned = db.session.scalars(select(Commission)).one()
    assert (earned.creator_id, earned.content_id, earned.state) == (
        creator.id,
        content.id,
        "pending",
    )
    assert earned.amount == 400  # 10% of 2 × 20.00
