"""``POST /webhooks/stripe/connect``: Stripe Connect tells us a creator's account changed.

The raw body is verified against ``STRIPE_CONNECT_WEBHOOK_SECRET`` with Stripe's scheme
(signature and a timestamp at most five minutes old, so an old event replayed is refused); a
bad one is a 400 and changes nothing. ``account.updated`` sets the payout account's status;
an event older than the newest applied (or the same one again) changes nothing.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import stripe
from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from affiliate.payouts import payout_accounts
from affiliate.payouts.providers.stripe import status_from_stripe_account
from core.extensions import csrf, db

log = logging.getLogger(__name__)

bp = Blueprint("payout_webhooks", __name__)

SIGNATURE_HEADER = "Stripe-Signature"
TOLERANCE_SECONDS = 300


@bp.post("/webhooks/stripe/connect")
def stripe_connect_webhook() -> ResponseReturnValue:
    secret = current_app.config.get("STRIPE_CONNECT_WEBHOOK_SECRET")
    if not secret:
        return jsonify(error="Stripe Connect webhooks are not configured here"), 404
    payload = request.get_data()
    try:
        stripe.Webhook.construct_event(
            payload, request.headers.get(SIGNATURE_HEADER), secret, tolerance=TOLERANCE_SECONDS
        )
        event = json.loads(payload)
        event_id, event_type = str(event["id"]), str(event["type"])
        obj = event["data"]["object"]
        created = datetime.fromtimestamp(int(event["created"]), UTC)
    except stripe.SignatureVerificationError as error:
        log.warning("rejected a Stripe Connect webhook: %s", error.user_message or error)
        return jsonify(error="invalid webhook"), 400
    except (ValueError, KeyError, TypeError, OverflowError) as error:
        log.warning("rejected a malformed Stripe Connect webhook: %s", error)
        return jsonify(error="invalid webhook"), 400
    if event_type != "account.updated" or not isinstance(obj, dict) or not obj.get("id"):
        return jsonify(received=True, outcome="ignored"), 200
    status = status_from_stripe_account(obj)
    account = payout_accounts.apply_provider_status(
        "stripe", str(obj["id"]), status, event_at=created
    )
    db.session.commit()
    outcome = "unknown-account" if account is None else f"status {account.status}"
    log.info("Stripe Connect webhook %s (%s): %s", event_id, event_type, outcome)
    return jsonify(received=True, outcome=outcome), 200


csrf.exempt(stripe_connect_webhook)
