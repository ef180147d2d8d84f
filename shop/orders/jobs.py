"""Order jobs: release unpaid orders, deliver and complete on time, send refunds to the card.

Each is a thin wrapper: it reads the clock and the configuration and calls one service of
``shop.orders.lifecycle``. The periodic ones are registered for ``flask cron``.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

from flask import current_app

from affiliate.extensions import db
from affiliate.jobs import PeriodicJob, job, register_periodic
from affiliate.money import format_money
from affiliate.types import utcnow
from shop.orders import lifecycle
from shop.orders.models import RefundRequest, RefundStatus

log = logging.getLogger(__name__)


def return_window_days() -> int:
    return int(
        current_app.config.get("SHOP_RETURN_WINDOW_DAYS", lifecycle.DEFAULT_RETURN_WINDOW_DAYS)
    )


def auto_deliver_days() -> int:
    return int(
        current_app.config.get("SHOP_AUTO_DELIVER_DAYS", lifecycle.DEFAULT_AUTO_DELIVER_DAYS)
    )


@job
def release_unpaid_orders() -> int:
    """Cancel orders whose time to pay has passed, giving their stock back."""
    count = lifecycle.release_unpaid(utcnow())
    if count:
        log.info("released %d unpaid order(s)", count)
    return count


@job
def auto_deliver_orders() -> int:
    """Mark delivered the orders shipped long enough ago (``SHOP_AUTO_DELIVER_DAYS``)."""
    count = lifecycle.auto_deliver(utcnow(), auto_deliver_days())
    if count:
        log.info("marked %d shipped order(s) delivered", count)
    return count


@job
def complete_orders() -> int:
    """Complete delivered orders whose return window (``SHOP_RETURN_WINDOW_DAYS``) passed."""
    count = lifecycle.complete_due_orders(utcnow(), return_window_days())
    if count:
        log.info("completed %d order(s)", count)
    return count


def _provider_for(name: str) -> Any | None:
    """The payment provider called ``name``, looked up lazily; ``None`` if there is none."""
    try:
        payments = import_module("shop.payments.base")
        return payments.get_provider(name)
    except (ImportError, AttributeError, ValueError):
        return None


def _is_transient(error: Exception) -> bool:
    try:
        payments = import_module("shop.payments.base")
    except ImportError:
        return False
    return isinstance(error, payments.ProviderUnavailable)


@job
def refund_payment(refund_request_id: int) -> str:
    """Send a refunded amount back to the buyer's payment method, once.

    The ledger entry was committed before this job was enqueued; this only moves the money at
    the provider. The refund request's id is the idempotency key, so a retried or duplicated
    job never refunds twice. A transient provider error raises (RQ retries with back-off); a
    permanent one is logged for staff to settle by hand. Return what was done.
    """
    refund = db.session.get(RefundRequest, refund_request_id)
    if refund is None or refund.status != RefundStatus.REFUNDED.value:
        log.warning("refund %s is not a refunded request; nothing to send", refund_request_id)
        return "skipped"
    order = refund.order
    payment = order.payment
    amount = format_money(refund.amount, order.currency)
    if payment is None:
        log.info("refund %s of order #%s: no payment on record", refund.id, order.id)
        return "no-payment"
    provider = _provider_for(payment.provider)
    send = getattr(provider, "refund", None)
    if send is None or not payment.provider_ref:
        if payment.provider == "test":
            log.info(
                "test payment provider: refund %s of %s for payment %s recorded as sent",
                refund.id,
                amount,
                payment.id,
            )
            return "recorded"
        log.error(
            "payment provider %r cannot refund: send refund %s of %s for payment %s "
            "(provider ref %s) by hand",
            payment.provider,
            refund.id,
            amount,
            payment.id,
            payment.provider_ref,
        )
        return "manual"
    try:
        ref = send(payment.provider_ref, refund.amount, idempotency_key=f"shop-refund-{refund.id}")
    except Exception as error:
        if _is_transient(error):
            log.warning("refund %s of %s: provider unavailable, will retry", refund.id, amount)
            raise
        log.error(
            "refund %s of %s for payment %s refused by %s: %s; send it by hand",
            refund.id,
            amount,
            payment.id,
            payment.provider,
            error,
        )
        return "failed"
    log.info(
        "refund %s of %s for payment %s sent through %s (%s)",
        refund.id,
        amount,
        payment.id,
        payment.provider,
        ref,
    )
    return "sent"


register_periodic(
    PeriodicJob(
        "shop.orders.jobs.release_unpaid_orders",
        interval=300,
        description="cancel unpaid orders past their time to pay and release their stock",
    )
)
register_periodic(
    PeriodicJob(
        "shop.orders.jobs.auto_deliver_orders",
        cron="7 * * * *",
        description="mark delivered the orders shipped SHOP_AUTO_DELIVER_DAYS ago",
    )
)
register_periodic(
    PeriodicJob(
        "shop.orders.jobs.complete_orders",
        cron="37 * * * *",
        description="complete delivered orders whose return window has passed",
    )
)
