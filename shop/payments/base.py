"""The payment provider interface, what it returns, and how the app picks a provider.

A provider does three things:

- ``create_payment(request)``: open a payment for an amount and currency under an idempotency
  key (the same key always answers with the same provider payment) and say what happens next:
  the buyer enters a card on our page (``NextStep.CARD_FORM``) or the provider confirms
  through a signed webhook (``NextStep.AWAIT_WEBHOOK``);
- ``confirm(ref, card)``: charge a card on our own page (only providers whose next step is the
  card form);
- ``parse_webhook(payload, headers)``: verify a webhook's signature and read what it says;
- ``refund(ref, amount, idempotency_key=...)``: send money back (the refund job calls it);
  the same key always answers with the same refund;
- ``cancel(ref, idempotency_key=...)``: close a payment nobody will pay any more (its orders
  were released unpaid); cancelling one already cancelled, or one that succeeded, is no error:
  the answer says which it is.

Providers never touch the database: the order services record what a provider answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from flask import current_app
from werkzeug.datastructures import Headers

from core.exceptions import DomainError
from core.idempotency import installation_prefix


class ProviderStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class NextStep(StrEnum):
    CARD_FORM = "card_form"
    AWAIT_WEBHOOK = "await_webhook"


class ProviderError(DomainError):
    """The provider could not do what was asked; ``str(error)`` is safe to show."""

    status_code = 502


class ProviderUnavailable(ProviderError):
    """The provider did not answer or failed on its side: try again later."""

    status_code = 503


class InvalidTestCard(ProviderError):
    """The test provider only knows its test cards."""

    status_code = 400
    field = "number"


class InvalidWebhook(ProviderError):
    """A webhook whose signature, timestamp or body is not valid: answer 400, change nothing."""

    status_code = 400


class WebhookVersionMismatch(InvalidWebhook):
    """A correctly signed event written for another API version than the one we pin.

    Its fields may not mean what we read them as: refuse it (400) and tell staff, who set the
    webhook endpoint's version at the provider to ours; the provider sends it again later.
    """


@dataclass(frozen=True)
class PaymentRequest:
    payment_id: int
    amount: int
    currency: str
    idempotency_key: str
    description: str = ""


@dataclass(frozen=True)
class ProviderPayment:
    ref: str
    status: ProviderStatus
    next_step: NextStep
    client_secret: str | None = None
    failure_reason: str | None = None
    #: The card's fingerprint, where the provider gives one (the same card, the same value).
    card_fingerprint: str | None = None


@dataclass(frozen=True)
class ProviderRefund:
    """What the provider said of a refund: its id and ``succeeded``, ``pending`` or ``failed``."""

    ref: str
    status: str
    failure_reason: str | None = None


@dataclass(frozen=True)
class CardDetails:
    number: str
    expiry: str
    cvc: str


@dataclass(frozen=True)
class WebhookEvent:
    """What a verified webhook says, in the provider's neutral terms.

    ``kind`` is ``"succeeded"`` or ``"failed"`` (a payment: ``payment_id``, ``provider_ref``),
    ``"refund_updated"`` (a refund: its provider id in ``provider_ref``, ``status`` one of
    ``"succeeded"``, ``"failed"`` or ``"pending"``, and ``failure_reason``), or ``"ignored"``
    (an event type we do not act on).
    """

    id: str
    kind: str
    payment_id: int | None = None
    provider_ref: str | None = None
    amount: int | None = None
    currency: str | None = None
    failure_reason: str | None = None
    status: str | None = None
    raw_type: str = ""
    card_fingerprint: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class PaymentProvider(Protocol):
    name: str
    label: str
    next_step: NextStep

    def create_payment(self, request: PaymentRequest) -> ProviderPayment: ...

    def confirm(self, ref: str, card: CardDetails) -> ProviderPayment: ...

    def refund(self, ref: str, amount: int, *, idempotency_key: str) -> ProviderRefund: ...

    def cancel(self, ref: str, *, idempotency_key: str) -> ProviderStatus: ...

    def parse_webhook(
        self, payload: bytes, headers: Headers | Mapping[str, str]
    ) -> WebhookEvent: ...


PROVIDERS = ("test", "stripe")


def get_provider(name: str | None = None) -> PaymentProvider:
    """The provider called ``name`` (default: ``PAYMENT_PROVIDER``), set up from the config."""
    config = current_app.config
    name = name or config["PAYMENT_PROVIDER"]
    # The providers import this module's types: they are looked up here, breaking that cycle.
    if name == "test":
        from shop.payments.testcard import TestCardProvider

        return TestCardProvider()
    if name == "stripe":
        from shop.payments.stripe_provider import StripeProvider

        return StripeProvider(
            secret_key=config.get("STRIPE_SECRET_KEY") or "",
            webhook_secret=config.get("STRIPE_WEBHOOK_SECRET") or "",
            api_base=config.get("STRIPE_API_BASE") or None,
            max_network_retries=int(config.get("STRIPE_MAX_NETWORK_RETRIES", 2)),
            key_prefix=installation_prefix(),
        )
    raise ValueError(f"PAYMENT_PROVIDER={name!r} is not one of {PROVIDERS}")
