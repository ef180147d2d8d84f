"""What the creator's wallet pages read: balances (from the ledger), the history of entries
that touched them, the creator's withdrawals, and the token lookup that tells a resubmitted
withdrawal form from a new one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select

from affiliate.payouts import tax
from affiliate.payouts.models import PayoutAccount, Withdrawal, WithdrawalStatus
from affiliate.payouts.payout_accounts import cooling_down_until
from affiliate.payouts.queries import clamp_per_page
from affiliate.payouts.rules import default_currency, fee_bps, min_amount, tax_details_threshold
from core.extensions import db
from core.ledger.models import AccountKind, EntryKind, LedgerAccount, LedgerEntry, LedgerPosting
from core.ledger.services import owner_balances
from core.money import format_rate, to_decimal
from core.types import utcnow
from core.web.pagination import Page

W = WithdrawalStatus


@dataclass(frozen=True)
class Wallet:
    """A creator's balances (from the ledger) and what they need to withdraw."""

    currency: str
    pending: int
    available: int
    held: int
    paid_out: int  # the net of every paid withdrawal
    fees_paid: int
    min_amount: int
    fee_bps: int
    account: PayoutAccount | None
    cooldown_until: datetime | None = None  # a changed payout account: withdrawals wait
    tax_details_on_file: bool = False
    year_payouts: int = 0  # this calendar year's withdrawals that count toward the threshold
    tax_threshold: int = 0

    @property
    def can_withdraw(self) -> bool:
        ready = self.account is not None and self.account.is_ready
        return ready and self.cooldown_until is None and self.available >= self.min_amount

    @property
    def tax_room(self) -> int | None:
        """How much more can be withdrawn this year before tax details are needed (None: on
        file, so no limit)."""
        if self.tax_details_on_file:
            return None
        return max(self.tax_threshold - self.year_payouts, 0)

    @property
    def withdrawable(self) -> int:
        """The most that could be withdrawn now: the available balance, never below zero."""
        return max(self.available, 0)

    @property
    def fee_rate(self) -> str:
        """The fee rate for people ("2%")."""
        return format_rate(self.fee_bps)

    @property
    def min_amount_plain(self) -> str:
        """The minimum as typed into the amount field ("10.00"): the form's placeholder."""
        return str(to_decimal(self.min_amount, self.currency))


def wallet_currencies(creator_id: int) -> list[str]:
    """The currencies the creator has money in (each its own wallet, withdrawn separately),
    the platform's default first even when empty, then the others in alphabetical order."""
    held = db.session.scalars(
        select(LedgerAccount.currency).distinct().where(LedgerAccount.owner_id == creator_id)
    ).all()
    default = default_currency().upper()
    return [default, *sorted(set(held) - {default})]


def wallet(creator_id: int, currency: str | None = None) -> Wallet:
    """The creator's wallet: pending, available, held, paid out (three queries)."""
    currency = (currency or default_currency()).upper()
    balances = owner_balances(creator_id, currency)
    paid_net, paid_fees = db.session.execute(
        select(
            func.coalesce(func.sum(Withdrawal.net), 0), func.coalesce(func.sum(Withdrawal.fee), 0)
        ).where(
            Withdrawal.creator_id == creator_id,
            Withdrawal.currency == currency,
            Withdrawal.status == W.PAID.value,
        )
    ).one()
    account = db.session.scalar(select(PayoutAccount).where(PayoutAccount.creator_id == creator_id))
    on_file = tax.tax_profile_of(creator_id) is not None
    return Wallet(
        currency=currency,
        pending=balances.get(AccountKind.CREATOR_PENDING, 0),
        available=balances.get(AccountKind.CREATOR_AVAILABLE, 0),
        held=balances.get(AccountKind.CREATOR_HELD, 0),
        paid_out=int(paid_net),
        fees_paid=int(paid_fees),
        min_amount=min_amount(currency),
        fee_bps=fee_bps(),
        account=account,
        cooldown_until=cooling_down_until(account),
        tax_details_on_file=on_file,
        year_payouts=0 if on_file else tax.year_payouts(creator_id, currency, utcnow().year),
        tax_threshold=tax_details_threshold(currency),
    )


