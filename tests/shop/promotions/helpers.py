"""A small market for the pricing and checkout tests, and helpers to fill carts and apply codes.

Import the ``market`` fixture into a test module to use it (this folder has no conftest, so
that the other promotion tests keep their own fixtures).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.accounts.models import Role
from core.extensions import db
from shop.catalog.models import Variant
from shop.orders.cart import LineView, add_to_cart, get_or_create_cart, summarise
from tests.conftest import Auth, post_form
from tests.factories import make_user
from tests.shop.factories import make_product, make_store


@dataclass(frozen=True)
class Market:
    """Ids: Ada's store sells a mug ($20.00) and a lamp ($30.00, two options); Bo's a tee."""

    buyer_id: int
    other_buyer_id: int
    seller_id: int
    store: int
    other_store: int
    mug: int  # variant ids
    mug_product: int
    lamp_s: int
    lamp_m: int
    lamp_product: int
    tee: int
    tee_product: int

    buyer_email: str = "bea@example.com"
    other_email: str = "otto@example.com"


@pytest.fixture
def market(app_ctx: Flask) -> Market:
    buyer = make_user(email="bea@example.com", display_name="Bea Buyer")
    other = make_user(email="otto@example.com", display_name="Otto Other")
    seller = make_user(Role.SELLER, email="ada@example.com")
    store = make_store(seller, name="Ada's Mugs")
    other_store = make_store(name="Bo's Tees")
    mug = make_product(store, title="Speckled mug", price=2000, stock=20)
    lamp = make_product(store, title="Desk lamp", price=3000, stock=20, variants=2)
    tee = make_product(other_store, title="Logo tee", price=1500, stock=20)
    return Market(
        buyer_id=buyer.id,
        other_buyer_id=other.id,
        seller_id=seller.id,
        store=store.id,
        other_store=other_store.id,
        mug=mug.variants[0].id,
        mug_product=mug.id,
        lamp_s=lamp.variants[0].id,
        lamp_m=lamp.variants[1].id,
        lamp_product=lamp.id,
        tee=tee.variants[0].id,
        tee_product=tee.id,
    )


def cart_lines(buyer_id: int, items: list[tuple[int, int]]) -> list[LineView]:
    """Put ``(variant id, quantity)`` in the buyer's cart; return its lines that can be bought."""
    cart = get_or_create_cart(user_id=buyer_id)
    for variant_id, quantity in items:
        add_to_cart(cart, db.session.get(Variant, variant_id), quantity)
    db.session.commit()
    return [view for group in summarise(cart).groups for view in group.available_lines]


def signed_in(client: FlaskClient, email: str) -> FlaskClient:
    response = Auth(client).login(email)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    return client


def apply_code(client: FlaskClient, store_id: int, code: str, back: str = "cart", **extra: Any):
    data = {"store_id": store_id, "code": code, "back": back}
    return post_form(client, "/cart/voucher", data | extra)


def remove_code(client: FlaskClient, store_id: int, back: str = "cart"):
    return post_form(client, "/cart/voucher/remove", {"store_id": store_id, "back": back})
