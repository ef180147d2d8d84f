"""Payout providers: where the money goes when a withdrawal is paid.

``base`` holds the interface and its errors; ``simulated`` the built-in stand-in (the default),
``stripe`` Stripe Connect. ``get_provider`` picks the configured one (``PAYOUT_PROVIDER``).
"""

from __future__ import annotations

from flask import current_app

from affiliate.payouts.providers.base import (
    BankDetails,
    PayoutProvider,
    PayoutProviderError,
    PermanentPayoutError,
    ProviderAccount,
    TransferResult,
    TransientPayoutError,
)
from affiliate.payouts.providers.simulated import SimulatedPayoutProvider
from affiliate.payouts.providers.stripe import StripePayoutProvider

__all__ = [
    "BankDetails",
    "PayoutProvider",
    "PayoutProviderError",
    "PermanentPayoutError",
    "ProviderAccount",
    "SimulatedPayoutProvider",
    "StripePayoutProvider",
    "TransferResult",
    "TransientPayoutError",
    "get_provider",
]


def get_provider(name: str | None = None) -> PayoutProvider:
    """The configured provider (``PAYOUT_PROVIDER``), or the one named."""
    config = current_app.config
    name = name or config["PAYOUT_PROVIDER"]
    if name == "simulated":
        return SimulatedPayoutProvider()
    if name == "stripe":
        return StripePayoutProvider(
            secret_key=config.get("STRIPE_SECRET_KEY") or "",
            api_base=config.get("STRIPE_API_BASE"),
            max_network_retries=int(config.get("STRIPE_MAX_NETWORK_RETRIES", 2)),
        )
    raise ValueError(f"unknown payout provider {name!r} (simulated or stripe)")
