"""Read-only queries for the wallet and the Finance centre.

Every list is paginated and issues a constant number of statements whatever the page size
(the creators' histories and risk flags of a page of the review queue are two grouped
queries over the page's creators, not one per row). Balances come from the ledger.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import contains_eager, lazyload

from affiliate.payouts import services
from affiliate.payouts.exceptions import NotAllowed, WithdrawalNotFound
from affiliate.payouts.models import PayoutAccount, Withdrawal, WithdrawalStatus
from affiliate.payouts.transitions import HOLD, PAID, RETURNED, SUBJECT
from core.accounts.models import User
from core.audit.models import AuditEvent
from core.extensions import db
from core.ledger.models import AccountKind, EntryKind, LedgerAccount, LedgerEntry, LedgerPosting
from core.ledger.services import owner_balances
from core.money import to_decimal
from core.types import utcnow
from core.web.pagination import Page

W = WithdrawalStatus
#: A withdrawal this many times the creator's average paid one is flagged.
FAR_ABOVE_FACTOR = 3
RECENT_CLAWBACK_DAYS = 30
MAX_PER_PAGE = 200

# ---------------------------------------------------------------------------- the wallet


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

    @property
    def can_withdraw(self) -> bool:
        ready = self.account is not None and self.account.is_ready
        return ready and self.available >= self.min_amount


def wallet(creator_id: int, currency: str | None = None) -> Wallet:
    """The creator's wallet: pending, available, held, paid out (three queries)."""
    currency = (currency or services.default_currency()).upper()
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
    return Wallet(
        currency=currency,
        pending=balances.get(AccountKind.CREATOR_PENDING, 0),
        available=balances.get(AccountKind.CREATOR_AVAILABLE, 0),
        held=balances.get(AccountKind.CREATOR_HELD, 0),
        paid_out=int(paid_net),
        fees_paid=int(paid_fees),
        min_amount=services.min_amount(),
        fee_bps=services.fee_bps(),
        account=account,
    )


