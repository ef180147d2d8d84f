"""Helpers for the order lifecycle tests: orders with real stock reservations and ledger
postings, written without the checkout (which another part of the shop owns).

``place`` mirrors ``shop.orders.checkout.place_orders`` for what the lifecycle needs (an
order waiting for payment with its stock reserved); ``pay`` mirrors
``shop.orders.checkout.mark_payment_succeeded``: a succeeded ``Payment``, the order moved to
paid, ``paid_at``, a "paid" timeline step, ``Product.sold_count``, one ``order_paid`` ledger
entry (debit platform cash, credit the store owner's receivable, ``Cause("order", id)``) and
the ``order_paid`` signal.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import select, update

from core.accounts.models import Role, User
from core.extensions import db
from core.ledger.models import AccountKind, LedgerEntry
from core.ledger.services import (
    Cause,
    account_for,
    account_key,
    balance,
    credit,
    debit,
    post_entry,
)
from core.types import utcnow
from shop import signals
from shop.catalog.models import Product, Store, Variant
from shop.orders import states
from shop.orders.models import Order, OrderEvent, OrderStatus, Payment, PaymentStatus
from tests.conftest import Auth
from tests.factories import make_user
from tests.shop.factories import make_order, make_product, make_store


def place(buyer: User, variants: list[tuple[Variant, int]], **kwargs: Any) -> Order:
    """An order waiting for payment, its stock reserved as checkout would."""
    kwargs.setdefault("pay_by", utcnow() + timedelta(minutes=30))
    order = make_order(buyer, variants, status=OrderStatus.PENDING_PAYMENT, **kwargs)
    for variant, quantity in variants:
        db.session.execute(
            update(Variant)
            .where(Variant.id == variant.id)
            .values(stock=Variant.stock - quantity)
            .execution_options(synchronize_session=False)
        )
    db.session.add(OrderEvent(order_id=order.id, kind="placed", note="Order placed"))
    db.session.commit()
    db.session.expire_all()
    return order


def pay(order: Order, *, provider: str = "test", at: datetime | None = None) -> Order:
    """Pay ``order`` as ``checkout.mark_payment_succeeded`` does, ledger entry included."""
    now = at or utcnow()
    payment = Payment(
        buyer_id=order.buyer_id,
        provider=provider,
        provider_ref=f"{provider}_pay_{order.id}",
        amount=order.total,
        currency=order.currency,
        status=PaymentStatus.SUCCEEDED.value,
        succeeded_at=now,
    )
    db.session.add(payment)
    db.session.flush()
    order.payment_id = payment.id
    states.move(order, OrderStatus.PAID)
    order.paid_at = now
    db.session.add(OrderEvent(order_id=order.id, kind="paid", note="Paid", created_at=now))
    for line in order.lines:
        db.session.execute(
            update(Product)
            .where(Product.id == line.product_id)
            .values(sold_count=Product.sold_count + line.quantity)
            .execution_options(synchronize_session=False)
        )
    store = db.session.get(Store, order.store_id)
    cash = account_for(AccountKind.PLATFORM_CASH, currency=order.currency)
    receivable = account_for(
        AccountKind.SELLER_RECEIVABLE, currency=order.currency, owner_id=store.owner_id
    )
    post_entry(
        "order_paid",
        Cause("order", order.id),
        [debit(cash, order.total), credit(receivable, order.total)],
        memo=f"Order #{order.id} paid",
    )
    db.session.flush()
    signals.order_paid.send(order)
    db.session.commit()
    return order


class Shop:
    """A seller with a store and a two-variant product, and a buyer."""

    def __init__(self, *, price: int = 1999, stock: int = 10, email: str | None = None) -> None:
        extra = {"email": email} if email else {}
        self.seller = make_user(Role.SELLER, **extra)
        self.store = make_store(self.seller)
        self.product = make_product(self.store, variants=2, price=price, stock=stock)
        self.buyer = make_user(Role.BUYER)
        db.session.commit()

    @property
    def variants(self) -> list[Variant]:
        return self.product.variants

    def place(self, quantities: tuple[int, ...] = (2, 1), **kwargs: Any) -> Order:
        picks = [(v, q) for v, q in zip(self.variants, quantities, strict=False) if q]
        return place(kwargs.pop("buyer", self.buyer), picks, **kwargs)

    def paid(self, quantities: tuple[int, ...] = (2, 1), **kwargs: Any) -> Order:
        at = kwargs.pop("at", None)
        provider = kwargs.pop("provider", "test")
        return pay(self.place(quantities, **kwargs), provider=provider, at=at)

    def receivable(self) -> int:
        return balance(
            account_for(AccountKind.SELLER_RECEIVABLE, currency="USD", owner_id=self.seller.id)
        )


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
