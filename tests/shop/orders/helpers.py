"""Helpers of the order tests: drive the cart, checkout and pay pages through the HTTP client,
read the ledger and the stock, record what a signal sent, and sign a client in."""

from __future__ import annotations

from typing import Any

from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.extensions import db
from core.ledger.models import AccountKind, LedgerEntry
from core.ledger.services import account_for, account_key, balance
from shop.catalog.models import Variant
from shop.orders.models import Cart, CartLine, Order
from shop.payments.models import Payment
from tests.conftest import Auth, post_form

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


# --- the ledger, signals and signed-in clients -----------------------------------------------


def platform_cash() -> int:
    return balance(account_for(AccountKind.PLATFORM_CASH, currency="USD"))


def entries() -> list[tuple[str, str, str, dict[str, int]]]:
    """Every ledger entry as (kind, cause type, cause id, {account key: signed amount})."""
    rows = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()
    return [
        (e.kind, e.cause_type, e.cause_id, {p.account.key: p.amount for p in e.postings})
        for e in rows
    ]


def receivable_key(owner_id: int) -> str:
    return account_key(AccountKind.SELLER_RECEIVABLE, owner_id, "USD")


CASH = account_key(AccountKind.PLATFORM_CASH, None, "USD")


class Received:
    """Connect to a signal for the length of a test and remember what it sent.

    Each call is kept as ``(sender id, {name: id of the object, or the value})``, read at
    once: a job's session (and the objects it sent) is gone by the time the test looks.
    """

    def __init__(self, signal: Any) -> None:
        self.signal = signal
        self.calls: list[tuple[int, dict[str, Any]]] = []

    def __call__(self, sender: Any, **kwargs: Any) -> None:
        values = {name: getattr(value, "id", value) for name, value in kwargs.items()}
        self.calls.append((sender.id, values))

    @property
    def senders(self) -> list[int]:
        return [sender for sender, _ in self.calls]

    def __enter__(self) -> Received:
        self.signal.connect(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.signal.disconnect(self)


def commit_before_requests(client: FlaskClient) -> FlaskClient:
    """End the test's own transaction before each request of ``client``.

    On SQLite every transaction begins ``IMMEDIATE`` (it takes the write lock), so a test that
    read a row and then sends a request would wait on itself.
    """
    send = client.open

    def open_after_commit(*args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            db.session.commit()
        return send(*args, **kwargs)

    client.open = open_after_commit  # type: ignore[method-assign]
    return client


def signed_in(app: Flask, email: str) -> FlaskClient:
    """A client signed in as ``email`` (password of the factories)."""
    client = commit_before_requests(app.test_client())
    assert Auth(client).login(email).status_code == 302
    return client
