"""Stripe PaymentIntents through the real ``stripe`` SDK, confirmed only by signed webhooks.

The PaymentIntent is created under our payment's idempotency key and with its id in the
metadata, so a repeated create (a retry, a double click) answers with the same intent and a
webhook leads back to our payment. The buyer confirms the card in the browser with Stripe.js
(``stripe.confirmCardPayment`` with the intent's client secret, which also runs 3-D Secure);
the order is marked paid only when the signed ``payment_intent.succeeded`` webhook arrives.

Every idempotency key sent to Stripe starts with this installation's prefix
(``core.idempotency``), so two databases sharing one Stripe account never answer each
other's requests; a key that already carries it is sent as it is.

The API version is pinned to the one the installed SDK is written for (``API_VERSION``): our
requests name it, and a webhook event written for another version is refused
(``WebhookVersionMismatch``), because its fields may not mean what we read them as.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import stripe
from werkzeug.datastructures import Headers

from shop.payments.base import (
    CardDetails,
    InvalidWebhook,
    NextStep,
    PaymentRequest,
    ProviderError,
    ProviderPayment,
    ProviderRefund,
    ProviderStatus,
    ProviderUnavailable,
    WebhookEvent,
    WebhookVersionMismatch,
)

log = logging.getLogger(__name__)

#: The Stripe API version the installed SDK is written for; requests and webhooks must match.
API_VERSION: str = stripe.api_version

SIGNATURE_HEADER = "Stripe-Signature"
EVENT_KINDS = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
}
#: Events that tell where a refund is; their object is the refund.
REFUND_EVENTS = frozenset({"refund.updated", "refund.failed", "charge.refund.updated"})
_REFUND_STATUSES = {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}
_REFUND_FAILURES = {
    "lost_or_stolen_card": "The card was reported lost or stolen.",
    "expired_or_canceled_card": "The card has expired or was cancelled.",
    "charge_for_pending_refund_disputed": "The buyer disputed the payment.",
    "insufficient_funds": "The Stripe balance could not cover the refund.",
    "declined": "The card's bank declined the refund.",
    "merchant_request": "The refund was cancelled.",
}
_STATUSES = {
    "succeeded": ProviderStatus.SUCCEEDED,
    "canceled": ProviderStatus.CANCELLED,
}
# Errors that say "try again later" rather than "this request is wrong".
_TRANSIENT = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)
#: Stripe's answer to cancelling an intent that already succeeded or was cancelled.
UNEXPECTED_STATE = "payment_intent_unexpected_state"


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
        key_prefix: str = "",
    ) -> None:
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.api_base = api_base
        self.max_network_retries = max_network_retries
        self.key_prefix = key_prefix

    def _client(self) -> stripe.StripeClient:
        if not self.secret_key:
            raise ProviderError("Card payments are not set up (STRIPE_SECRET_KEY is missing).")
        return stripe.StripeClient(
            self.secret_key,
            base_addresses={"api": self.api_base} if self.api_base else None,
            max_network_retries=self.max_network_retries,
            stripe_version=API_VERSION,
        )

    def _key(self, key: str) -> str:
        """``key`` under this installation's prefix (unchanged if it already has it)."""
        if not self.key_prefix or key.startswith(f"{self.key_prefix}-"):
            return key
        return f"{self.key_prefix}-{key}"

    def create_payment(self, request: PaymentRequest) -> ProviderPayment:
        params: dict[str, Any] = {
            "amount": request.amount,
            "currency": request.currency.lower(),
            "metadata": {"payment_id": str(request.payment_id)},
            # The pay page collects a card with Stripe.js's card form, and nothing else.
            "payment_method_types": ["card"],
        }
        if request.description:
            params["description"] = request.description
        try:
            intent = self._client().v1.payment_intents.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": self._key(request.idempotency_key)},
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
        """The intent as Stripe has it now, with its client secret (for its buyer's page)."""
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

    def cancel(self, ref: str, *, idempotency_key: str) -> ProviderStatus:
        """Cancel the PaymentIntent ``ref``; return where it ends.

        ``CANCELLED`` (now, or before), or ``SUCCEEDED`` if the buyer's card went through
        first (Stripe refuses to cancel it: its webhook refunds it), or ``PENDING`` if it is
        still processing. Raises ``ProviderUnavailable`` when Stripe is not answering.
        """
        try:
            intent = self._client().v1.payment_intents.cancel(
                ref,
                {"cancellation_reason": "abandoned"},
                {"idempotency_key": self._key(idempotency_key)},
            )
        except _TRANSIENT as error:
            raise ProviderUnavailable("The card processor is not answering.") from error
        except stripe.InvalidRequestError as error:
            if error.code != UNEXPECTED_STATE:
                raise ProviderError(f"The card processor refused to cancel: {error}") from error
            return self.retrieve(ref).status
        except stripe.StripeError as error:
            raise ProviderError(f"The card processor refused to cancel: {error}") from error
        return _STATUSES.get(intent.status, ProviderStatus.PENDING)

    def refund(self, ref: str, amount: int, *, idempotency_key: str) -> ProviderRefund:
        """Refund ``amount`` of the PaymentIntent ``ref``; return the refund and its state."""
        try:
            refund = self._client().v1.refunds.create(
                {"payment_intent": ref, "amount": amount},
                {"idempotency_key": self._key(idempotency_key)},
            )
        except _TRANSIENT as error:
            raise ProviderUnavailable("The card processor is not answering.") from error
        except stripe.StripeError as error:
            raise ProviderError(f"The card processor refused the refund: {error}") from error
        status = str(getattr(refund, "status", "") or "pending")
        return ProviderRefund(
            ref=str(refund.id),
            status=status if status in {"succeeded", "failed"} else "pending",
            failure_reason=getattr(refund, "failure_reason", None),
        )

    def confirm(self, ref: str, card: CardDetails) -> ProviderPayment:
        raise ProviderError("Stripe payments are confirmed by Stripe, not on this page.")

    def parse_webhook(self, payload: bytes, headers: Headers | Mapping[str, str]) -> WebhookEvent:
        """Verify the signature and timestamp (``InvalidWebhook`` if either fails), check the
        event's API version (``WebhookVersionMismatch``), then read it."""
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
        version = data.get("api_version")
        if version != API_VERSION:
            said = f"API version {version!r}" if version else "no API version"
            raise WebhookVersionMismatch(
                f"event {event_id} ({event_type}) carries {said}; we pin {API_VERSION!r}: "
                f"set the webhook endpoint's API version to {API_VERSION} at Stripe"
            )
        if not isinstance(obj, dict):
            return WebhookEvent(id=event_id, kind="ignored", raw_type=event_type)
        if event_type in REFUND_EVENTS:
            return self._refund_event(event_id, event_type, obj)
        kind = EVENT_KINDS.get(event_type, "ignored")
        if kind == "ignored":
            return WebhookEvent(id=event_id, kind="ignored", raw_type=event_type)
        last_error = obj.get("last_payment_error") or {}
        return WebhookEvent(
            id=event_id,
            kind=kind,
            payment_id=_payment_id(obj),
            provider_ref=obj.get("id"),
            amount=obj.get("amount"),
            currency=(obj.get("currency") or "").upper() or None,
            failure_reason=(last_error.get("message") if isinstance(last_error, dict) else None)
            or ("The card payment failed." if kind == "failed" else None),
            raw_type=event_type,
            card_fingerprint=card_fingerprint_of(obj),
        )

    def card_fingerprint(self, ref: str) -> str | None:
        """The fingerprint of the card that paid the PaymentIntent ``ref`` (its payment method,
        expanded), or None when Stripe gives none or does not answer: never an error, since a
        payment must not fail for want of it."""
        try:
            intent = self._client().v1.payment_intents.retrieve(
                ref, {"expand": ["payment_method", "latest_charge"]}
            )
        except (stripe.StripeError, ProviderError) as error:
            log.warning("Stripe gave no card fingerprint for %s: %s", ref, error)
            return None
        return card_fingerprint_of(intent.to_dict() if hasattr(intent, "to_dict") else intent)

    @staticmethod
    def _refund_event(event_id: str, event_type: str, refund: dict[str, Any]) -> WebhookEvent:
        raw_status = str(refund.get("status") or "")
        status = _REFUND_STATUSES.get(raw_status, "pending")
        reason = None
        if status == "failed":
            code = str(refund.get("failure_reason") or "")
            reason = _REFUND_FAILURES.get(code, "The card processor could not return the money.")
        return WebhookEvent(
            id=event_id,
            kind="refund_updated",
            payment_id=_payment_id(refund),
            provider_ref=refund.get("id"),
            amount=refund.get("amount"),
            currency=(refund.get("currency") or "").upper() or None,
            failure_reason=reason,
            status=status,
            raw_type=event_type,
            extra={"provider_status": raw_status, "payment_intent": refund.get("payment_intent")},
        )


def card_fingerprint_of(intent: Any) -> str | None:
    """The card fingerprint a PaymentIntent carries, where Stripe includes it: its payment
    method expanded (``card.fingerprint``), its latest charge expanded, or the charges list of
    older API versions (``payment_method_details.card.fingerprint``)."""
    if not isinstance(intent, dict):
        return None
    method = intent.get("payment_method")
    if isinstance(method, dict):
        found = (method.get("card") or {}).get("fingerprint")
        if found:
            return str(found)
    charges = [intent.get("latest_charge")]
    listed = intent.get("charges")
    if isinstance(listed, dict):
        charges.extend(listed.get("data") or [])
    for charge in charges:
        if isinstance(charge, dict):
            details = (charge.get("payment_method_details") or {}).get("card") or {}
            if details.get("fingerprint"):
                return str(details["fingerprint"])
    return None


def _payment_id(obj: dict[str, Any]) -> int | None:
    metadata = obj.get("metadata") or {}
    raw = str(metadata.get("payment_id", "")) if isinstance(metadata, dict) else ""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
