"""What happens to an order after it is placed: ship, deliver, complete, cancel.

Every function here changes ``Order.status`` through ``states.ORDER.move`` (an illegal move
raises ``IllegalTransition``), adds a step to the order's timeline (``OrderEvent``) and, for a
seller's action, an audit event. They flush; the request or the job commits. A line's refund
(asked, approved, declined) is ``shop.orders.refunds.requests``; it uses the helpers here.

Money protocol of a refund (a cancelled paid order, or an approved line refund):

1. lock: the order row (and the refund request's) ``FOR UPDATE``, so two clicks or a click and
   a job never act twice;
2. key: the ``RefundRequest`` row; its id is the ledger cause and the provider's idempotency key;
3. record: one ledger entry, ``debit`` the store owner's receivable and ``credit`` platform cash
   by the amount (the reverse of ``order_paid``), so the postings sum to zero;
4. announce: ``order_line_refunded`` per line (subscribers reverse commissions in this same
   transaction);
5. through the outbox, after commit only: ``shop.orders.refunds.provider`` follows the money
   back to the buyer's card (``requested → sent → succeeded | failed``).

Cancelling an order (by the buyer, the seller, or ``release_unpaid`` when it is not paid in
time; always before it ships) also gives back the voucher use and the flash deal units it
held (``shop.promotions.pricing.redemptions.release_for_order``), paid or not: a paid order is
refunded in full, so the buyer got nothing for them. A line refunded after delivery returns
that line's amount paid (after its product discount and voucher share), never more; the
voucher use and deal units stay taken.

A complimentary order (a free sample, total 0: ``checkout.complimentary``) ships, is
delivered and completes like any other; cancelling it gives the stock back and refunds nothing
(there was no payment), and its buyer cannot ask for a refund.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select, update

from core.audit import services as audit
from core.extensions import db
from core.ledger.models import AccountKind, EntryKind
from core.ledger.services import Cause, account_for, credit, debit, post_entry
from core.money import format_money
from core.types import utcnow
from shop import signals
from shop.catalog.models import Variant
from shop.orders import mail as order_mail
from shop.orders.exceptions import InvalidOrderInput
from shop.orders.models import LineStatus, Order, OrderEvent, OrderLine, OrderStatus
from shop.orders.refunds import provider as refund_provider
from shop.orders.refunds.models import RefundRequest, RefundStatus
from shop.orders.states import ORDER, ORDER_LINE
from shop.payments.jobs import cancel_when_released
from shop.promotions.pricing.redemptions import release_for_order

S = OrderStatus
L = LineStatus

DEFAULT_RETURN_WINDOW_DAYS = 7
DEFAULT_AUTO_DELIVER_DAYS = 14
CARRIER_MAX = 60
TRACKING_MAX = 80
REASON_MAX = 500
BATCH_SIZE = 500


def actor_id_of(actor: Any) -> int | None:
    """Actors are users (anything with an ``id``), or ``None`` for the system (a job)."""
    return None if actor is None else actor.id


def clean_text(value: str | None, label: str, max_length: int) -> str:
    """Trim ``value``; refuse it empty, too long or holding control characters."""
    text = (value or "").strip()
    if not text:
        raise InvalidOrderInput(f"Enter the {label}.")
    if len(text) > max_length:
        raise InvalidOrderInput(f"The {label} is too long: at most {max_length} characters.")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text):
        raise InvalidOrderInput(f"The {label} holds characters that cannot be printed.")
    return text


def lock_order(order: Order) -> None:
    """Reload the order under a row lock (PostgreSQL); SQLite already serializes writers."""
    db.session.refresh(order, with_for_update={"of": Order})


def add_event(order: Order, kind: str, note: str, actor_id: int | None, now: datetime) -> None:
    db.session.add(
        OrderEvent(order_id=order.id, kind=kind, note=note[:500], actor_id=actor_id, created_at=now)
    )


# --- shipping and delivery -------------------------------------------------------------------


def ship(order: Order, carrier: str, tracking_number: str, actor: Any) -> Order:
    """Mark a paid order shipped with the carrier and tracking number the buyer will see."""
    carrier = clean_text(carrier, "carrier", CARRIER_MAX)
    tracking = clean_text(tracking_number, "tracking number", TRACKING_MAX)
    now = utcnow()
    lock_order(order)
    previous = ORDER.move(order, S.SHIPPED)
    order.carrier = carrier
    order.tracking_number = tracking
    order.shipped_at = now
    add_event(
        order, "shipped", f"Shipped with {carrier}, tracking number {tracking}", actor.id, now
    )
    audit.record(
        actor_id=actor.id,
        action="order.ship",
        subject_type="order",
        subject_id=order.id,
        from_state=previous.value,
        to_state=order.status,
        reason=f"{carrier} {tracking}",
    )
    db.session.flush()
    order_mail.order_shipped(order)
    signals.order_shipped.send(order)
    return order


def mark_delivered(order: Order, actor: Any, *, now: datetime | None = None) -> Order:
    """The buyer says the parcel arrived: the return window starts now."""
    now = now or utcnow()
    lock_order(order)
    ORDER.move(order, S.DELIVERED)
    order.delivered_at = now
    add_event(order, "delivered", "Marked delivered by the buyer", actor_id_of(actor), now)
    db.session.flush()
    signals.order_delivered.send(order)
    return order


def _due(query: Any, limit: int) -> Sequence[Order]:
    """Rows a job may act on, locked; rows another worker holds are left for its next run."""
    return db.session.scalars(
        query.order_by(Order.id).limit(limit).with_for_update(of=Order, skip_locked=True)
    ).all()


def auto_deliver(now: datetime, after_days: int, *, limit: int = BATCH_SIZE) -> int:
    """Mark delivered the orders shipped more than ``after_days`` days ago; return how many."""
    cutoff = now - timedelta(days=after_days)
    orders = _due(
        select(Order).where(Order.status == S.SHIPPED.value, Order.shipped_at < cutoff), limit
    )
    for order in orders:
        ORDER.move(order, S.DELIVERED)
        order.delivered_at = now
        note = f"Delivered automatically {after_days} days after shipping"
        add_event(order, "delivered", note, None, now)
    db.session.flush()
    for order in orders:
        signals.order_delivered.send(order)
    return len(orders)


def complete_due_orders(now: datetime, return_window_days: int, *, limit: int = BATCH_SIZE) -> int:
    """Complete delivered orders whose return window passed with no open refund request."""
    cutoff = now - timedelta(days=return_window_days)
    open_request = exists().where(
        RefundRequest.order_id == Order.id,
        RefundRequest.status == RefundStatus.REQUESTED.value,
    )
    orders = _due(
        select(Order).where(
            Order.status == S.DELIVERED.value, Order.delivered_at < cutoff, ~open_request
        ),
        limit,
    )
    for order in orders:
        ORDER.move(order, S.COMPLETED)
        order.completed_at = now
        add_event(order, "completed", "The return window closed; the order is complete", None, now)
        signals.order_completed.send(order)
    db.session.flush()
    return len(orders)


# --- cancelling ------------------------------------------------------------------------------


def _release_stock(lines: Iterable[OrderLine]) -> None:
    """Give reserved stock back, one atomic UPDATE per variant, in primary-key order."""
    quantities: dict[int, int] = defaultdict(int)
    for line in lines:
        quantities[line.variant_id] += line.quantity
    for variant_id in sorted(quantities):
        db.session.execute(
            update(Variant)
            .where(Variant.id == variant_id)
            .values(stock=Variant.stock + quantities[variant_id])
            .execution_options(synchronize_session=False)
        )
        if (variant := db.session.get(Variant, variant_id)) is not None:
            db.session.expire(variant, ["stock"])


def post_refund(kind: str, refund: RefundRequest, order: Order, actor_id: int | None) -> None:
    """The reverse of ``order_paid``: the store is owed less, the platform holds less cash."""
    receivable = account_for(
        AccountKind.SELLER_RECEIVABLE, currency=order.currency, owner_id=order.store.owner_id
    )
    cash = account_for(AccountKind.PLATFORM_CASH, currency=order.currency)
    post_entry(
        kind,
        Cause("refund", refund.id),
        [debit(receivable, refund.amount), credit(cash, refund.amount)],
        memo=f"Refund of order #{order.id}",
        actor_id=actor_id,
    )


def _cancel(order: Order, actor_id: int | None, reason: str, now: datetime) -> RefundRequest | None:
    """Cancel a locked order; refund it in full when it was paid. Return the refund, if any."""
    previous = ORDER.move(order, S.CANCELLED)
    order.cancelled_at = now
    _release_stock(order.lines)
    release_for_order(order.id, now)
    for line in order.lines:
        ORDER_LINE.move(line, L.CANCELLED)
    add_event(order, "cancelled", reason, actor_id, now)
    refund = None
    amount = order.total - order.refunded_amount
    if previous is S.PAID and amount > 0:
        refund = RefundRequest(
            order_id=order.id,
            order_line_id=None,
            amount=amount,
            reason=reason[:REASON_MAX],
            status=RefundStatus.REFUNDED.value,
            decision_note="Cancelled before shipping: the whole payment is refunded.",
            requested_by_id=actor_id,
            decided_by_id=actor_id,
            created_at=now,
            decided_at=now,
        )
        db.session.add(refund)
        db.session.flush()
        post_refund(EntryKind.ORDER_REFUND, refund, order, actor_id)
        order.refunded_amount = order.total
        note = f"{format_money(amount, order.currency)} refunded to the buyer's payment method"
        add_event(order, "refunded", note, actor_id, now)
        for line in order.lines:
            signals.order_line_refunded.send(order, line=line, amount=line.amount)
        refund_provider.start(refund)  # sent to the provider after the commit
    if previous is S.PENDING_PAYMENT:
        cancel_when_released(order.payment_id)  # the provider cancels it after the commit
    signals.order_cancelled.send(order)
    return refund


def cancel(
    order: Order, actor: Any, reason: str, *, now: datetime | None = None
) -> RefundRequest | None:
    """Cancel an order before it ships: stock goes back, a paid order is refunded in full."""
    reason = clean_text(reason, "reason", REASON_MAX)
    now = now or utcnow()
    lock_order(order)
    previous = order.status
    refund = _cancel(order, actor_id_of(actor), reason, now)
    audit.record(
        actor_id=actor_id_of(actor),
        action="order.cancel",
        subject_type="order",
        subject_id=order.id,
        from_state=previous,
        to_state=order.status,
        reason=reason,
    )
    db.session.flush()
    return refund


def release_unpaid(now: datetime, *, limit: int = BATCH_SIZE) -> int:
    """Cancel orders not paid by their ``pay_by`` time, releasing their stock; return how many."""
    orders = _due(
        select(Order).where(
            Order.status == S.PENDING_PAYMENT.value,
            Order.pay_by.is_not(None),
            Order.pay_by < now,
        ),
        limit,
    )
    for order in orders:
        _cancel(order, None, "Not paid in time: the reserved stock was released", now)
    db.session.flush()
    return len(orders)


def return_window_ends(order: Order, window_days: int) -> datetime | None:
    if order.delivered_at is None:
        return None
    return order.delivered_at + timedelta(days=window_days)
