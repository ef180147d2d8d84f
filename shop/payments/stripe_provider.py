"""Stripe PaymentIntents through the real ``stripe`` SDK, confirmed only by signed webhooks.

The PaymentIntent is created with our payment's id as its idempotency key and in its
metadata, so a repeated create (a retry, a double click) answers with the same intent and a
webhook leads back to our payment. The buyer would confirm the card with Stripe.js; this
build loads no third-party script, so the pay page explains that the webhook confirms it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import stripe

from shop.payments.base import (
    CardDetails,
    InvalidWebhook,
    NextStep,
    PaymentRequest,
    ProviderError,
    ProviderPayment,
    ProviderStatus,
    ProviderUnavailable,
    WebhookEvent,
)

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Stripe-Signature"
EVENT_KINDS = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
}
_STATUSES = {
    "succeeded": ProviderStatus.SUCCEEDED,
    "canceled": ProviderStatus.FAILED,
}
# Errors that say "try again later" rather than "this request is wrong".
_TRANSIENT = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


class StripeProvider:
    name = "stripe"
    label = "Stripe"
    next_step = NextStep.AWAIT_WEBHOOK

    def __init__(
        self,
        *,
        secret_key: str,
        webhook_secret: str,
        api_base: str | None = None,
        max_network_retries: int = 2,
    ) -> None:
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.api_base = api_base
        self.max_network_retries = max_network_retries

    def _client(self) -> stripe.StripeClient:
        if not self.secret_key:
            raise ProviderError("Card payments are not set up (STRIPE_SECRET_KEY is missing).")
        return stripe.StripeClient(
            self.secret_key,
            base_addresses={"api": self.api_base} if self.api_base else None,
            max_network_retries=self.max_network_retries,
        )

    def create_payment(self, request: PaymentRequest) -> ProviderPayment:
        params: dict[str, Any] = {
            "amount": request.amount,
            "currency": request.currency.lower(),
            "metadata": {"payment_id": str(request.payment_id)},
            "automatic_payment_methods": {"enabled": True},
        }
        if request.description:
            params["description"] = request.description
        try:
            intent = self._client().v1.payment_intents.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": request.idempotency_key},
            )
        except _TRANSIENT as error:
            log.warning("Stripe could not create a PaymentIntent: %s", error)
            raise ProviderUnavailable(
                "The card processor is not answering. Please try again in a moment."
            ) from error
        except stripe.StripeError as error:
            log.error("Stripe refused to create a PaymentIntent: %s", error)
            raise ProviderError("The card processor refused this payment.") from error
        return self._payment_from(intent)

    def retrieve(self, ref: str) -> ProviderPayment:
        try:
            intent = self._client().v1.payment_intents.retrieve(ref)
        except _TRANSIENT as error:
            raise ProviderUnavailable("The card processor is not answering.") from error
        except stripe.StripeError as error:
            raise ProviderError("The card processor does not know this payment.") from error
        return self._payment_from(intent)

    def _payment_from(self, intent: Any) -> ProviderPayment:
        status = _STATUSES.get(intent.status, ProviderStatus.PENDING)
        error = getattr(intent, "last_payment_error", None)
        return ProviderPayment(
            ref=intent.id,
            status=status,
            next_step=self.next_step,
            client_secret=getattr(intent, "client_secret", None),
            failure_reason=getattr(error, "message", None) if error else None,
        )

    def refund(self, ref: str, amount: int, *, idempotency_key: str) -> str:
        """Refund ``amount`` of the PaymentIntent ``ref``; return the refund's id."""
        try:
            refund = self._client().v1.refunds.create(
                {"payment_intent": ref, "amount": amount},
                {"idempotency_key": idempotency_key},
            )
        except _TRANSIENT as error:
            raise ProviderUnavailable("The card processor is not answering.") from error
        except stripe.StripeError as error:
            raise ProviderError(f"The card processor refused the refund: {error}") from error
        return str(refund.id)

    def confirm(self, ref: str, card: CardDetails) -> ProviderPayment:
        raise ProviderError("Stripe payments are confirmed by Stripe, not on this page.")

    def parse_webhook(self, payload: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """Verify the signature and timestamp (``InvalidWebhook`` if either fails), then read."""
        header = headers.get(SIGNATURE_HEADER)
        try:
            stripe.Webhook.construct_event(payload, header, self.webhook_secret)
            data = json.loads(payload)
            event_id = str(data["id"])
            event_type = str(data["type"])
            obj = data["data"]["object"]
        except stripe.SignatureVerificationError as error:
            raise InvalidWebhook(f"bad signature: {error.user_message or error}") from None
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidWebhook(f"malformed event: {error}") from None
        kind = EVENT_KINDS.get(event_type, "ignored")
        if kind == "ignored" or not isinstance(obj, dict):
            return WebhookEvent(id=event_id, kind="ignored", raw_type=event_type)
        metadata = obj.get("metadata") or {}
        raw_payment_id = str(metadata.get("payment_id", ""))
        payment_id = (
            int(raw_payment_id) if raw_payment_id.isascii() and raw_payment_id.isdigit() else None
        )
        error = obj.get("last_payment_error") or {}
        return WebhookEvent(
            id=event_id,
            kind=kind,
            payment_id=payment_id,
            provider_ref=obj.get("id"),
            amount=obj.get("amount"),
            currency=(obj.get("currency") or "").upper() or None,
            failure_reason=(error.get("message") if isinstance(error, dict) else None)
            or ("The card payment failed." if kind == "failed" else None),
            raw_type=event_type,
        )
