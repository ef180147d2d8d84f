"""Card payments through a provider interface: the built-in test card, or Stripe."""

from shop.payments.base import (
    CardDetails,
    InvalidTestCard,
    InvalidWebhook,
    PaymentProvider,
    PaymentRequest,
    ProviderError,
    ProviderPayment,
    ProviderRefund,
    ProviderStatus,
    ProviderUnavailable,
    WebhookEvent,
    WebhookVersionMismatch,
    get_provider,
)

__all__ = [
    "CardDetails",
    "InvalidTestCard",
    "InvalidWebhook",
    "PaymentProvider",
    "PaymentRequest",
    "ProviderError",
    "ProviderPayment",
    "ProviderRefund",
    "ProviderStatus",
    "ProviderUnavailable",
    "WebhookEvent",
    "WebhookVersionMismatch",
    "get_provider",
]
