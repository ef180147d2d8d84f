"""A line's refund after delivery: the buyer asks, the seller approves or declines.

Asking is allowed within the return window (``SHOP_RETURN_WINDOW_DAYS`` after delivery), once
per line at a time: the line moves ``open → refund_requested``. Approving follows the money
protocol of ``shop.orders.lifecycle`` (lock, key, record, announce, then the provider through
the outbox): the request becomes ``refunded``, the line too, and the order ``refunded`` once
every line is. Declining gives the reason to the buyer and opens the line again. Each request
is decided once (``states.REFUND_REQUEST``). A line refunded after delivery returns that line's
amount paid, never more; the voucher use and deal units stay taken.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from core.audit import services as audit
from core.extensions import db
from core.ledger.models import EntryKind
from core.money import format_money
from core.types import utcnow
from shop import signals
from shop.orders import mail as order_mail
from shop.orders.exceptions import (
    OrderActionRefused,
    RefundAlreadyDecided,
    RefundAlreadyRequested,
    RefundWindowClosed,
)
from shop.orders.lifecycle import (
    DEFAULT_RETURN_WINDOW_DAYS,
    REASON_MAX,
    actor_id_of,
    add_event,
    clean_text,
    lock_order,
    post_refund,
    return_window_ends,
)
from shop.orders.models import LineStatus, Order, OrderLine, OrderStatus
from shop.orders.refunds import provider as refund_provider
from shop.orders.refunds.models import RefundRequest, RefundStatus
from shop.orders.states import ORDER, ORDER_LINE, REFUND_REQUEST

S = OrderStatus
L = LineStatus


def request_refund(
    order: Order,
    line: OrderLine,
    reason: str,
    actor: Any,
    *,
    window_days: int = DEFAULT_RETURN_WINDOW_DAYS,
    now: datetime | None = None,
) -> RefundRequest:
    """The buyer asks for a line's money back, within the return window after delivery."""
    if line.order_id != order.id:
        raise ValueError("the line is not a line of this order")
    if order.complimentary:
        raise OrderActionRefused(
            f"Order #{order.id} was a free sample: nothing was paid, so there is nothing to refund."
        )
    reason = clean_text(reason, "reason", REASON_MAX)
    now = now or utcnow()
    lock_order(order)
    if order.status in (S.PENDING_PAYMENT.value, S.PAID.value, S.SHIPPED.value):
        raise RefundWindowClosed(
            "A refund can be requested once the order is delivered. Mark it delivered first."
        )
    ends = return_window_ends(order, window_days)
    if order.status != S.DELIVERED.value or ends is None:
        raise OrderActionRefused(f"Order #{order.id} is {order.order_status.label.lower()}.")
    if now > ends:
        raise RefundWindowClosed(f"The return window closed on {ends:%d %b %Y, %H:%M} UTC.")
    db.session.refresh(line)
    if not line.is_open:
        raise RefundAlreadyRequested(_line_state_message(line))
    amount = min(line.amount, order.total - order.refunded_amount)
    if amount <= 0:
        raise OrderActionRefused("Nothing is left to refund on this line.")
    refund = RefundRequest(
        order_id=order.id,
        order_line_id=line.id,
        amount=amount,
        reason=reason,
        status=RefundStatus.REQUESTED.value,
        requested_by_id=actor_id_of(actor),
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(refund)
    except IntegrityError:
        raise RefundAlreadyRequested(_line_state_message(line)) from None
    ORDER_LINE.move(line, L.REFUND_REQUESTED)
    note = f"Refund requested for {line.item_label}: {reason}"
    add_event(order, "refund_requested", note, actor_id_of(actor), now)
    db.session.flush()
    order_mail.refund_requested(refund)
    return refund


def _line_state_message(line: OrderLine) -> str:
    return {
        L.REFUND_REQUESTED.value: "A refund for this item was already requested.",
        L.REFUNDED.value: "This item was already refunded.",
        L.CANCELLED.value: "This item was cancelled.",
    }.get(line.status, "A refund for this item was already requested.")


def _lock_request(refund: RefundRequest) -> None:
    db.session.refresh(refund, with_for_update={"of": RefundRequest})
    if refund.status != RefundStatus.REQUESTED.value:
        raise RefundAlreadyDecided(f"This refund request was already {refund.status}.")


def approve_refund(
    refund: RefundRequest, actor: Any, *, now: datetime | None = None
) -> RefundRequest:
    """The seller accepts a line's refund: post it, and send the money back after commit."""
    now = now or utcnow()
    _lock_request(refund)
    order = refund.order
    lock_order(order)
    line = refund.line
    if line is None:
        raise OrderActionRefused("This refund is not for one line.")
    refund.amount = min(refund.amount, order.total - order.refunded_amount)
    if refund.amount <= 0:
        raise OrderActionRefused("Nothing is left to refund on this order.")
    post_refund(EntryKind.LINE_REFUND, refund, order, actor_id_of(actor))
    REFUND_REQUEST.move(refund, RefundStatus.REFUNDED)
    refund.decided_by_id = actor_id_of(actor)
    refund.decided_at = now
    ORDER_LINE.move(line, L.REFUNDED)
    order.refunded_amount += refund.amount
    previous = order.status
    if all(item.status == L.REFUNDED.value for item in order.lines):
        ORDER.move(order, S.REFUNDED)
    money = format_money(refund.amount, order.currency)
    note = f"Refund approved: {money} for {line.item_label}"
    add_event(order, "refunded", note, actor_id_of(actor), now)
    audit.record(
        actor_id=actor_id_of(actor),
        action="refund.approve",
        subject_type="refund_request",
        subject_id=refund.id,
        from_state=RefundStatus.REQUESTED.value,
        to_state=refund.status,
        reason=f"order #{order.id}, {money}; order {previous} → {order.status}",
    )
    signals.order_line_refunded.send(order, line=line, amount=refund.amount)
    refund_provider.start(refund)  # after the commit
    db.session.flush()
    order_mail.refund_decided(refund)
    return refund


def decline_refund(
    refund: RefundRequest, actor: Any, note: str, *, now: datetime | None = None
) -> RefundRequest:
    """The seller refuses a line's refund, saying why; the line is open again."""
    note = clean_text(note, "reason for declining", REASON_MAX)
    now = now or utcnow()
    _lock_request(refund)
    order = refund.order
    lock_order(order)
    REFUND_REQUEST.move(refund, RefundStatus.DECLINED)
    refund.decision_note = note
    refund.decided_by_id = actor_id_of(actor)
    refund.decided_at = now
    if refund.line is not None and ORDER_LINE.can_move(refund.line, L.OPEN):
        ORDER_LINE.move(refund.line, L.OPEN)
    title = refund.line.item_label if refund.line is not None else "the order"
    note_text = f"Refund for {title} declined: {note}"
    add_event(order, "refund_declined", note_text, actor_id_of(actor), now)
    audit.record(
        actor_id=actor_id_of(actor),
        action="refund.decline",
        subject_type="refund_request",
        subject_id=refund.id,
        from_state=RefundStatus.REQUESTED.value,
        to_state=refund.status,
        reason=note,
    )
    db.session.flush()
    order_mail.refund_decided(refund)
    return refund
