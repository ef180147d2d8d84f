"""Paying with the built-in test card: success, decline, retry, and the postings of a paid order."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.extensions import db
from core.ledger.models import AccountKind
from core.ledger.services import balance, owner_balances, platform_balances
from shop import signals
from shop.catalog.models import Product
from shop.orders.models import Order, OrderEvent
from shop.payments.models import Payment
from shop.payments.services import mark_payment_failed, mark_payment_succeeded
from tests.conftest import Auth
from tests.shop.conftest import Shop
from tests.shop.orders.helpers import (
    DECLINED_CARD,
    GOOD_CARD,
    add,
    ledger_entries,
    orders_of,
    pay,
    payment,
    payment_id_of,
    place,
    stock,
)


@pytest.fixture
def placed(client: FlaskClient, shop: Shop) -> int:
    """Bea has placed two orders (Ada's mugs and Bo's lamp); returns the payment's id."""
    Auth(client).login(shop.buyer_email)
    add(client, shop.mug, 2)
    add(client, shop.lamp, 1)
    return payment_id_of(place(client))


@pytest.fixture
def paid_signals() -> Iterator[list[int]]:
    received: list[int] = []

    def receiver(order: Order, **extra: object) -> None:
        received.append(order.id)

    signals.order_paid.connect(receiver)
    yield received
    signals.order_paid.disconnect(receiver)


def test_pay_page_is_labelled_as_a_test_card(client: FlaskClient, placed: int) -> None:
    page = client.get(f"/pay/{placed}").get_data(as_text=True)
    assert "Test card — no real money moves" in page
    assert "Pay $73.99" in page


def test_the_good_test_card_pays_every_order(
    client: FlaskClient, shop: Shop, placed: int, paid_signals: list[int]
) -> None:
    response = pay(client, placed)

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/orders")
    assert payment(placed).status == "succeeded"
    assert payment(placed).succeeded_at is not None
    orders = orders_of(placed)
    assert [o.status for o in orders] == ["paid", "paid"]
    assert all(o.paid_at is not None for o in orders)
    assert paid_signals == [o.id for o in orders]
    kinds = db.session.scalars(select(OrderEvent.kind).order_by(OrderEvent.id)).all()
    assert kinds == ["placed", "placed", "paid", "paid"]
    assert db.session.get(Product, shop.mug_product).sold_count == 2
    assert db.session.get(Product, shop.lamp_product).sold_count == 1
    assert stock(shop.mug) == 3  # reserved at placement, not taken twice


def test_a_paid_order_posts_cash_and_the_sellers_receivable(
    client: FlaskClient, shop: Shop, placed: int
) -> None:
    pay(client, placed)
    mugs, lamp = orders_of(placed)

    entries = ledger_entries()
    assert [(e.cause_type, e.cause_id) for e in entries] == [
        ("order", str(mugs.id)),
        ("order", str(lamp.id)),
    ]
    first = {(p.account.key, p.amount) for p in entries[0].postings}
    assert first == {
        ("platform_cash:USD", 2400),
        (f"seller_receivable:{shop.seller_a_id}:USD", -2400),
    }
    assert platform_balances("USD")[AccountKind.PLATFORM_CASH] == 2400 + 4999
    assert owner_balances(shop.seller_a_id, "USD")[AccountKind.SELLER_RECEIVABLE] == 2400
    assert owner_balances(shop.seller_b_id, "USD")[AccountKind.SELLER_RECEIVABLE] == 4999


def test_a_declined_card_leaves_the_orders_waiting(
    client: FlaskClient, shop: Shop, placed: int, paid_signals: list[int]
) -> None:
    response = pay(client, placed, DECLINED_CARD)

    assert response.status_code == 402
    assert "Your card was declined." in response.get_data(as_text=True)
    assert payment(placed).status == "failed"
    assert payment(placed).failure_reason == "Your card was declined."
    assert [o.status for o in orders_of(placed)] == ["pending_payment", "pending_payment"]
    assert stock(shop.mug) == 3  # still reserved until the release job
    assert ledger_entries() == []
    assert paid_signals == []

    response = pay(client, placed, GOOD_CARD)  # another card on the same page

    assert response.status_code == 303
    assert payment(placed).status == "succeeded"
    assert payment(placed).failure_reason is None
    assert len(ledger_entries()) == 2


