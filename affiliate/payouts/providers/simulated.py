"""The built-in simulated payout provider (the default): **no money moves anywhere.**

It keeps its books in its own table (``simulated_transfer``), written in a transaction of its
own as a real provider's would be, so that a payout job that crashes after the call still finds
the transfer made, in any process.
"""

from __future__ import annotations

import secrets
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from affiliate.payouts.models import PayoutAccountStatus, SimulatedTransfer
from affiliate.payouts.providers.base import (
    BankDetails,
    PermanentPayoutError,
    ProviderAccount,
    TransferResult,
    TransientPayoutError,
)
from core.extensions import db
from core.types import utcnow

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
        table = cast(Table, SimulatedTransfer.__table__)
        now = utcnow()
        values = {
            "idempotency_key": key,
            "reference": f"sim_tr_{secrets.token_hex(8)}",
            "destination": destination,
            "amount": amount,
            "currency": currency,
            "status": _first_outcome(destination),
            "calls": 1,
            "created_at": now,
            "updated_at": now,
        }
        if db.engine.dialect.name == "postgresql":
            # A new key (nearly every call) is one statement, atomic on its own: run it in
            # autocommit, without BEGIN and COMMIT (two round trips fewer).
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
                inserted = _insert_if_absent(auto, values)
            if inserted is not None:
                return _outcome_of(inserted), inserted
        with db.engine.begin() as connection:
            inserted = _insert_if_absent(connection, values)
            if inserted is not None:  # a new key: the row is this call's, locked by its insert
                row = inserted
            else:
                row = connection.execute(
                    select(table).where(table.c.idempotency_key == key).with_for_update()
                ).one()
                if (row.amount, row.currency, row.destination) != (amount, currency, destination):
                    return "mismatch", row
                status = row.status
                if status == "pending" and destination.endswith(SIMULATED_FLAKY):
                    status = "paid"
                row = connection.execute(
                    update(table)
                    .where(table.c.id == row.id)
                    .values(calls=table.c.calls + 1, status=status, updated_at=now)
                    .returning(*table.c)
                ).one()
        return _outcome_of(row), row


def _outcome_of(row: Any) -> str:
    return "unavailable" if row.status == "pending" else str(row.status)


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


def _insert_if_absent(connection: Connection, values: dict[str, Any]) -> Any:
    """Insert the row unless its idempotency key exists (atomic on both databases); return
    the new row, or None if the key was there."""
    table = SimulatedTransfer.__table__
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(*table.c)
    )
    return connection.execute(statement).first()


def _result_of(row: Any) -> TransferResult:
    return TransferResult(
        reference=row.reference,
        amount=row.amount,
        currency=row.currency,
        destination=row.destination,
    )
