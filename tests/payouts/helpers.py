"""Helpers for the payout tests: creators with money and a payout account, officers, and a
way to run the payout job by hand."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from affiliate.payouts import payout_accounts, tax
from affiliate.payouts.models import PayoutAccount, SimulatedTransfer, Withdrawal
from affiliate.payouts.providers import BankDetails
from core.accounts.models import Role, User
from core.extensions import db
from core.ledger.models import AccountKind, EntryKind
from core.ledger.services import (
    Cause,
    account_for,
    credit,
    debit,
    owner_balances,
    platform_balances,
    post_entry,
)
from tests.factories import make_user

USD = "USD"


def token() -> str:
    return secrets.token_urlsafe(24)


def make_creator(
    *, balance: int = 0, last4: str | None = "6789", roles=(), tax_details: bool = True
) -> User:
    """A creator with ``balance`` available, (unless ``last4`` is None) a ready simulated
    payout account whose number ends in ``last4``, and (unless told not to) tax details on
    file, so that no withdrawal waits for them."""
    creator = make_user(Role.CREATOR, *roles)
    if last4 is not None:
        connect(creator, last4)
    if tax_details:
        give_tax_details(creator)
    if balance:
        fund(creator.id, balance)
    return creator


def give_tax_details(creator: User) -> None:
    tax.save_tax_details(
        creator.id,
        tax.TaxDetails(
            legal_name="Cleo Creator",
            tax_id_kind="ssn",
            tax_id="123-45-6789",
            country="US",
            signature="Cleo Creator",
            certified=True,
        ),
    )
    db.session.commit()


def connect(creator: User, last4: str = "6789") -> PayoutAccount:
    account = payout_accounts.connect_payout_account(
        creator.id, bank=BankDetails("Cleo Creator", "110000000", f"0001234{last4}")
    )
    db.session.commit()
    return account


_funding = iter(range(1, 10**9))


def fund(creator_id: int, amount: int, kind: str = "test_funding", *, currency: str = USD) -> None:
    """Credit the creator's available balance from platform cash (a balanced entry)."""
    cash = account_for(AccountKind.PLATFORM_CASH, currency=currency)
    available = account_for(AccountKind.CREATOR_AVAILABLE, currency=currency, owner_id=creator_id)
    post_entry(
        kind, Cause("test", next(_funding)), [debit(cash, amount), credit(available, amount)]
    )
    db.session.commit()


def claw_back(creator_id: int, amount: int) -> None:
    """A clawback as the commissions service posts it: available → the platform."""
    cash = account_for(AccountKind.PLATFORM_CASH, currency=USD)
    available = account_for(AccountKind.CREATOR_AVAILABLE, currency=USD, owner_id=creator_id)
    post_entry(
        EntryKind.COMMISSION_CLAWED_BACK,
        Cause("test", next(_funding)),
        [debit(available, amount), credit(cash, amount)],
    )
    db.session.commit()


def officer(*extra: Role) -> User:
    return make_user(Role.FINANCE, *extra)


def balances(creator_id: int, currency: str = USD) -> dict[str, int]:
    mine = owner_balances(creator_id, currency)
    platform = platform_balances(currency)
    return {
        "available": mine.get(AccountKind.CREATOR_AVAILABLE, 0),
        "held": mine.get(AccountKind.CREATOR_HELD, 0),
        "clearing": platform[AccountKind.PLATFORM_PAYOUTS_CLEARING],
        "fees": platform[AccountKind.PLATFORM_FEE_REVENUE],
    }


def reload(withdrawal_id: int) -> Withdrawal:
    db.session.expire_all()
    w = db.session.get(Withdrawal, withdrawal_id)
    assert w is not None
    return w


def transfers(key: str | None = None) -> list[SimulatedTransfer]:
    query = select(SimulatedTransfer).order_by(SimulatedTransfer.id)
    if key is not None:
        query = query.where(SimulatedTransfer.idempotency_key == key)
    db.session.expire_all()
    return list(db.session.scalars(query))


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def run_payout(withdrawal_id: int) -> str:
    """Run the payout job as a worker would: the test's own transaction ends first (on
    SQLite an open one holds the write lock that the job needs)."""
    from affiliate.payouts.jobs import process_withdrawal

    db.session.commit()
    return process_withdrawal(withdrawal_id)


@dataclass
class Enqueued:
    """Jobs that would have been enqueued (recorded, not run)."""

    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)

    def of(self, func_path: str) -> list[tuple[Any, ...]]:
        return [args for path, args, _ in self.calls if path == func_path]
