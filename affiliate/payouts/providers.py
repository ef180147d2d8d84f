"""Payout providers: where the money goes when a withdrawal is paid.

The protocol that the payout job relies on:

- ``transfer(...)`` with the same ``idempotency_key`` never pays twice: a repeat (a retry, a
  duplicated job, a rerun after a crash) answers with the transfer already made;
- ``find_transfer(key)`` answers whether a transfer was made under that key (the recovery job
  asks it about withdrawals whose worker died mid-payout);
- ``TransientPayoutError`` means "not now": the transfer may or may not exist, so the job
  retries with the same key and never returns the money on this error alone;
- ``PermanentPayoutError`` means the provider refused and made no transfer: the withdrawal
  fails and its money goes back to the creator's available balance.

Two providers: the built-in **simulated** one (the default; no money moves anywhere; it keeps
its books in its own table, written in a transaction of its own as a real provider's would
be), and **Stripe** Connect (Express accounts, onboarding links, transfers) through the real
``stripe`` SDK.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import stripe
from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from affiliate.payouts.models import PayoutAccountStatus, SimulatedTransfer
from core.extensions import db
from core.types import utcnow

log = logging.getLogger(__name__)


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


# ---------------------------------------------------------------------------- simulated

#: Deterministic outcomes of the simulated provider, by the destination's last four digits,
#: for demos and tests. Any other destination is paid at once.
SIMULATED_DECLINES = "0002"  # declined permanently ("account closed")
SIMULATED_FLAKY = "0003"  # unreachable on the first call for a key, paid on the next
SIMULATED_DOWN = "0004"  # unreachable on every call


class SimulatedPayoutProvider:
    """The built-in stand-in: **simulated payouts, no money moves anywhere.**

    Its books (``simulated_transfer``, one row per idempotency key) are written on a
    connection of their own and committed at once, like a real provider's: a payout job that
    crashes after the call still finds the transfer made, in any process.
    """

    name = "simulated"
    label = "Simulated payouts (no real transfers)"
    simulated = True

    def create_account(
        self, *, creator_id: int, email: str, bank: BankDetails | None = None
    ) -> ProviderAccount:
        if bank is None:
            raise PermanentPayoutError("The simulated provider needs a bank-like destination.")
        problems = bank.problems()
        if problems:
            raise PermanentPayoutError(" ".join(problems))
        return ProviderAccount(
            external_id=f"sim_acct_{creator_id}_{secrets.token_hex(4)}_{bank.last4}",
            status=PayoutAccountStatus.READY,
            display=f"Simulated bank •••• {bank.last4} ({bank.holder_name.strip()})",
        )

    def onboarding_link(self, external_id: str, *, refresh_url: str, return_url: str) -> str | None:
        return None

    def account_status(self, external_id: str) -> PayoutAccountStatus:
        if external_id.startswith("sim_acct_"):
            return PayoutAccountStatus.READY
        return PayoutAccountStatus.RESTRICTED

    def transfer(
        self,
        *,
        amount: int,
        currency: str,
        destination: str,
        idempotency_key: str,
        description: str = "",
    ) -> TransferResult:
        outcome, row = self._record_call(amount, currency.upper(), destination, idempotency_key)
        if outcome == "paid":
            return _result_of(row)
        if outcome == "declined":
            raise PermanentPayoutError("The simulated bank declined: the account is closed.")
        if outcome == "mismatch":
            # Never "permanent": a transfer exists under this key, so no money may go back.
            raise TransientPayoutError("This idempotency key was used with other parameters.")
        raise TransientPayoutError("The simulated bank is not answering (simulated outage).")

    def find_transfer(self, idempotency_key: str) -> TransferResult | None:
        table = SimulatedTransfer.__table__
        if db.engine.dialect.name == "sqlite":
            return _sqlite_find(idempotency_key)
        with db.engine.connect() as connection:
            row = connection.execute(
                select(table).where(
                    table.c.idempotency_key == idempotency_key, table.c.status == "paid"
                )
            ).first()
        return _result_of(row) if row is not None else None

    def _record_call(
        self, amount: int, currency: str, destination: str, key: str
    ) -> tuple[str, Any]:
        """Record this call in the provider's own transaction; return its outcome and row."""
        table = SimulatedTransfer.__table__
        now = utcnow()
        with db.engine.begin() as connection:
            created = _insert_if_absent(
                connection,
                {
                    "idempotency_key": key,
                    "reference": f"sim_tr_{secrets.token_hex(8)}",
                    "destination": destination,
                    "amount": amount,
                    "currency": currency,
                    "status": _first_outcome(destination),
                    "calls": 1,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            row = connection.execute(
                select(table).where(table.c.idempotency_key == key).with_for_update()
            ).one()
            if (row.amount, row.currency, row.destination) != (amount, currency, destination):
                return "mismatch", row
            if not created:
                status = row.status
                if status == "pending" and destination.endswith(SIMULATED_FLAKY):
                    status = "paid"
                connection.execute(
                    update(table)
                    .where(table.c.id == row.id)
                    .values(calls=table.c.calls + 1, status=status, updated_at=now)
                )
                row = connection.execute(select(table).where(table.c.id == row.id)).one()
        return ("unavailable" if row.status == "pending" else row.status), row


def _sqlite_find(key: str) -> TransferResult | None:
    """Read the provider's books on SQLite without a transaction of our own.

    The app's SQLite transactions begin IMMEDIATE (they take the write lock at once), so a
    second connection beginning one would wait for a caller that holds a transaction (a
    finance officer's request). A plain read in autocommit sees the last committed rows
    (WAL) and takes no lock, as a real provider's answer would not depend on our database.
    """
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(
            "SELECT reference, amount, currency, destination FROM simulated_transfer "
            "WHERE idempotency_key = ? AND status = 'paid'",
            (key,),
        )
        row = cursor.fetchone()
        cursor.close()
    finally:
        raw.close()
    if row is None:
        return None
    return TransferResult(reference=row[0], amount=row[1], currency=row[2], destination=row[3])


def _first_outcome(destination: str) -> str:
    if destination.endswith(SIMULATED_DECLINES):
        return "declined"
    if destination.endswith((SIMULATED_FLAKY, SIMULATED_DOWN)):
        return "pending"
    return "paid"


def _insert_if_absent(connection: Connection, values: dict[str, Any]) -> bool:
    """Insert the row unless its idempotency key exists (atomic on both databases)."""
    table = SimulatedTransfer.__table__
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.id)
    )
    return connection.execute(statement).first() is not None


def _result_of(row: Any) -> TransferResult:
    return TransferResult(
        reference=row.reference,
        amount=row.amount,
        currency=row.currency,
        destination=row.destination,
    )


# ---------------------------------------------------------------------------- Stripe

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
    ) -> bool:
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


# ---------------------------------------------------------------------------- choosing one


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
