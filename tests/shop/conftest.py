"""Fixtures of the shop tests: a small shop of two USD stores and a EUR one (``shop``), the local
Stripe stub and the app switched to it (``stripe_config``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask, has_app_context

from core.accounts.models import Role
from core.extensions import db
from tests.conftest import IsolatedClient
from tests.factories import make_user
from tests.shop.factories import make_product, make_store
from tests.stripe_stub import StripeStub

WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture(autouse=True)
def _settle_before_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """End the test's own transaction before each request.

    On SQLite every transaction begins IMMEDIATE (it takes the write lock), so a test that
    read something under ``app_ctx`` would otherwise block the request it then makes. After
    the commit the test's objects are expired and read afresh.
    """
    original = IsolatedClient.open

    def open_settled(self: IsolatedClient, *args: object, **kwargs: object) -> object:
        if has_app_context():
            db.session.commit()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(IsolatedClient, "open", open_settled)


@dataclass(frozen=True)
class Shop:
    """Ids of a small shop: two USD stores (Ada's and Bo's) and a EUR one."""

    buyer_id: int
    other_buyer_id: int
    seller_a_id: int
    seller_b_id: int
    store_a: int
    store_b: int
    store_eur: int
    mug: int  # variant ids
    mug_product: int
    tee_s: int
    tee_m: int
    tee_product: int
    lamp: int
    lamp_product: int
    scarf_eur: int

    buyer_email: str = "bea@example.com"
    other_email: str = "otto@example.com"


@pytest.fixture
def shop(app_ctx: Flask) -> Shop:
    buyer = make_user(email="bea@example.com", display_name="Bea Buyer")
    other = make_user(email="otto@example.com", display_name="Otto Other")
    seller_a = make_user(Role.SELLER, email="ada@example.com")
    seller_b = make_user(Role.SELLER, email="bo@example.com")
    store_a = make_store(seller_a, name="Ada's Mugs")
    store_b = make_store(seller_b, name="Bo's Lamps")
    store_eur = make_store(name="Euro Scarves", currency="EUR")
    mug = make_product(store_a, title="Speckled mug", price=1200, stock=5)
    tee = make_product(store_a, title="Logo tee", price=2500, stock=3, variants=2)
    lamp = make_product(store_b, title="Desk lamp", price=4999, stock=2)
    scarf = make_product(store_eur, title="Wool scarf", price=3000, stock=4)
    return Shop(
        buyer_id=buyer.id,
        other_buyer_id=other.id,
        seller_a_id=seller_a.id,
        seller_b_id=seller_b.id,
        store_a=store_a.id,
        store_b=store_b.id,
        store_eur=store_eur.id,
        mug=mug.variants[0].id,
        mug_product=mug.id,
        tee_s=tee.variants[0].id,
        tee_m=tee.variants[1].id,
        tee_product=tee.id,
        lamp=lamp.variants[0].id,
        lamp_product=lamp.id,
        scarf_eur=scarf.variants[0].id,
    )


@pytest.fixture
def stripe_stub() -> Iterator[StripeStub]:
    stub = StripeStub().start()
    yield stub
    stub.stop()


@pytest.fixture
def stripe_config(
    app: Flask, stripe_stub: StripeStub, monkeypatch: pytest.MonkeyPatch
) -> StripeStub:
    """Switch the app to the Stripe provider, pointed at the local stub."""
    monkeypatch.setitem(app.config, "PAYMENT_PROVIDER", "stripe")
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_123")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", stripe_stub.url)
    monkeypatch.setitem(app.config, "STRIPE_MAX_NETWORK_RETRIES", 0)
    monkeypatch.setitem(app.config, "STRIPE_PUBLISHABLE_KEY", "pk_test_123")
    monkeypatch.setitem(app.config, "STRIPE_JS_URL", f"{stripe_stub.url}/v3/")
    return stripe_stub
