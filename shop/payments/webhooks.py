"""``POST /webhooks/stripe``: the only way a Stripe payment is confirmed.

The raw body is verified against ``STRIPE_WEBHOOK_SECRET`` (signature and timestamp); a bad
one is a 400 and changes nothing. A verified event is acted on idempotently: the payment's
status (locked while it changes) and the ledger's unique cause key make a duplicate or late
delivery change nothing twice, and a failure after success leaves the payment paid.
"""

from __future__ import annotations

import logging

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue

from affiliate.extensions import csrf, db
from shop.blueprints import shop_bp as bp
from shop.orders import checkout
from shop.orders.exceptions import PaymentMismatch
from shop.orders.models import Payment
from shop.payments.base import InvalidWebhook, WebhookEvent, get_provider

log = logging.getLogger(__name__)


def handle_payment_event(event: WebhookEvent, provider_name: str) -> str:
    """Apply a verified event to its payment; return what was done (for the log and tests)."""
    if event.kind == "ignored":
        return "ignored"
    payment = db.session.get(Payment, event.payment_id) if event.payment_id else None
    if payment is None or payment.provider != provider_name:
        log.warning(
            "webhook %s (%s) names no %s payment of ours", event.id, event.raw_type, provider_name
        )
        return "unknown-payment"
    if event.kind == "succeeded":
        paid = checkout.mark_payment_succeeded(
            payment.id, event.provider_ref, amount=event.amount, currency=event.currency
        )
        return f"paid {len(paid)} order(s)" if paid else "already-paid"
    checkout.mark_payment_failed(
        payment.id, event.provider_ref, event.failure_reason or "The card payment failed."
    )
    return "failed"


@bp.post("/webhooks/stripe")
def stripe_webhook() -> ResponseReturnValue:
    if not current_app.config.get("STRIPE_WEBHOOK_SECRET"):
        return jsonify(error="Stripe webhooks are not configured here"), 404
    provider = get_provider("stripe")
    try:
        event = provider.parse_webhook(request.get_data(), request.headers)
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
