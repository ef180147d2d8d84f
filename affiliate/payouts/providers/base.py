"""The payout provider interface: what the payouts services and jobs need of a provider, what
it answers, and the two kinds of error the payout job acts on.

The protocol that the payout job relies on:

- ``transfer(...)`` with the same ``idempotency_key`` never pays twice: a repeat (a retry, a
  duplicated job, a rerun after a crash) answers with the transfer already made;
- ``find_transfer(key)`` answers whether a transfer was made under that key (the recovery job
  asks it about withdrawals whose worker died mid-payout);
- ``TransientPayoutError`` means "not now": the transfer may or may not exist, so the job
  retries with the same key and never returns the money on this error alone;
- ``PermanentPayoutError`` means the provider refused and made no transfer: the withdrawal
  fails and its money goes back to the creator's available balance.

These errors are the provider's answers, not refusals shown to people: the services translate
them into ``PayoutError``s (``ProviderUnavailable``, ``InvalidDestination``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from affiliate.payouts.models import PayoutAccountStatus


class PayoutProviderError(Exception):
    """A provider did not do what was asked."""


class TransientPayoutError(PayoutProviderError):
    """Try again later with the same key: the provider was unreachable or busy."""


class PermanentPayoutError(PayoutProviderError):
    """The provider refused and made no transfer; retrying the same request will not help."""


@dataclass(frozen=True)
class BankDetails:
    """A bank-like destination for the simulated provider (digits only; never stored whole)."""

    holder_name: str
    routing_number: str
    account_number: str

    def problems(self) -> list[str]:
        found = []
        if not 2 <= len(self.holder_name.strip()) <= 80:
            found.append("The account holder's name needs 2 to 80 characters.")
        if not re.fullmatch(r"\d{9}", self.routing_number.strip()):
            found.append("The routing number is 9 digits.")
        if not re.fullmatch(r"\d{4,17}", self.account_number.strip()):
            found.append("The account number is 4 to 17 digits.")
        return found

    @property
    def last4(self) -> str:
        return self.account_number.strip()[-4:]


@dataclass(frozen=True)
class ProviderAccount:
    """A payout destination as the provider knows it."""

    external_id: str
    status: PayoutAccountStatus
    display: str


@dataclass(frozen=True)
class TransferResult:
    """A transfer the provider made (or had made under the same key)."""

    reference: str
    amount: int
    currency: str
    destination: str


class PayoutProvider(Protocol):
    """What the payouts services and jobs need of a provider (see the module's docstring)."""

    name: str
    label: str
    simulated: bool

    def create_account(
        self, *, creator_id: int, email: str, bank: BankDetails | None = None
    ) -> ProviderAccount:
        """Create the creator's destination at the provider."""
        ...

    def onboarding_link(self, external_id: str, *, refresh_url: str, return_url: str) -> str | None:
        """Where the creator finishes setting the account up (None: nothing to finish)."""
        ...

    def account_status(self, external_id: str) -> PayoutAccountStatus:
        """Ask the provider whether it accepts transfers to this account now."""
        ...

    def transfer(
        self,
        *,
        amount: int,
        currency: str,
        destination: str,
        idempotency_key: str,
        description: str = "",
    ) -> TransferResult:
        """Pay ``amount`` minor units to ``destination``, at most once per ``idempotency_key``."""
        ...

    def find_transfer(self, idempotency_key: str) -> TransferResult | None:
        """The transfer made under ``idempotency_key``, or None if there is none."""
        ...
