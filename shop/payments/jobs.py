"""Closing at the provider a payment nobody will pay any more.

When the last waiting order of a payment is released unpaid (``release_unpaid``, or a cancel
before payment), ``cancel_when_released`` marks the payment ``cancelled`` in that same
transaction and writes the job ``cancel_payment`` to the outbox. After the commit the job
cancels the PaymentIntent at the provider, so the buyer's card can no longer be charged for
stock that is back on sale.

The job is idempotent (at-least-once delivery is safe): its idempotency key is the payment's,
an intent already cancelled is fine, and one the buyer's card got through first is left to its
``payment_intent.succeeded`` webhook, which refunds it (``shop.payments.webhooks``). A
transient error raises, so the job is retried with back-off under the same key.
"""

from __future__ import annotations

import logging

from rq import Retry
from sqlalchemy import select

from core.extensions import db
from core.idempotency import idempotency_key
from core.jobs import enqueue_after_commit, job
from shop.orders.models import Order, OrderStatus
from shop.payments.base import ProviderError, ProviderStatus, ProviderUnavailable, get_provider
from shop.payments.models import Payment, PaymentStatus
from shop.payments.states import PAYMENT

log = logging.getLogger(__name__)

CANCEL_JOB = "shop.payments.jobs.cancel_payment"
CANCEL_RETRY_INTERVALS = [10, 60, 300, 900, 3600]
#: A payment in one of these states may still be charged: cancel it when its orders go.
_OPEN = (PaymentStatus.PENDING.value, PaymentStatus.FAILED.value)


def cancel_key(payment_id: int) -> str:
    return idempotency_key("payment-cancel", payment_id)


def cancel_when_released(payment_id: int | None) -> bool:
    """In the transaction that released an unpaid order: if every order of its payment is now
    cancelled, mark the payment ``cancelled`` and have the provider cancel it after the commit.

    Return whether it did. The caller owns the transaction.
    """
    if payment_id is None:
        return False
    payment = db.session.scalars(
        select(Payment)
        .where(Payment.id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if payment is None or payment.status not in _OPEN:
        return False
    statuses = db.session.scalars(select(Order.status).where(Order.payment_id == payment_id))
    if any(status != OrderStatus.CANCELLED.value for status in statuses):
        return False  # another order of this checkout still waits for the payment
    PAYMENT.move(payment, PaymentStatus.CANCELLED)
    if payment.provider_ref:
        enqueue_after_commit(
            CANCEL_JOB,
            payment.id,
            job_id=f"shop-payment-cancel-{payment.id}",
            retry=Retry(max=len(CANCEL_RETRY_INTERVALS), interval=CANCEL_RETRY_INTERVALS),
        )
    db.session.flush()
    return True


@job
def cancel_payment(payment_id: int) -> str:
    """Cancel a released payment at its provider, once; return what happened."""
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        return "missing"
    if payment.status != PaymentStatus.CANCELLED.value:
        # It went through after all (the webhook refunds it), or was never released.
        log.info("payment %s is %s: not cancelling it", payment_id, payment.status)
        return f"skipped ({payment.status})"
    if not payment.provider_ref:
        return "nothing-to-cancel"
    provider_name, ref = payment.provider, payment.provider_ref
    db.session.rollback()  # no transaction (nor SQLite's write lock) open during the call
    try:
        status = get_provider(provider_name).cancel(ref, idempotency_key=cancel_key(payment_id))
    except ProviderUnavailable as error:
        log.warning("payment %s: %s cancelling %s; retried later", payment_id, error, ref)
        raise
    except ProviderError as error:
        log.error(
            "payment %s: %s could not be cancelled (%s): cancel it by hand", payment_id, ref, error
        )
        return "refused"
    if status is ProviderStatus.SUCCEEDED:
        log.warning(
            "payment %s: %s went through before it was cancelled; its webhook refunds it",
            payment_id,
            ref,
        )
        return "succeeded-first"
    if status is not ProviderStatus.CANCELLED:
        log.warning("payment %s: %s is still processing; its webhook decides", payment_id, ref)
        return "processing"
    log.info("payment %s: %s cancelled at %s", payment_id, ref, provider_name)
    return "cancelled"
