"""The built-in test-card provider: no real money moves.

``4242 4242 4242 4242`` succeeds, ``4000 0000 0000 0002`` is declined; any other number is
refused as not a test card. It answers at once, so it needs no webhook.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from werkzeug.datastructures import Headers

from shop.payments.base import (
    CardDetails,
    InvalidTestCard,
    InvalidWebhook,
    NextStep,
    PaymentRequest,
    ProviderPayment,
    ProviderRefund,
    ProviderStatus,
    WebhookEvent,
)

SUCCEEDS = "4242424242424242"
DECLINED = "4000000000000002"
DECLINE_MESSAGE = "Your card was declined."


def normalise_card_number(number: str) -> str:
    return "".join(ch for ch in number if ch not in " -")


def fingerprint(card: CardDetails) -> str:
    """The test card's fingerprint: its number and expiry, hashed (as a provider would give
    one per card). Every buyer uses the same test number, so the expiry tells cards apart."""
    expiry = "".join(ch for ch in card.expiry if ch.isdigit())
    raw = f"{normalise_card_number(card.number)}|{expiry}"
    return "testfp_" + hashlib.sha256(raw.encode()).hexdigest()[:24]


class TestCardProvider:
    name = "test"
    label = "Test card — no real money moves"
    next_step = NextStep.CARD_FORM

    def create_payment(self, request: PaymentRequest) -> ProviderPayment:
        return ProviderPayment(
            ref=f"testpay_{request.idempotency_key}",
            status=ProviderStatus.PENDING,
            next_step=self.next_step,
        )

    def confirm(self, ref: str, card: CardDetails) -> ProviderPayment:
        number = normalise_card_number(card.number)
        if number == SUCCEEDS:
            return ProviderPayment(
                ref, ProviderStatus.SUCCEEDED, self.next_step, card_fingerprint=fingerprint(card)
            )
        if number == DECLINED:
            return ProviderPayment(
                ref, ProviderStatus.FAILED, self.next_step, failure_reason=DECLINE_MESSAGE
            )
        raise InvalidTestCard(
            "Use a test card: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined."
        )

    def refund(self, ref: str, amount: int, *, idempotency_key: str) -> ProviderRefund:
        """Nothing to send back: no real money moved, so it succeeds at once."""
        return ProviderRefund(ref=f"testrefund_{idempotency_key}", status="succeeded")

    def cancel(self, ref: str, *, idempotency_key: str) -> ProviderStatus:
        """Nothing is held at a provider: the payment is simply closed."""
        return ProviderStatus.CANCELLED

    def parse_webhook(self, payload: bytes, headers: Headers | Mapping[str, str]) -> WebhookEvent:
        raise InvalidWebhook("the test-card provider sends no webhooks")
