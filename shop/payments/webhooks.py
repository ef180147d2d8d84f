"""``POST /webhooks/stripe``: the only way a Stripe payment is confirmed.

The raw body is verified against ``STRIPE_WEBHOOK_SECRET`` (signature and timestamp) and the
event's API version against the one we pin; a bad one is a 400 and changes nothing. A verified
event is acted on idempotently: the payment's status (locked while it changes) and the ledger's
unique cause key make a duplicate or late delivery change nothing twice, and a failure after
success leaves the payment paid.

A payment that succeeds after its orders were released (the buyer's card went through while,
or after, we cancelled the intent) is recorded as succeeded and returned whole through the
outbox (``shop.orders.refunds.provider.refund_late_payment``); finance sees it. Refund events apply
the provider's word on a refund (``refunds.record_provider_outcome``).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from core.extensions import csrf, db
from shop.blueprints import shop_bp as bp
from shop.orders.exceptions import PaymentMismatch
from shop.orders.models import OrderStatus
from shop.orders.refunds import provider as refunds
from shop.payments import services as payments
from shop.payments.base import InvalidWebhook, WebhookEvent, WebhookVersionMismatch, get_provider
from shop.payments.models import Payment, PaymentStatus

log = logging.getLogger(__name__)


def handle_payment_event(event: WebhookEvent, provider_name: str) -> str:
    """Apply a verified event to its payment; return what was done (for the log and tests)."""
    if event.kind == "ignored":
        return "ignored"
    if event.kind == "refund_updated":
        return _refund_updated(event, provider_name)
    if event.kind == "succeeded" and not event.card_fingerprint and event.provider_ref:
        event = replace(event, card_fingerprint=_card_fingerprint(provider_name, event))
    payment = _locked_payment(event.payment_id) if event.payment_id else None
    if payment is None or payment.provider != provider_name:
        log.warning(
            "webhook %s (%s) names no %s payment of ours", event.id, event.raw_type, provider_name
        )
        return "unknown-payment"
    if event.kind == "succeeded":
        return _succeeded(payment, event)
    if payment.status == PaymentStatus.CANCELLED.value:
        return "cancelled"  # its orders were released; a late decline changes nothing
    payments.mark_payment_failed(
        payment.id, event.provider_ref, event.failure_reason or "The card payment failed."
    )
    return "failed"


def _card_fingerprint(provider_name: str, event: WebhookEvent) -> str | None:
    """Ask the provider for the paying card's fingerprint (before any row is locked: a provider
    call must not hold locks); None if it has no such question or gives no answer."""
    ask = getattr(get_provider(provider_name), "card_fingerprint", None)
    if ask is None or event.provider_ref is None:
        return None
    found = ask(event.provider_ref)
    return found if isinstance(found, str) else None


def _locked_payment(payment_id: int) -> Payment | None:
    if not 0 < payment_id < 2**63:
        return None
    return db.session.scalars(
        select(Payment)
        .where(Payment.id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()


def _succeeded(payment: Payment, event: WebhookEvent) -> str:
    already = payment.status == PaymentStatus.SUCCEEDED.value
    paid = payments.mark_payment_succeeded(
        payment.id,
        event.provider_ref,
        amount=event.amount,
        currency=event.currency,
        card_fingerprint=event.card_fingerprint,
    )
    outcome = f"paid {len(paid)} order(s)" if paid else "already-paid"
    if already:
        return outcome
    released = [
        order
        for order in payments.orders_of_payment(payment)
        if order.status == OrderStatus.CANCELLED.value
    ]
    if not released:
        return outcome
    # The money came in for orders that no longer wait for it: give it back, whole.
    returned = refunds.refund_late_payment(payment)
    log.warning(
        "payment %s succeeded after %d of its orders were released: %d refund(s) on their way",
        payment.id,
        len(released),
        len(returned),
    )
    late = f"late: refunding {len(returned)} order(s)"
    return f"{outcome}; {late}" if paid else late


def _refund_updated(event: WebhookEvent, provider_name: str) -> str:
    if not event.provider_ref:
        return "unknown-refund"
    refund = refunds.record_provider_outcome(
        event.provider_ref, event.status or "pending", event.failure_reason
    )
    if refund is None:
        log.warning(
            "webhook %s (%s) names no %s refund of ours: %s",
            event.id,
            event.raw_type,
            provider_name,
            event.provider_ref,
        )
        return "unknown-refund"
    return f"refund {refund.id} {refund.provider_state}"


@bp.post("/webhooks/stripe")
def stripe_webhook() -> ResponseReturnValue:
    if not current_app.config.get("STRIPE_WEBHOOK_SECRET"):
        return jsonify(error="Stripe webhooks are not configured here"), 404
    provider = get_provider("stripe")
    try:
        event = provider.parse_webhook(request.get_data(), request.headers)
    except WebhookVersionMismatch as error:
        # Correctly signed, so Stripe's own endpoint is set up for another version: staff
        # must align it. Stripe sends it again later; nothing is changed meanwhile.
        log.error("refused a Stripe webhook: %s", error)
        return jsonify(error="unsupported API version"), 400
    except InvalidWebhook as error:
        log.warning("rejected a Stripe webhook: %s", error)
        return jsonify(error="invalid webhook"), 400
    try:
        outcome = handle_payment_event(event, "stripe")
    except PaymentMismatch as error:
        db.session.rollback()
        # A reference or amount that is not ours: record nothing, alert, and tell Stripe it
        # was received (a retry would not make it match).
        log.error("Stripe webhook %s does not match our payment: %s", event.id, error)
        return jsonify(received=True, outcome="mismatch"), 200
    db.session.commit()
    log.info("Stripe webhook %s (%s): %s", event.id, event.raw_type, outcome)
    return jsonify(received=True, outcome=outcome), 200


csrf.exempt(stripe_webhook)
