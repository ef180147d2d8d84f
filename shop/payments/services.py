"""Paying for the orders of a checkout: open the payment with the provider, charge a card on
our page (the test provider), and record what the provider says.

Paying (``mark_payment_succeeded``), in one transaction: lock the payment row; a payment that
already succeeded is left alone (so duplicate or late webhooks change nothing twice); move
each order ``pending_payment → paid``, count the sale, and post one ``order_paid`` ledger
entry per order (platform cash +total, the store owner's receivable +total; commission is
posted by the affiliate side as entries of its own); then announce ``order_paid``. Discounts
are seller-funded: ``total`` is already after them, so the store is owed what the buyer paid
and nothing else moves. A payment's status moves through ``states.PAYMENT``; an order's through
``shop.orders.states.ORDER``.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from sqlalchemy import select, update

from core.extensions import db
from core.ledger.models import AccountKind, EntryKind
from core.ledger.services import Cause, account_for, credit, debit, post_entry
from core.money import format_money
from core.types import utcnow
from shop import signals
from shop.catalog.models import Product
from shop.orders import mail as order_mail
from shop.orders.exceptions import PaymentClosed, PaymentMismatch
from shop.orders.models import Order, OrderEvent, OrderStatus
from shop.orders.states import ORDER
from shop.payments.base import (
    CardDetails,
    PaymentProvider,
    PaymentRequest,
    ProviderPayment,
    ProviderStatus,
)
from shop.payments.models import Payment, PaymentStatus
from shop.payments.states import PAYMENT

log = logging.getLogger(__name__)

ORDER_PAID_ENTRY = EntryKind.ORDER_PAID


def idempotency_key(payment: Payment) -> str:
    return f"payment-{payment.id}"


def _lock_payment(payment_id: int) -> Payment:
    payment = db.session.scalar(
        select(Payment)
        .where(Payment.id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if payment is None:
        raise PaymentMismatch(f"there is no payment {payment_id}")
    return payment


def _orders_of(payment: Payment, *, lock: bool = False) -> list[Order]:
    query = select(Order).where(Order.payment_id == payment.id).order_by(Order.id)
    if lock:
        query = query.with_for_update(of=Order).execution_options(populate_existing=True)
    return list(db.session.scalars(query).unique())


def ensure_payable(payment: Payment) -> None:
    """Raise ``PaymentClosed`` unless every order of the payment still waits for it, in time."""
    if payment.status == PaymentStatus.SUCCEEDED.value:
        raise PaymentClosed("This checkout is already paid.")
    now = utcnow()
    for order in _orders_of(payment):
        if order.status != OrderStatus.PENDING_PAYMENT.value:
            raise PaymentClosed()
        if order.pay_by is not None and order.pay_by < now:
            raise PaymentClosed(
                "The time to pay for this checkout has run out; its items are back on sale. "
                "Add them to your cart again to buy them."
            )


def open_provider_payment(payment: Payment, provider: PaymentProvider) -> ProviderPayment:
    """Create (or find again: the key is the payment's id) the provider's side of a payment.

    Call it after the transaction that placed the orders has committed: a provider call must
    not hold database locks, and a retry returns the same provider payment.
    """
    result = provider.create_payment(
        PaymentRequest(
            payment_id=payment.id,
            amount=payment.amount,
            currency=payment.currency,
            idempotency_key=idempotency_key(payment),
            description=f"Yellowcart checkout #{payment.id}",
        )
    )
    if payment.provider_ref is None:
        payment.provider_ref = result.ref
    elif payment.provider_ref != result.ref:
        raise PaymentMismatch(f"payment {payment.id} is {payment.provider_ref}, not {result.ref}")
    db.session.flush()
    return result


def pay_with_card(payment_id: int, provider: PaymentProvider, card: CardDetails) -> Payment:
    """Charge a card on our page (test provider): key, lock, call the provider, record.

    Raises ``PaymentClosed`` if the orders no longer wait, the provider's ``InvalidTestCard``
    for an unknown card; a decline is recorded on the payment (orders stay unpaid, stock stays
    reserved, the buyer may try another card).
    """
    payment = _lock_payment(payment_id)
    ensure_payable(payment)
    if payment.provider_ref is None:
        open_provider_payment(payment, provider)
    assert payment.provider_ref is not None
    result = provider.confirm(payment.provider_ref, card)
    if result.status is ProviderStatus.SUCCEEDED:
        mark_payment_succeeded(payment.id, result.ref, card_fingerprint=result.card_fingerprint)
    elif result.status is ProviderStatus.FAILED:
        mark_payment_failed(payment.id, result.ref, result.failure_reason or "Payment failed.")
    return payment


def _check_reference(payment: Payment, provider_ref: str | None) -> None:
    if provider_ref and payment.provider_ref and payment.provider_ref != provider_ref:
        raise PaymentMismatch(f"payment {payment.id} is {payment.provider_ref}, not {provider_ref}")


def mark_payment_succeeded(
    payment_id: int,
    provider_ref: str | None = None,
    *,
    amount: int | None = None,
    currency: str | None = None,
    card_fingerprint: str | None = None,
) -> list[Order]:
    """Record a successful payment and pay its orders; return the orders it paid.

    A payment that already succeeded is a no-op (returns ``[]``). ``amount``/``currency``,
    when the provider reports them, must match the payment (``PaymentMismatch`` otherwise).
    Orders that stopped waiting (cancelled after their time ran out) are left as they are
    and logged: the money for them needs a refund by staff. ``card_fingerprint`` (the
    provider's, where it gives one) is recorded before ``order_paid`` is announced, so the
    receivers (the fraud rules) can read it.
    """
    payment = _lock_payment(payment_id)
    if payment.status == PaymentStatus.SUCCEEDED.value:
        return []
    _check_reference(payment, provider_ref)
    if amount is not None and amount != payment.amount:
        raise PaymentMismatch(f"payment {payment.id} is {payment.amount}, not {amount}")
    if currency is not None and currency.upper() != payment.currency:
        raise PaymentMismatch(f"payment {payment.id} is in {payment.currency}, not {currency}")
    now = utcnow()
    payment.provider_ref = payment.provider_ref or provider_ref
    PAYMENT.move(payment, PaymentStatus.SUCCEEDED)
    payment.succeeded_at = now
    payment.failure_reason = None
    if card_fingerprint:
        payment.card_fingerprint = card_fingerprint[:64]
    paid: list[Order] = []
    sold: dict[int, int] = defaultdict(int)
    for order in _orders_of(payment, lock=True):
        if order.status != OrderStatus.PENDING_PAYMENT.value:
            log.error(
                "payment %s succeeded but order %s is %s: it needs a refund",
                payment.id,
                order.id,
                order.status,
            )
            continue
        ORDER.move(order, OrderStatus.PAID)
        order.paid_at = now
        db.session.add(
            OrderEvent(
                order_id=order.id,
                kind="paid",
                note=f"Paid {format_money(order.total, order.currency)}",
            )
        )
        for line in order.lines:
            sold[line.product_id] += line.quantity
        _post_order_paid(order)
        paid.append(order)
    for product_id in sorted(sold):
        db.session.execute(
            update(Product)
            .where(Product.id == product_id)
            .values(sold_count=Product.sold_count + sold[product_id])
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    for order in paid:
        signals.order_paid.send(order)
        order_mail.order_paid(order)
    return paid


def _post_order_paid(order: Order) -> None:
    """Buyer's money into platform cash; the whole of it owed to the store (for now)."""
    if order.total <= 0:
        return
    cash = account_for(AccountKind.PLATFORM_CASH, currency=order.currency)
    receivable = account_for(
        AccountKind.SELLER_RECEIVABLE, currency=order.currency, owner_id=order.store.owner_id
    )
    post_entry(
        ORDER_PAID_ENTRY,
        Cause("order", order.id),
        [debit(cash, order.total), credit(receivable, order.total)],
        memo=f"Order #{order.id} paid",
    )


def mark_payment_failed(payment_id: int, provider_ref: str | None, reason: str) -> Payment:
    """Record a failed attempt; a payment that already succeeded stays succeeded."""
    payment = _lock_payment(payment_id)
    if payment.status == PaymentStatus.SUCCEEDED.value:
        return payment
    _check_reference(payment, provider_ref)
    payment.provider_ref = payment.provider_ref or provider_ref
    PAYMENT.move(payment, PaymentStatus.FAILED)
    payment.failure_reason = (reason or "Payment failed.")[:255]
    db.session.flush()
    return payment


# ---------------------------------------------------------------------------- the buyer's reads


def get_buyer_payment(buyer_id: int, payment_id: int) -> Payment | None:
    if not 0 < payment_id < 2**63:
        return None
    payment = db.session.get(Payment, payment_id)
    return payment if payment is not None and payment.buyer_id == buyer_id else None


def orders_of_payment(payment: Payment) -> list[Order]:
    return _orders_of(payment)
