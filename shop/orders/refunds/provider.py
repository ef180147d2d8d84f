"""A refund on its way back to the buyer: one state machine per refund at the payment provider.

A refund is on the books (the ledger entry, the order's timeline) as soon as it is decided;
this module follows the money at the provider, through ``states.PROVIDER_REFUND``::

    requested ──► sent ──► succeeded
        │           └────► failed
        ├─────────────────► succeeded        (the provider answered at once)
        └─────────────────► failed ──► requested   (finance retries, under a new key)

Protocol of ``send`` (the job ``shop.orders.jobs.refund_payment`` calls it; at least once):

1. lock the refund row; leave unless it is ``requested``; count the attempt; commit, so no
   transaction is open while the provider is called;
2. call the provider with the refund's idempotency key (``<installation>-refund-<id>-<round>``):
   a repeat of the same round answers with the same provider refund, never a second one;
3. lock again and record what the provider said: its refund id and ``sent``, ``succeeded`` or
   ``failed``. A transient error leaves it ``requested`` and raises, so that the job is retried
   with back-off under the same key, until ``MAX_ATTEMPTS``: then ``failed``, in finance's queue.

Payments that succeed after their orders were released (the buyer's card went through late)
are returned whole: ``refund_late_payment`` opens one refund per order, never booked, because
the money never entered the books.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from rq import Retry
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.audit import services as audit
from core.extensions import db
from core.idempotency import idempotency_key
from core.jobs import enqueue_after_commit
from core.money import format_money
from core.types import utcnow
from shop.orders import mail as order_mail
from shop.orders.models import Order, OrderEvent, OrderStatus
from shop.orders.refunds.models import ProviderRefundState, RefundRequest, RefundStatus
from shop.orders.states import PROVIDER_REFUND
from shop.payments.base import ProviderError, ProviderUnavailable, get_provider
from shop.payments.models import Payment

log = logging.getLogger(__name__)

R = ProviderRefundState
REFUND_JOB = "shop.orders.jobs.refund_payment"
#: Tries at the provider for one round (the first and RQ's five retries) before finance is asked.
MAX_ATTEMPTS = 6
RETRY_INTERVALS = [10, 60, 300, 900, 3600]
ERROR_MAX = 500


def move(refund: RefundRequest, target: ProviderRefundState, now: datetime) -> None:
    """``PROVIDER_REFUND.move`` (or ``IllegalTransition``), stamping when it moved."""
    PROVIDER_REFUND.move(refund, target)
    refund.provider_updated_at = now
    order_mail.refund_at_provider(refund, target.value)


def start(refund: RefundRequest, *, now: datetime | None = None) -> None:
    """Put a refund that is now on the books on its way to the provider (after the commit)."""
    now = now or utcnow()
    refund.provider_state = R.REQUESTED.value  # its first state: not a move
    refund.provider_updated_at = now
    db.session.flush()  # the id is part of the key
    refund.idempotency_key = idempotency_key("refund", refund.id, refund.provider_attempts)
    _enqueue(refund)


def _enqueue(refund: RefundRequest) -> None:
    enqueue_after_commit(
        REFUND_JOB,
        refund.id,
        job_id=f"shop-refund-{refund.id}-{refund.provider_attempts}",
        retry=Retry(max=MAX_ATTEMPTS - 1, interval=RETRY_INTERVALS),
    )


def _locked(refund_id: int) -> RefundRequest | None:
    return db.session.scalars(
        select(RefundRequest)
        .where(RefundRequest.id == refund_id)
        .with_for_update(of=RefundRequest)
        .execution_options(populate_existing=True)
    ).one_or_none()


def send(refund_id: int, *, retries_remain: bool, now: datetime | None = None) -> str:
    """Send one refund to its provider (see the module's protocol); return what happened.

    Commits between its steps: call it from a job, never inside a request's transaction.
    """
    refund = _locked(refund_id)
    if refund is None or refund.status != RefundStatus.REFUNDED.value:
        db.session.rollback()
        log.warning("refund %s is not a refund on the books; nothing to send", refund_id)
        return "skipped"
    if refund.provider_state != R.REQUESTED.value:
        state = refund.provider_state or "none"
        db.session.rollback()
        return f"already {state}"
    payment = refund.order.payment
    if payment is None or not payment.provider_ref:
        move(refund, R.SUCCEEDED, now or utcnow())
        refund.provider_error = (
            None if payment is None else "No payment reference: nothing to send."
        )
        return "no-payment"
    refund.provider_attempts += 1
    key = refund.idempotency_key or idempotency_key("refund", refund.id, 0)
    refund.idempotency_key = key
    provider_name, ref, amount, attempt = (
        payment.provider,
        payment.provider_ref,
        refund.amount,
        refund.provider_attempts,
    )
    db.session.commit()  # the attempt is on record; no transaction is open during the call

    try:
        answer = get_provider(provider_name).refund(ref, amount, idempotency_key=key)
    except ProviderUnavailable as error:
        final = not retries_remain or attempt >= MAX_ATTEMPTS
        _record_error(refund_id, str(error), final=final, now=now)
        if final:
            return "failed"
        raise
    except (ProviderError, ValueError) as error:
        _record_error(refund_id, str(error), final=True, now=now)
        return "failed"
    refund = _locked(refund_id)
    assert refund is not None
    target = {"succeeded": R.SUCCEEDED, "failed": R.FAILED}.get(answer.status, R.SENT)
    refund.provider_refund_id = answer.ref
    refund.provider_error = (answer.failure_reason or None) if target is R.FAILED else None
    if refund.provider_state == R.REQUESTED.value:
        move(refund, target, now or utcnow())
    if target is R.FAILED:
        _tell_timeline(refund, "The card processor could not return the money.", now)
    log.info("refund %s sent to %s: %s (%s)", refund.id, provider_name, answer.ref, target.value)
    return target.value


def _record_error(refund_id: int, message: str, *, final: bool, now: datetime | None) -> None:
    db.session.rollback()
    refund = _locked(refund_id)
    if refund is None or refund.provider_state != R.REQUESTED.value:
        return
    refund.provider_error = message[:ERROR_MAX]
    refund.provider_updated_at = now or utcnow()
    if final:
        move(refund, R.FAILED, now or utcnow())
        _tell_timeline(refund, "The card processor could not return the money yet.", now)
        log.error(
            "refund %s failed at the provider: %s; it is in finance's queue", refund_id, message
        )
    else:
        log.warning("refund %s: provider unavailable, retried later: %s", refund_id, message)
    db.session.commit()


def _tell_timeline(refund: RefundRequest, note: str, now: datetime | None) -> None:
    db.session.add(
        OrderEvent(
            order_id=refund.order_id,
            kind="refund_delayed",
            note=f"{note} Our team is on it.",
            actor_id=None,
            created_at=now or utcnow(),
        )
    )


def record_provider_outcome(
    provider_refund_id: str,
    status: str,
    failure_reason: str | None,
    *,
    now: datetime | None = None,
) -> RefundRequest | None:
    """Apply what a provider's webhook says of one refund; repeats change nothing."""
    refund = db.session.scalars(
        select(RefundRequest)
        .where(RefundRequest.provider_refund_id == provider_refund_id)
        .with_for_update(of=RefundRequest)
    ).one_or_none()
    if refund is None:
        return None
    target = {"succeeded": R.SUCCEEDED, "failed": R.FAILED}.get(status)
    if target is None or not PROVIDER_REFUND.can_move(refund, target):
        return refund
    move(refund, target, now or utcnow())
    if target is R.FAILED:
        refund.provider_error = (failure_reason or "The card processor refused the refund.")[
            :ERROR_MAX
        ]
        _tell_timeline(refund, "The card processor could not return the money.", now)
    db.session.flush()
    return refund


def retry(refund: RefundRequest, actor: Any, *, now: datetime | None = None) -> RefundRequest:
    """Finance sends a failed refund again, under a new key (the old one is spent)."""
    now = now or utcnow()
    db.session.refresh(refund, with_for_update={"of": RefundRequest})
    move(refund, R.REQUESTED, now)
    refund.idempotency_key = idempotency_key("refund", refund.id, refund.provider_attempts)
    refund.provider_error = None
    audit.record(
        actor_id=None if actor is None else actor.id,
        action="refund.provider_retry",
        subject_type="refund_request",
        subject_id=refund.id,
        from_state=R.FAILED.value,
        to_state=R.REQUESTED.value,
        reason=f"order #{refund.order_id}, {format_money(refund.amount, refund.order.currency)}",
    )
    _enqueue(refund)
    db.session.flush()
    return refund


def refund_late_payment(payment: Payment, *, now: datetime | None = None) -> list[RefundRequest]:
    """Return a payment that succeeded after its orders were released: one refund per order.

    Nothing is posted to the ledger: the orders were never paid on the books. Repeats (a
    webhook delivered twice) open nothing more.
    """
    now = now or utcnow()
    existing = db.session.scalar(
        select(func.count(RefundRequest.id))
        .join(Order, Order.id == RefundRequest.order_id)
        .where(Order.payment_id == payment.id, RefundRequest.late_payment.is_(True))
    )
    if existing:
        return []
    orders = [order for order in payment.orders if order.status == OrderStatus.CANCELLED.value]
    refunds = []
    for order in orders:
        amount = order.total
        if amount <= 0:
            continue
        refund = RefundRequest(
            order_id=order.id,
            order_line_id=None,
            amount=amount,
            reason="Paid after the order was released unpaid",
            status=RefundStatus.REFUNDED.value,
            decision_note="The payment arrived after the order was released; returned whole.",
            created_at=now,
            decided_at=now,
            late_payment=True,
        )
        db.session.add(refund)
        db.session.flush()
        db.session.add(
            OrderEvent(
                order_id=order.id,
                kind="refunded",
                note=(
                    f"Your payment of {format_money(amount, order.currency)} arrived after the "
                    "order was released; it is being returned to your card."
                ),
                actor_id=None,
                created_at=now,
            )
        )
        audit.record(
            actor_id=None,
            action="refund.late_payment",
            subject_type="refund_request",
            subject_id=refund.id,
            to_state=R.REQUESTED.value,
            reason=f"payment {payment.id} succeeded after order #{order.id} was released",
        )
        start(refund, now=now)
        refunds.append(refund)
    return refunds


# --- what finance, the buyer and the seller read ---------------------------------------------


def needing_attention(*, limit: int = 50, offset: int = 0) -> list[RefundRequest]:
    """Refunds finance must look at: failed at the provider, newest first."""
    return list(
        db.session.scalars(
            select(RefundRequest)
            .where(RefundRequest.provider_state == R.FAILED.value)
            .options(selectinload(RefundRequest.order))
            .order_by(RefundRequest.provider_updated_at.desc(), RefundRequest.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def late_payment_refunds(*, limit: int = 20) -> list[RefundRequest]:
    """Payments that went through after their orders were released, and their refunds."""
    return list(
        db.session.scalars(
            select(RefundRequest)
            .where(RefundRequest.late_payment.is_(True))
            .options(selectinload(RefundRequest.order))
            .order_by(RefundRequest.id.desc())
            .limit(limit)
        )
    )


def count_by_state() -> dict[str, int]:
    rows = db.session.execute(
        select(RefundRequest.provider_state, func.count(RefundRequest.id))
        .where(RefundRequest.provider_state.is_not(None))
        .group_by(RefundRequest.provider_state)
    ).all()
    return {str(state): int(count) for state, count in rows}


def on_their_way(order: Order) -> list[RefundRequest]:
    """The order's refunds that are on the books, with where their money is."""
    return list(
        db.session.scalars(
            select(RefundRequest)
            .where(RefundRequest.order_id == order.id, RefundRequest.provider_state.is_not(None))
            .options(selectinload(RefundRequest.line))
            .order_by(RefundRequest.id)
        )
    )


def state_label(refund: RefundRequest) -> str | None:
    """What the buyer and the seller read of a refund's way back, or ``None`` if not on it."""
    if refund.provider_state is None:
        return None
    return ProviderRefundState(refund.provider_state).label
