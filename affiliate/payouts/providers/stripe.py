"""Stripe Connect payouts through the real ``stripe`` SDK: Express accounts for creators,
onboarding links, transfers from the platform's balance (tests point the SDK at a local stub).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal

import stripe

from affiliate.payouts.models import PayoutAccountStatus
from affiliate.payouts.providers.base import (
    BankDetails,
    PermanentPayoutError,
    ProviderAccount,
    TransferResult,
    TransientPayoutError,
)

log = logging.getLogger(__name__)

# "Not now": the request may not have reached Stripe, or Stripe may have acted on it. An
# idempotency error (the key is in use by a request still running, or was used with other
# parameters) is never a refusal: a transfer may exist under that key.
_STRIPE_TRANSIENT = (
    stripe.APIConnectionError,
    stripe.RateLimitError,
    stripe.APIError,
    stripe.IdempotencyError,
    stripe.AuthenticationError,  # our configuration, not the creator's account: fix, retry
    stripe.PermissionError,
)
# "No": a declined transfer (insufficient platform funds, a closed account) or a request that
# Stripe refused as invalid (an unknown destination, a bad amount) made no transfer.
_STRIPE_PERMANENT = (stripe.CardError, stripe.InvalidRequestError)


def status_from_stripe_account(account: Mapping[str, Any]) -> PayoutAccountStatus:
    """Read a Connect account (an API object or an ``account.updated`` payload) as a status."""
    requirements = account.get("requirements") or {}
    if requirements.get("disabled_reason"):
        return PayoutAccountStatus.RESTRICTED
    transfers = (account.get("capabilities") or {}).get("transfers")
    if (
        account.get("payouts_enabled")
        and account.get("details_submitted") is not False
        and transfers in (None, "active")
    ):
        return PayoutAccountStatus.READY
    return PayoutAccountStatus.PENDING


class StripePayoutProvider:
    """Stripe Connect: Express accounts for creators, transfers from the platform's balance.

    Every transfer carries the withdrawal attempt's idempotency key both as Stripe's
    ``Idempotency-Key`` and as its ``transfer_group`` (with the key in its metadata), so that
    ``find_transfer`` can list it after the 24 hours that Stripe remembers keys for.
    """

    name = "stripe"
    label = "Stripe Connect"
    simulated = False

    def __init__(
        self, *, secret_key: str, api_base: str | None = None, max_network_retries: int = 2
    ) -> None:
        self.secret_key = secret_key
        self.api_base = api_base
        self.max_network_retries = max_network_retries

    def _client(self) -> stripe.StripeClient:
        if not self.secret_key:
            raise TransientPayoutError("Stripe payouts are not set up (STRIPE_SECRET_KEY).")
        return stripe.StripeClient(
            self.secret_key,
            base_addresses={"api": self.api_base} if self.api_base else None,
            max_network_retries=self.max_network_retries,
        )

    def create_account(
        self, *, creator_id: int, email: str, bank: BankDetails | None = None
    ) -> ProviderAccount:
        with _stripe_errors("create a Connect account"):
            account = self._client().v1.accounts.create(
                {
                    "type": "express",
                    "email": email,
                    "capabilities": {"transfers": {"requested": True}},
                    "metadata": {"creator_id": str(creator_id)},
                },
                {"idempotency_key": f"payout-account-{creator_id}"},
            )
        data = account.to_dict()
        return ProviderAccount(
            external_id=str(data["id"]),
            status=status_from_stripe_account(data),
            display=f"Stripe Express account …{str(data['id'])[-6:]}",
        )

    def onboarding_link(self, external_id: str, *, refresh_url: str, return_url: str) -> str | None:
        with _stripe_errors("create an onboarding link"):
            link = self._client().v1.account_links.create(
                {
                    "account": external_id,
                    "refresh_url": refresh_url,
                    "return_url": return_url,
                    "type": "account_onboarding",
                }
            )
        return str(link.url)

    def account_status(self, external_id: str) -> PayoutAccountStatus:
        with _stripe_errors("read a Connect account"):
            account = self._client().v1.accounts.retrieve(external_id)
        return status_from_stripe_account(account.to_dict())

    def transfer(
        self,
        *,
        amount: int,
        currency: str,
        destination: str,
        idempotency_key: str,
        description: str = "",
    ) -> TransferResult:
        params: dict[str, Any] = {
            "amount": amount,
            "currency": currency.lower(),
            "destination": destination,
            "transfer_group": idempotency_key,
            "metadata": {"idempotency_key": idempotency_key},
        }
        if description:
            params["description"] = description
        with _stripe_errors("make a transfer"):
            transfer = self._client().v1.transfers.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        return _stripe_result(transfer.to_dict())

    def find_transfer(self, idempotency_key: str) -> TransferResult | None:
        with _stripe_errors("list transfers"):
            page = self._client().v1.transfers.list(
                {"transfer_group": idempotency_key, "limit": 10}
            )
        for transfer in page.to_dict().get("data", []):
            metadata = transfer.get("metadata") or {}
            ours = transfer.get("transfer_group") == idempotency_key or (
                metadata.get("idempotency_key") == idempotency_key
            )
            if ours and not transfer.get("reversed"):
                return _stripe_result(transfer)
        return None


def _stripe_result(transfer: Mapping[str, Any]) -> TransferResult:
    return TransferResult(
        reference=str(transfer["id"]),
        amount=int(transfer["amount"]),
        currency=str(transfer["currency"]).upper(),
        destination=str(transfer.get("destination") or ""),
    )


class _stripe_errors:  # noqa: N801 - used as a context manager, like contextlib's
    """Translate the SDK's errors into the two kinds the payout job acts on."""

    def __init__(self, doing: str) -> None:
        self.doing = doing

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _tb: Any
    ) -> Literal[False]:
        if error is None or not isinstance(error, stripe.StripeError):
            return False
        message = f"Stripe could not {self.doing}: {error.user_message or error}"
        if isinstance(error, _STRIPE_PERMANENT):
            log.warning("%s (permanent)", message)
            raise PermanentPayoutError(message) from error
        if isinstance(error, _STRIPE_TRANSIENT) or (error.http_status or 500) >= 500:
            log.warning("%s (transient)", message)
            raise TransientPayoutError(message) from error
        log.warning("%s (treated as transient)", message)
        raise TransientPayoutError(message) from error