#: How the wallet names each kind of ledger entry.
ENTRY_LABELS: dict[str, str] = {
    EntryKind.COMMISSION_EARNED: "Commission earned (pending)",
    EntryKind.COMMISSION_SETTLED: "Commission settled",
    EntryKind.COMMISSION_REVERSED: "Commission reversed",
    EntryKind.COMMISSION_CLAWED_BACK: "Clawback",
    EntryKind.COMMISSION_RESTORED: "Commission restored (dispute upheld)",
    EntryKind.WITHDRAWAL_HOLD: "Withdrawal held",
    EntryKind.WITHDRAWAL_PAID: "Withdrawal paid",
    EntryKind.WITHDRAWAL_RETURNED: "Withdrawal returned",
    EntryKind.FLAT_FEE_PAID: "Flat fee earned (pending)",
    EntryKind.FLAT_FEE_SETTLED: "Flat fee settled",
}


@dataclass(frozen=True)
class WalletLine:
    """One ledger entry as the creator sees it: how each of their balances changed."""

    entry_id: int
    at: datetime
    kind: str
    memo: str | None
    pending: int
    available: int
    held: int

    @property
    def label(self) -> str:
        return ENTRY_LABELS.get(self.kind, self.kind.replace("_", " ").capitalize())


def wallet_history(
    creator_id: int, *, currency: str | None = None, page: int = 1, per_page: int = 20
) -> Page[WalletLine]:
    """The entries that touched the creator's balances, newest first (two queries)."""
    currency = (currency or default_currency()).upper()
    per_page = clamp_per_page(per_page)

    def change(kind: AccountKind) -> ColumnElement[int]:
        # Balances read on their normal side: a creator account is credit-normal.
        signed = case((LedgerAccount.kind == kind.value, -LedgerPosting.amount), else_=0)
        return func.coalesce(func.sum(signed), 0)

    mine = (
        select(LedgerPosting.entry_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .where(LedgerAccount.owner_id == creator_id, LedgerAccount.currency == currency)
        .subquery()
    )
    total = db.session.scalar(select(func.count(func.distinct(mine.c.entry_id))))
    rows = db.session.execute(
        select(
            LedgerEntry.id,
            LedgerEntry.created_at,
            LedgerEntry.kind,
            LedgerEntry.memo,
            change(AccountKind.CREATOR_PENDING),
            change(AccountKind.CREATOR_AVAILABLE),
            change(AccountKind.CREATOR_HELD),
        )
        .join(LedgerPosting, LedgerPosting.entry_id == LedgerEntry.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .where(LedgerAccount.owner_id == creator_id, LedgerAccount.currency == currency)
        .group_by(LedgerEntry.id, LedgerEntry.created_at, LedgerEntry.kind, LedgerEntry.memo)
        .order_by(LedgerEntry.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    items = [WalletLine(*row) for row in rows]
    return Page(items=items, page=page, per_page=per_page, total=total or 0)


def withdrawals_of(
    creator_id: int, *, page: int = 1, per_page: int = 20, status: str | None = None
) -> Page[Withdrawal]:
    """The creator's withdrawals, newest first (two queries, plus one for approvals)."""
    per_page = clamp_per_page(per_page)
    query = select(Withdrawal).where(Withdrawal.creator_id == creator_id)
    if status:
        query = query.where(Withdrawal.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.order_by(Withdrawal.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total or 0)


def withdrawal_id_for_token(request_token: str) -> int | None:
    """The withdrawal that a form's one-time token already made, if any (one query)."""
    if not request_token:
        return None
    return db.session.scalar(
        select(Withdrawal.id).where(Withdrawal.request_token == request_token[:64])
    )