#: How the wallet names each kind of ledger entry.
ENTRY_LABELS = {
    "commission_earned": "Commission earned (pending)",
    EntryKind.COMMISSION_SETTLED: "Commission settled",
    "commission_reversed": "Commission reversed",
    EntryKind.COMMISSION_CLAWED_BACK: "Clawback",
    HOLD: "Withdrawal held",
    PAID: "Withdrawal paid",
    RETURNED: "Withdrawal returned",
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
    currency = (currency or services.default_currency()).upper()
    per_page = _per_page(per_page)

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


# ------------------------------------------------------------------------ a creator's withdrawals


def withdrawals_of(
    creator_id: int, *, page: int = 1, per_page: int = 20, status: str | None = None
) -> Page[Withdrawal]:
    """The creator's withdrawals, newest first (two queries, plus one for approvals)."""
    per_page = _per_page(per_page)
    query = select(Withdrawal).where(Withdrawal.creator_id == creator_id)
    if status:
        query = query.where(Withdrawal.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.order_by(Withdrawal.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total or 0)


def withdrawal_for_creator(creator_id: int, withdrawal_id: int) -> Withdrawal:
    """The creator's own withdrawal: ``WithdrawalNotFound`` (404) or ``NotAllowed`` (403)."""
    w = get_withdrawal(withdrawal_id)
    if w.creator_id != creator_id:
        raise NotAllowed("This withdrawal is someone else's.")
    return w


def get_withdrawal(withdrawal_id: int) -> Withdrawal:
    """One withdrawal with its creator, or ``WithdrawalNotFound``."""
    if not isinstance(withdrawal_id, int) or not 0 < withdrawal_id < 2**63:
        raise WithdrawalNotFound(f"There is no withdrawal #{withdrawal_id}.")
    w = db.session.scalar(
        select(Withdrawal)
        .join(User, User.id == Withdrawal.creator_id)
        .options(contains_eager(Withdrawal.creator))
        .where(Withdrawal.id == withdrawal_id)
    )
    if w is None:
        raise WithdrawalNotFound(f"There is no withdrawal #{withdrawal_id}.")
    return w


def timeline(withdrawal_id: int) -> list[AuditEvent]:
    """Every recorded change of a withdrawal, oldest first (who, when, from, to, why)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == SUBJECT, AuditEvent.subject_id == str(withdrawal_id))
            .order_by(AuditEvent.id)
        )
    )


# ---------------------------------------------------------------------------- the review queue


@dataclass(frozen=True)
class QueueFilter:
    """What the review queue shows; None means "any". Amounts in minor units."""

    status: str | None = W.REQUESTED.value
    min_amount: int | None = None
    max_amount: int | None = None
    creator: str | None = None  # an id, or part of an email or display name
    four_eyes: bool | None = None
    requested_from: datetime | None = None
    requested_to: datetime | None = None


SORTS: dict[str, tuple[ColumnElement, ...]] = {
    "oldest": (Withdrawal.requested_at.asc(), Withdrawal.id.asc()),
    "newest": (Withdrawal.requested_at.desc(), Withdrawal.id.desc()),
    "amount_desc": (Withdrawal.amount.desc(), Withdrawal.id.asc()),
    "amount_asc": (Withdrawal.amount.asc(), Withdrawal.id.asc()),
}
QueueSort = Literal["oldest", "newest", "amount_desc", "amount_asc"]


@dataclass(frozen=True)
class CreatorHistory:
    """What finance weighs a withdrawal against."""

    earned: int  # commissions settled into available, ever
    clawed_back: int  # taken back from available after settlement
    withdrawn: int  # the amounts of paid withdrawals
    paid_count: int
    last_clawback_at: datetime | None
    member_since: datetime

    @property
    def usual_amount(self) -> int | None:
        return self.withdrawn // self.paid_count if self.paid_count else None

    @property
    def account_age_days(self) -> int:
        return max((utcnow() - self.member_since).days, 0)


@dataclass(frozen=True)
class QueueRow:
    withdrawal: Withdrawal
    creator: User
    history: CreatorHistory
    flags: list[str] = field(default_factory=list)

    @property
    def approved_by(self) -> list[str]:
        return [a.officer.display_name for a in self.withdrawal.approvals]


def review_queue(
    filters: QueueFilter | None = None,
    *,
    sort: str = "oldest",
    page: int = 1,
    per_page: int = 25,
    now: datetime | None = None,
) -> Page[QueueRow]:
    """One page of withdrawals for finance, with each creator's history and risk flags.

    Five queries whatever the page size: the count, the page (with creators), its approvals
    (with their officers), and the creators' ledger and withdrawal figures.
    """
    filters = filters or QueueFilter()
    per_page = _per_page(per_page)
    query = _filtered(select(Withdrawal).join(User, User.id == Withdrawal.creator_id), filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    withdrawals = db.session.scalars(
        query.options(contains_eager(Withdrawal.creator))
        .order_by(*SORTS.get(sort, SORTS["oldest"]))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    histories = creator_histories(
        {w.creator_id for w in withdrawals},
        joined={w.creator_id: w.creator.created_at for w in withdrawals},
    )
    rows = [
        QueueRow(
            withdrawal=w,
            creator=w.creator,
            history=histories[w.creator_id],
            flags=risk_flags(w, histories[w.creator_id], now=now),
        )
        for w in withdrawals
    ]
    return Page(items=rows, page=page, per_page=per_page, total=total or 0)


def _filtered(query: Select, f: QueueFilter) -> Select:
    if f.status:
        query = query.where(Withdrawal.status == f.status)
    if f.min_amount is not None:
        query = query.where(Withdrawal.amount >= f.min_amount)
    if f.max_amount is not None:
        query = query.where(Withdrawal.amount <= f.max_amount)
    if f.four_eyes is not None:
        query = query.where(Withdrawal.needs_two_approvals.is_(f.four_eyes))
    if f.requested_from is not None:
        query = query.where(Withdrawal.requested_at >= f.requested_from)
    if f.requested_to is not None:
        query = query.where(Withdrawal.requested_at < f.requested_to)
    text = (f.creator or "").strip().lower()
    if text.isascii() and text.isdigit() and len(text) < 19:
        query = query.where(Withdrawal.creator_id == int(text))
    elif text:
        query = query.where(
            or_(
                func.lower(User.email).contains(text, autoescape=True),
                func.lower(User.display_name).contains(text, autoescape=True),
            )
        )
    return query


def creator_histories(
    creator_ids: set[int], *, joined: dict[int, datetime] | None = None
) -> dict[int, CreatorHistory]:
    """Each creator's earned, clawed back and withdrawn figures: two queries, and a third for
    when they joined unless ``joined`` (creator id → ``User.created_at``) already says."""
    if not creator_ids:
        return {}
    ids = sorted(creator_ids)
    ledger_rows = db.session.execute(
        select(
            LedgerAccount.owner_id,
            LedgerEntry.kind,
            func.sum(LedgerPosting.amount),
            func.max(LedgerEntry.created_at),
        )
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .where(
            LedgerAccount.owner_id.in_(ids),
            LedgerAccount.kind == AccountKind.CREATOR_AVAILABLE.value,
            LedgerEntry.kind.in_([EntryKind.COMMISSION_SETTLED, EntryKind.COMMISSION_CLAWED_BACK]),
        )
        .group_by(LedgerAccount.owner_id, LedgerEntry.kind)
    )
    earned: dict[int, int] = {}
    clawed: dict[int, tuple[int, datetime | None]] = {}
    for owner_id, kind, total, latest in ledger_rows:
        if kind == EntryKind.COMMISSION_SETTLED:
            earned[owner_id] = -int(total)  # credits to a credit-normal account
        else:
            clawed[owner_id] = (int(total), _aware(latest))
    paid = {
        creator_id: (int(total), int(count))
        for creator_id, total, count in db.session.execute(
            select(Withdrawal.creator_id, func.sum(Withdrawal.amount), func.count(Withdrawal.id))
            .where(Withdrawal.creator_id.in_(ids), Withdrawal.status == W.PAID.value)
            .group_by(Withdrawal.creator_id)
        )
    }
    if joined is None:
        joined = dict(
            db.session.execute(select(User.id, User.created_at).where(User.id.in_(ids))).all()
        )
    return {
        creator_id: CreatorHistory(
            earned=earned.get(creator_id, 0),
            clawed_back=clawed.get(creator_id, (0, None))[0],
            withdrawn=paid.get(creator_id, (0, 0))[0],
            paid_count=paid.get(creator_id, (0, 0))[1],
            last_clawback_at=clawed.get(creator_id, (0, None))[1],
            member_since=_aware(joined.get(creator_id)) or utcnow(),
        )
        for creator_id in ids
    }


def risk_flags(w: Withdrawal, history: CreatorHistory, *, now: datetime | None = None) -> list[str]:
    """Why finance might look twice: first withdrawal, far above usual, a recent clawback."""
    now = now or utcnow()
    paid_count, withdrawn = history.paid_count, history.withdrawn
    if w.status == W.PAID.value:  # weigh it against the others only
        paid_count, withdrawn = paid_count - 1, withdrawn - w.amount
    flags = []
    if paid_count <= 0:
        flags.append("first withdrawal")
    elif w.amount > FAR_ABOVE_FACTOR * (withdrawn // paid_count):
        flags.append(f"over {FAR_ABOVE_FACTOR}× their usual")
    recent = now - timedelta(days=RECENT_CLAWBACK_DAYS)
    if history.last_clawback_at is not None and history.last_clawback_at >= recent:
        flags.append(f"clawback in the last {RECENT_CLAWBACK_DAYS} days")
    return flags


def status_counts(currency: str | None = None) -> dict[str, int]:
    """How many withdrawals are in each state (one query), every state listed."""
    query = select(Withdrawal.status, func.count(Withdrawal.id)).group_by(Withdrawal.status)
    if currency:
        query = query.where(Withdrawal.currency == currency.upper())
    counts = {status.value: 0 for status in W}
    counts.update({status: int(n) for status, n in db.session.execute(query)})
    return counts


# ---------------------------------------------------------------------------- payout runs


@dataclass(frozen=True)
class RunProgress:
    """Where a payout run stands: counts by state of the withdrawals it covers."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return sum(self.counts.get(s.value, 0) for s in (W.PAID, W.FAILED, W.REJECTED))

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else self.done * 100 // self.total


def run_progress(*, since: datetime | None = None, ids: Sequence[int] | None = None) -> RunProgress:
    """Counts by state of the withdrawals approved since ``since`` and/or among ``ids`` (a
    bulk run's selection); one query."""
    query = select(Withdrawal.status, func.count(Withdrawal.id)).group_by(Withdrawal.status)
    if since is not None:
        query = query.where(Withdrawal.approved_at >= since)
    if ids is not None:
        query = query.where(Withdrawal.id.in_(list(ids)))
    counts = {s.value: 0 for s in (W.APPROVED, W.PROCESSING, W.PAID, W.FAILED, W.REJECTED)}
    counts.update({status: int(n) for status, n in db.session.execute(query)})
    counts.pop(W.REQUESTED.value, None)  # not part of a run yet
    return RunProgress(counts=counts)


# ---------------------------------------------------------------------------- totals and export


@dataclass(frozen=True)
class PeriodTotal:
    period: str  # "2026-11-25" by day, "2026-11" by month (UTC)
    count: int
    amount: int
    paid_out: int  # the net sent to creators
    fees: int


def _period(column: ColumnElement[datetime], by: str) -> ColumnElement[str]:
    if db.engine.dialect.name == "postgresql":
        fmt = "YYYY-MM-DD" if by == "day" else "YYYY-MM"
        return func.to_char(func.timezone("UTC", column), fmt)
    return func.strftime("%Y-%m-%d" if by == "day" else "%Y-%m", column)


def payout_totals(
    *,
    by: Literal["day", "month"] = "day",
    start: datetime | None = None,
    end: datetime | None = None,
    currency: str | None = None,
) -> list[PeriodTotal]:
    """Paid withdrawals per day or month (by when they were paid): paid out and fees."""
    if by not in ("day", "month"):
        raise ValueError("totals go by day or by month")
    currency = (currency or services.default_currency()).upper()
    period = _period(Withdrawal.paid_at, by).label("period")
    query = (
        select(
            period,
            func.count(Withdrawal.id),
            func.sum(Withdrawal.amount),
            func.sum(Withdrawal.net),
            func.sum(Withdrawal.fee),
        )
        .where(Withdrawal.status == W.PAID.value, Withdrawal.currency == currency)
        .group_by(period)
        .order_by(period)
    )
    if start is not None:
        query = query.where(Withdrawal.paid_at >= start)
    if end is not None:
        query = query.where(Withdrawal.paid_at < end)
    return [
        PeriodTotal(str(p), int(n), int(a), int(net), int(fee))
        for p, n, a, net, fee in db.session.execute(query)
    ]


@dataclass(frozen=True)
class Totals:
    count: int
    amount: int
    paid_out: int
    fees: int


def totals(currency: str | None = None) -> Totals:
    """Everything paid so far (one query)."""
    currency = (currency or services.default_currency()).upper()
    n, amount, net, fee = db.session.execute(
        select(
            func.count(Withdrawal.id),
            func.coalesce(func.sum(Withdrawal.amount), 0),
            func.coalesce(func.sum(Withdrawal.net), 0),
            func.coalesce(func.sum(Withdrawal.fee), 0),
        ).where(Withdrawal.status == W.PAID.value, Withdrawal.currency == currency)
    ).one()
    return Totals(int(n), int(amount), int(net), int(fee))


CSV_HEADER = [
    "withdrawal_id",
    "creator_id",
    "creator_email",
    "currency",
    "amount",
    "fee",
    "net",
    "status",
    "requested_at",
    "approved_at",
    "paid_at",
    "provider",
    "provider_ref",
    "attempt",
    "reason",
]


def csv_rows(start: datetime, end: datetime) -> Iterator[list[str]]:
    """The header, then one row per withdrawal requested in ``[start, end)``, oldest first.

    Amounts are decimal strings in the currency's unit ("100.00"); times ISO 8601 UTC.
    Streams in batches, so a year's export never sits in memory whole.
    """
    yield list(CSV_HEADER)
    query = (
        select(Withdrawal, User.email)
        .join(User, User.id == Withdrawal.creator_id)
        .where(Withdrawal.requested_at >= start, Withdrawal.requested_at < end)
        .order_by(Withdrawal.requested_at, Withdrawal.id)
        .options(lazyload(Withdrawal.approvals))
        .execution_options(yield_per=1000)
    )
    for w, email in db.session.execute(query):
        yield [
            str(w.id),
            str(w.creator_id),
            email,
            w.currency,
            str(to_decimal(w.amount, w.currency)),
            str(to_decimal(w.fee, w.currency)),
            str(to_decimal(w.net, w.currency)),
            w.status,
            _iso(w.requested_at),
            _iso(w.approved_at),
            _iso(w.paid_at),
            w.provider or "",
            w.provider_ref or "",
            str(w.attempt),
            w.reject_reason or w.failure_reason or "",
        ]


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _per_page(per_page: int) -> int:
    return min(max(int(per_page), 1), MAX_PER_PAGE)
