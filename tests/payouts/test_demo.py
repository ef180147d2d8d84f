"""`flask demo seed` gives Cleo a settled balance earned through real orders, shows other
creators' withdrawals in each state, adds a second finance officer; and the demo walk-through
(connect, withdraw $100, approve, paid) leaves the books exact."""

from __future__ import annotations

from sqlalchemy import func, select

from affiliate.payouts import payout_accounts, services
from affiliate.payouts.models import Withdrawal
from affiliate.payouts.providers import BankDetails
from affiliate.payouts.queries import reports, withdrawals
from affiliate.payouts.queries import wallet as wallet_queries
from core.accounts.models import Role
from core.accounts.services import find_by_email
from core.extensions import db
from core.ledger.checks import check_ledger
from core.ledger.models import (
    AccountKind,
    EntryKind,
    LedgerAccount,
    LedgerEntry,
    LedgerPosting,
)
from tests.payouts.helpers import token


def _seed(app) -> str:
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    return result.output


def _available_entries(kind: str, currency: str) -> int:
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerPosting.amount), 0))
        .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .where(
            LedgerEntry.kind == kind,
            LedgerAccount.kind == AccountKind.CREATOR_AVAILABLE.value,
            LedgerAccount.currency == currency,
        )
    )
    return int(total)


def _books_add_up(currency: str = "USD") -> None:
    """Creators' available and held + paid out + fee revenue == commissions settled − clawed,
    in each currency on its own."""
    settled = -_available_entries(EntryKind.COMMISSION_SETTLED, currency)
    clawed = _available_entries(EntryKind.COMMISSION_CLAWED_BACK, currency)
    creators = db.session.scalar(
        select(func.coalesce(func.sum(LedgerAccount.cached_balance), 0)).where(
            LedgerAccount.kind.in_(
                [AccountKind.CREATOR_AVAILABLE.value, AccountKind.CREATOR_HELD.value]
            ),
            LedgerAccount.currency == currency,
        )
    )
    totals = reports.totals(currency)
    assert settled > 0
    assert creators + totals.paid_out + totals.fees == settled - clawed
    assert check_ledger().ok


def test_demo_seed_then_the_walk_through_keeps_the_books_exact(app, app_ctx):
    output = _seed(app)
    assert "demo payouts ready" in output

    cleo = find_by_email("creator@example.com")
    wallet = wallet_queries.wallet(cleo.id)
    assert wallet.available >= 12_000
    assert wallet.account is None  # connecting it is the walk-through's first step
    statuses = set(db.session.scalars(select(Withdrawal.status)))
    assert statuses == {"paid", "requested", "rejected", "failed"}
    second = find_by_email("finance2@example.com")
    assert second is not None
    assert second.has_role(Role.FINANCE)
    _books_add_up()

    counts = (db.session.scalar(select(func.count(Withdrawal.id))), wallet.available)
    db.session.rollback()
    _seed(app)
    assert (
        db.session.scalar(select(func.count(Withdrawal.id))),
        wallet_queries.wallet(cleo.id).available,
    ) == counts

    # The walk-through: Cleo connects the simulated account and withdraws $100.00; the demo
    # officer approves; the job (in-process) pays $98.00 and books $2.00 of fees.
    payout_accounts.connect_payout_account(
        cleo.id, bank=BankDetails("Cleo Creator", "110000000", "000123456789")
    )
    db.session.commit()
    w = services.request_withdrawal(cleo.id, 10_000, request_token=token())
    db.session.commit()
    assert (w.fee, w.net) == (200, 9_800)
    fees_before = reports.totals().fees
    services.approve(w.id, find_by_email("finance@example.com"))
    db.session.commit()

    db.session.expire_all()
    assert db.session.get(Withdrawal, w.id).status == "paid"
    assert reports.totals().fees == fees_before + 200
    assert [e.action for e in withdrawals.timeline(w.id)] == [
        "withdrawal_requested",
        "withdrawal_approved",
        "withdrawal_processing",
        "withdrawal_paid",
    ]
    _books_add_up()


def test_demo_cleo_earns_in_euros_too_and_withdraws_them_on_their_own(app, app_ctx):
    output = _seed(app)
    assert "demo euro store ready" in output

    cleo = find_by_email("creator@example.com")
    assert wallet_queries.wallet_currencies(cleo.id) == ["USD", "EUR"]
    euros = wallet_queries.wallet(cleo.id, "EUR")
    assert euros.available >= 5_000
    _books_add_up("EUR")

    payout_accounts.connect_payout_account(
        cleo.id, bank=BankDetails("Cleo Creator", "110000000", "000123456789")
    )
    db.session.commit()
    dollars_before = wallet_queries.wallet(cleo.id, "USD").available
    w = services.request_withdrawal(cleo.id, 2_000, request_token=token(), currency="EUR")
    db.session.commit()
    assert (w.currency, w.fee, w.net) == ("EUR", 40, 1_960)
    services.approve(w.id, find_by_email("finance@example.com"))
    db.session.commit()

    db.session.expire_all()
    assert db.session.get(Withdrawal, w.id).status == "paid"
    assert reports.totals("EUR").fees == 40
    assert wallet_queries.wallet(cleo.id, "USD").available == dollars_before
    _books_add_up("EUR")
    _books_add_up("USD")