def test_an_unknown_card_number_asks_for_a_test_card(client: FlaskClient, placed: int) -> None:
    response = pay(client, placed, {**GOOD_CARD, "number": "5555 5555 5555 4444"})
    assert response.status_code == 400
    assert "Use a test card" in response.get_data(as_text=True)
    assert payment(placed).status == "pending"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("number", "4242", "Enter the card number"),
        ("number", "", "Enter the card number."),
        ("expiry", "13/40", "Enter the expiry as MM/YY."),
        ("expiry", "01/20", "This card has expired."),
        ("expiry", "soon", "Enter the expiry as MM/YY."),
        ("cvc", "12", "The CVC is the 3 or 4 digits"),
    ],
)
def test_card_fields_are_checked(
    client: FlaskClient, placed: int, field: str, value: str, message: str
) -> None:
    response = pay(client, placed, {**GOOD_CARD, field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert payment(placed).status == "pending"


def test_paying_twice_is_a_no_op(client: FlaskClient, placed: int) -> None:
    pay(client, placed)
    response = pay(client, placed)
    assert response.status_code == 303
    assert len(ledger_entries()) == 2
    assert mark_payment_succeeded(placed) == []
    db.session.commit()
    assert len(ledger_entries()) == 2


def test_a_failure_reported_after_success_changes_nothing(client: FlaskClient, placed: int) -> None:
    pay(client, placed)
    mark_payment_failed(placed, None, "late decline")
    db.session.commit()
    assert payment(placed).status == "succeeded"
    assert [o.status for o in orders_of(placed)] == ["paid", "paid"]


def test_an_expired_checkout_cannot_be_paid(client: FlaskClient, placed: int) -> None:
    from datetime import timedelta

    from core.types import utcnow

    for order in orders_of(placed):
        order.pay_by = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get(f"/pay/{placed}").get_data(as_text=True)
    assert "The time to pay for this checkout has run out" in page
    response = pay(client, placed)
    assert response.status_code == 409
    assert payment(placed).status == "pending"
    assert ledger_entries() == []


def test_a_cancelled_order_is_not_paid_by_a_late_success(client: FlaskClient, placed: int) -> None:
    mugs, lamp = orders_of(placed)
    mugs.status = "cancelled"
    db.session.commit()
    paid = mark_payment_succeeded(placed)
    db.session.commit()
    assert [o.id for o in paid] == [lamp.id]
    assert [o.status for o in orders_of(placed)] == ["cancelled", "paid"]
    assert len(ledger_entries()) == 1


def test_someone_elses_pay_page_is_404(app: Flask, shop: Shop, placed: int) -> None:
    intruder = app.test_client()
    Auth(intruder).login(shop.other_email)
    assert intruder.get(f"/pay/{placed}").status_code == 404
    from tests.conftest import post_form

    assert post_form(intruder, f"/pay/{placed}", GOOD_CARD).status_code == 404
    assert payment(placed).status == "pending"


def test_the_ledger_balances_after_the_paid_flow(client: FlaskClient, placed: int) -> None:
    from core.ledger.checks import check_ledger

    pay(client, placed)
    report = check_ledger()
    assert report.ok, report.problems
    cash = ledger_entries()[0].postings[0].account
    assert balance(cash) == 2400 + 4999


def test_every_payment_amount_is_the_sum_of_its_orders(client: FlaskClient, placed: int) -> None:
    total = sum(o.total for o in orders_of(placed))
    assert db.session.get(Payment, placed).amount == total
