"""What the review queue reads: one page of withdrawals with each creator's history and risk
flags, and how many withdrawals are in each state.

A page of the queue is four queries whatever its size: the creators' histories and risk flags
are one grouped query over the page's creators, not one per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Select,
    String,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import contains_eager

from affiliate.payouts.models import Withdrawal, WithdrawalStatus
from affiliate.payouts.queries import aware, clamp_per_page, reports
from core.accounts.models import User
from core.extensions import db
from core.ledger.models import AccountKind, EntryKind, LedgerAccount, LedgerEntry, LedgerPosting
from core.types import utcnow
from core.web.pagination import Page

W = WithdrawalStatus
#: A withdrawal this many times the creator's average paid one is flagged.
FAR_ABOVE_FACTOR = 3
RECENT_CLAWBACK_DAYS = 30
_PAID = "(paid withdrawals)"  # creator_histories' tag of its withdrawal rows: no entry kind


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
    currency: str | None = None  # None: every currency (each amount shows its own)


Q = TypeVar("Q", bound=Select[Any])

SORTS: dict[str, tuple[ColumnElement[Any], ...]] = {
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
    total: int | None = None,
) -> Page[QueueRow]:
    """One page of withdrawals for finance, with each creator's history and risk flags.

    Four queries whatever the page size: the count, the page (with creators), its approvals
    (with their officers), and the creators' ledger and withdrawal figures (one statement);
    three when ``total`` is known already (``known_total``).
    """
    filters = filters or QueueFilter()
    per_page = clamp_per_page(per_page)
    query = _filtered(select(Withdrawal).join(User, User.id == Withdrawal.creator_id), filters)
    counted = select(func.count(Withdrawal.id))
    if _reads_creator(filters):  # only a search by name or address needs the creator's row
        counted = counted.join(User, User.id == Withdrawal.creator_id)
    if total is None:
        total = db.session.scalar(_filtered(counted, filters))
    withdrawals = db.session.scalars(
        # The queue shows creators' names and join dates, not their roles.
        query.options(contains_eager(Withdrawal.creator).lazyload(User.roles))
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


def known_total(f: QueueFilter, counts: dict[str, int]) -> int | None:
    """How many withdrawals the queue holds, read off ``status_counts(f.currency)`` when the
    filter is at most a state (None: the queue must count, e.g. an amount range or a search)."""
    narrowed = (f.min_amount, f.max_amount, f.creator, f.four_eyes)
    dated = (f.requested_from, f.requested_to)
    if f.currency is None or any(v is not None for v in (*narrowed, *dated)):
        return None
    return counts.get(f.status, 0) if f.status else sum(counts.values())


def _reads_creator(f: QueueFilter) -> bool:
    text = (f.creator or "").strip().lower()
    return bool(text) and not (text.isascii() and text.isdigit() and len(text) < 19)


def _filtered(query: Q, f: QueueFilter) -> Q:
    if f.status:
        query = query.where(Withdrawal.status == f.status)
    if f.currency:
        query = query.where(Withdrawal.currency == f.currency)
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
    """Each creator's earned, clawed back and withdrawn figures: one query, and a second for
    when they joined unless ``joined`` (creator id → ``User.created_at``) already says."""
    if not creator_ids:
        return {}
    ids = sorted(creator_ids)
    # One statement: the ledger's settled and clawed back sums per creator, and (tagged PAID)
    # the sums and counts of their paid withdrawals.
    ledger_part = (
        select(
            LedgerAccount.owner_id.label("creator_id"),
            LedgerEntry.kind.label("kind"),
            func.sum(LedgerPosting.amount).label("total"),
            func.max(LedgerEntry.created_at).label("latest"),
            literal(0, Integer).label("count"),
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
    paid_part = (
        select(
            Withdrawal.creator_id,
            literal(_PAID, String),
            func.sum(Withdrawal.amount),
            null().cast(DateTime(timezone=True)),
            func.count(Withdrawal.id),
        )
        .where(Withdrawal.creator_id.in_(ids), Withdrawal.status == W.PAID.value)
        .group_by(Withdrawal.creator_id)
    )
    earned: dict[int | None, int] = {}
    clawed: dict[int | None, tuple[int, datetime | None]] = {}
    paid: dict[int | None, tuple[int, int]] = {}
    rows: Any = db.session.execute(union_all(ledger_part, paid_part))
    for row in rows:
        owner_id, kind, total, latest, count = cast("tuple[Any, ...]", row)
        if kind == _PAID:
            paid[owner_id] = (int(total), int(count))
        elif kind == EntryKind.COMMISSION_SETTLED:
            earned[owner_id] = -int(total)  # credits to a credit-normal account
        else:
            clawed[owner_id] = (int(total), aware(latest))
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
            member_since=aware(joined.get(creator_id)) or utcnow(),
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


def queue_counts(currency: str) -> tuple[dict[str, int], list[str]]:
    """``status_counts(currency)`` and ``reports.currencies_in_use()`` (the queue page shows
    both: its tabs and its currency switch) in one statement."""
    by_state = select(
        Withdrawal.currency.label("currency"),
        Withdrawal.status.label("status"),
        func.count(Withdrawal.id).label("n"),
    ).group_by(Withdrawal.currency, Withdrawal.status)
    held = select(LedgerAccount.currency, null().cast(String), literal(0, Integer)).distinct()
    counts = {status.value: 0 for status in W}
    codes = set()
    wanted = currency.upper()
    rows: Any = db.session.execute(union_all(by_state, held))
    for code, status, n in rows:
        codes.add(code)
        if status is not None and code == wanted:
            counts[status] = int(n)
    return counts, reports.in_use_order(codes)


def any_above_four_eyes(withdrawal_ids: list[int]) -> bool:
    """Whether any of these withdrawals needs two officers (its approval asks for step-up)."""
    # A number too large for a key names nothing (and SQLite could not even bind it).
    ids = [i for i in (int(i) for i in withdrawal_ids) if 0 < i < 2**63][:1000]
    if not ids:
        return False
    found = db.session.scalar(
        select(Withdrawal.id)
        .where(Withdrawal.id.in_(ids), Withdrawal.needs_two_approvals.is_(True))
        .limit(1)
    )
    return found is not None
