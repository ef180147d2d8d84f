"""Helpers that drive the cart, checkout and pay pages through the HTTP client."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.extensions import db
from core.ledger.models import LedgerEntry
from shop.catalog.models import Variant
from shop.orders.models import Cart, CartLine, Order, Payment
from tests.conftest import post_form

NEW_ADDRESS = {
    "address": "new",
    "full_name": "Bea Buyer",
    "line1": "1 Main St",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "us",
}
GOOD_CARD = {"number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123"}
DECLINED_CARD = {"number": "4000 0000 0000 0002", "expiry": "12/39", "cvc": "123"}


def add(client: FlaskClient, variant_id: int, quantity: int | str = 1, **extra: Any):
    return post_form(client, "/cart/add", {"variant_id": variant_id, "quantity": quantity, **extra})


def place(client: FlaskClient, **fields: Any):
    return post_form(client, "/checkout", {**NEW_ADDRESS, **fields})


def pay(client: FlaskClient, payment_id: int, card: dict[str, str] | None = None):
    return post_form(client, f"/pay/{payment_id}", card or GOOD_CARD)


def payment_id_of(response: Any) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]
    assert "/pay/" in location, location
    return int(location.rsplit("/", 1)[1])


def cart_lines(user_id: int | None = None) -> dict[int, int]:
    """variant id → quantity of the user's cart (or of every guest cart)."""
    db.session.expire_all()
    query = select(CartLine.variant_id, CartLine.quantity).join(Cart)
    query = query.where(Cart.user_id == user_id if user_id else Cart.user_id.is_(None))
    return dict(db.session.execute(query).all())


def stock(variant_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Variant.stock).where(Variant.id == variant_id))


def count(model: Any) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def orders_of(payment_id: int) -> list[Order]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(Order).where(Order.payment_id == payment_id).order_by(Order.id))
    )


def payment(payment_id: int) -> Payment:
    db.session.expire_all()
    return db.session.get(Payment, payment_id)


def ledger_entries(kind: str = "order_paid") -> list[LedgerEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(LedgerEntry).where(LedgerEntry.kind == kind).order_by(LedgerEntry.id)
        )
    )
