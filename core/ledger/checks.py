"""The ledger check: every entry balanced per currency, none short of two postings, and every
cached balance equal to its postings (``flask ledger check`` and the periodic job), and the
record of each run that the Finance centre lists."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from core.extensions import db
from core.ledger.models import (
    AccountKind,
    LedgerAccount,
    LedgerCheckRun,
    LedgerEntry,
    LedgerPosting,
)


@dataclass
class CheckReport:
    entries_checked: int = 0
    accounts_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_ledger() -> CheckReport:
    """Verify that every entry balances and every cached balance equals its postings."""
    report = CheckReport(
        entries_checked=db.session.scalar(select(func.count(LedgerEntry.id))) or 0,
        accounts_checked=db.session.scalar(select(func.count(LedgerAccount.id))) or 0,
    )
    report.problems.extend(_unbalanced_entries())
    report.problems.extend(_short_entries())
    report.problems.extend(_stale_caches())
    return report


def _unbalanced_entries() -> list[str]:
    total = func.sum(LedgerPosting.amount)
    rows = db.session.execute(
        select(LedgerPosting.entry_id, LedgerAccount.currency, total)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .group_by(LedgerPosting.entry_id, LedgerAccount.currency)
        .having(total != 0)
        .order_by(LedgerPosting.entry_id)
    )
    return [f"entry {e} does not balance in {c}: postings sum to {s}" for e, c, s in rows]


def _short_entries() -> list[str]:
    count = func.count(LedgerPosting.id)
    rows = db.session.execute(
        select(LedgerEntry.id, count)
        .outerjoin(LedgerPosting, LedgerPosting.entry_id == LedgerEntry.id)
        .group_by(LedgerEntry.id)
        .having(count < 2)
        .order_by(LedgerEntry.id)
    )
    return [f"entry {e} has {n} posting(s); an entry needs at least two" for e, n in rows]


def _stale_caches() -> list[str]:
    sign = case(*((LedgerAccount.kind == k.value, k.normal_sign) for k in AccountKind), else_=-1)
    expected = sign * func.coalesce(func.sum(LedgerPosting.amount), 0)
    rows = db.session.execute(
        select(LedgerAccount.key, LedgerAccount.cached_balance, expected)
        .outerjoin(LedgerPosting, LedgerPosting.account_id == LedgerAccount.id)
        .where(LedgerAccount.cached_balance.is_not(None))
        .group_by(LedgerAccount.id, LedgerAccount.key, LedgerAccount.cached_balance)
        .having(LedgerAccount.cached_balance != expected)
        .order_by(LedgerAccount.id)
    )
    return [f"account {k} caches {c} but its postings sum to {s}" for k, c, s in rows]


def record_check(report: CheckReport) -> LedgerCheckRun:
    run = LedgerCheckRun(
        ok=report.ok,
        entries_checked=report.entries_checked,
        accounts_checked=report.accounts_checked,
        problems="\n".join(report.problems),
    )
    db.session.add(run)
    return run


def latest_checks(limit: int = 5) -> list[LedgerCheckRun]:
    query = select(LedgerCheckRun).order_by(LedgerCheckRun.id.desc()).limit(limit)
    return list(db.session.scalars(query))
