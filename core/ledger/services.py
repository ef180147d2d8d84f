"""Posting to the ledger and reading balances.

The protocol of ``post_entry``, in order:

1. validate: integer, non-zero postings that sum to zero per currency (else nothing is written);
2. key: insert the entry, whose ``(kind, cause_type, cause_id)`` is unique, so one cause can
   never post twice, even from two processes at once;
3. lock: update the cached balance of every per-creator account touched, in primary-key order
   (the row stays locked until the transaction ends, so concurrent debits queue per account,
   never behind a platform-wide row);
4. check: a guarded account whose balance fell below zero aborts the entry;
5. record: insert the postings.

All of it runs in a savepoint, so a failed entry leaves the caller's transaction usable. The
caller (the request or the job) commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from core.ledger.exceptions import (
    DuplicateEntry,
    InsufficientFunds,
    InvalidPosting,
    LedgerError,
    UnbalancedEntry,
)
from core.ledger.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerPosting,
)


@dataclass(frozen=True)
class Leg:
    """One side of an entry: a signed amount on an account (+ debit, - credit)."""

    account: LedgerAccount
    amount: int


def debit(account: LedgerAccount, amount: int) -> Leg:
    """Debit ``amount`` (> 0): raises an asset, lowers what the platform owes or earned."""
    _require_positive(amount)
    return Leg(account, amount)


def credit(account: LedgerAccount, amount: int) -> Leg:
    """Credit ``amount`` (> 0): raises what the platform owes or earned, lowers an asset."""
    _require_positive(amount)
    return Leg(account, -amount)


def _require_positive(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidPosting(f"an amount is a positive integer of minor units, not {amount!r}")


@dataclass(frozen=True)
class Cause:
    """What caused an entry: ``Cause("order_line", 42)``. One entry per kind and cause."""

    type: str
    id: int | str


def account_key(kind: AccountKind, owner_id: int | None, currency: str) -> str:
    if kind.is_platform:
        return f"{kind.value}:{currency}"
    return f"{kind.value}:{owner_id}:{currency}"


def _checked_key(kind: AccountKind, owner_id: int | None, currency: str) -> str:
    if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
        raise ValueError(f"{currency!r} is not a three-letter currency code")
    if kind.is_platform != (owner_id is None):
        raise ValueError(
            f"{kind.value} accounts {'have no' if kind.is_platform else 'need an'} owner"
        )
    return account_key(kind, owner_id, currency)


def accounts_for(currency: str, *wanted: tuple[AccountKind, int | None]) -> list[LedgerAccount]:
    """``account_for`` of each (kind, owner) in ``currency``, read in one query (the missing
    ones created), in the order asked."""
    currency = currency.upper()
    keys = [_checked_key(kind, owner_id, currency) for kind, owner_id in wanted]
    found = {
        account.key: account
        for account in db.session.scalars(select(LedgerAccount).where(LedgerAccount.key.in_(keys)))
    }
    return [
        found.get(key) or account_for(kind, currency=currency, owner_id=owner_id)
        for key, (kind, owner_id) in zip(keys, wanted, strict=True)
    ]


def account_for(kind: AccountKind, *, currency: str, owner_id: int | None = None) -> LedgerAccount:
    """Return the ledger account of this kind, owner and currency, creating it if needed."""
    currency = currency.upper()
    key = _checked_key(kind, owner_id, currency)
    existing = db.session.scalar(select(LedgerAccount).where(LedgerAccount.key == key))
    if existing is not None:
        return existing
    account = LedgerAccount(
        key=key,
        kind=kind.value,
        owner_id=owner_id,
        currency=currency,
        cached_balance=0 if kind.caches_balance else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(account)
    except IntegrityError:
        # Another transaction created it first; theirs is the one. Any other violation (an
        # owner that does not exist) is the caller's to see.
        existing = db.session.scalar(select(LedgerAccount).where(LedgerAccount.key == key))
        if existing is None:
            raise
        return existing
    return account


def post_entry(
    kind: str,
    cause: Cause,
    legs: Sequence[Leg],
    *,
    memo: str | None = None,
    actor_id: int | None = None,
    guard: Iterable[LedgerAccount] = (),
    savepoint: bool = True,
) -> LedgerEntry:
    """Write one balanced entry; ``guard`` lists accounts that must not end below zero.

    By default the entry is written in a savepoint, so that a caller may catch
    ``DuplicateEntry`` or ``InsufficientFunds`` and carry on with its transaction.
    ``savepoint=False`` saves the savepoint's two round trips for a caller that lets any
    error end its transaction (it must roll back: the entry may be half written, and a
    duplicate raises the database's ``IntegrityError``)."""
    _validate(legs)
    guard = list(guard)
    guarded = {account.id for account in guard}
    deltas = _cached_deltas(legs)
    for account in guard:
        if account.id not in deltas:
            raise ValueError(f"guarded account {account.key} is not a cached account of this entry")
    if not savepoint:
        entry = _write_entry(kind, cause, legs, memo, actor_id, deltas, guarded)
        _expire_balances(legs, deltas)
        return entry
    nested = db.session.begin_nested()  # flushes the caller's pending changes first
    try:
        with nested:
            entry = _write_entry(kind, cause, legs, memo, actor_id, deltas, guarded)
    except IntegrityError:
        # Only the entry's unique key makes this a duplicate; any other violation (an actor
        # that does not exist) must not pass for "already posted", which callers may ignore.
        if _entry_exists(kind, cause):
            raise DuplicateEntry(f"{kind} was already posted for {cause.type} {cause.id}") from None
        raise
    _expire_balances(legs, deltas)
    return entry


def _write_entry(
    kind: str,
    cause: Cause,
    legs: Sequence[Leg],
    memo: str | None,
    actor_id: int | None,
    deltas: dict[int, int],
    guarded: set[int],
) -> LedgerEntry:
    entry = _insert_entry(kind, cause, memo, actor_id)
    for account_id in sorted(deltas):
        new_balance = _apply_delta(account_id, deltas[account_id])
        if account_id in guarded and new_balance < 0:
            raise InsufficientFunds(_key_of(legs, account_id), new_balance)
    db.session.add_all(
        LedgerPosting(entry_id=entry.id, account_id=leg.account.id, amount=leg.amount)
        for leg in legs
    )
    db.session.flush()
    return entry


def _expire_balances(legs: Sequence[Leg], deltas: dict[int, int]) -> None:
    for leg in legs:
        if leg.account.id in deltas:
            db.session.expire(leg.account, ["cached_balance"])


def _validate(legs: Sequence[Leg]) -> None:
    if len(legs) < 2:
        raise InvalidPosting("an entry needs at least two postings")
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        if not isinstance(leg.amount, int) or isinstance(leg.amount, bool) or leg.amount == 0:
            raise InvalidPosting(f"posting amounts are non-zero integers, not {leg.amount!r}")
        if leg.account.id is None:
            raise InvalidPosting("post to accounts from account_for(), which are saved")
        totals[leg.account.currency] += leg.amount
    unbalanced = {currency: total for currency, total in totals.items() if total != 0}
    if unbalanced:
        raise UnbalancedEntry(f"postings do not sum to zero: {unbalanced}")


def _cached_deltas(legs: Sequence[Leg]) -> dict[int, int]:
    """Change of each cached balance, read on the account's normal side."""
    deltas: dict[int, int] = defaultdict(int)
    for leg in legs:
        kind = leg.account.account_kind
        if kind.caches_balance:
            deltas[leg.account.id] += kind.normal_sign * leg.amount
    return dict(deltas)


def _insert_entry(kind: str, cause: Cause, memo: str | None, actor_id: int | None) -> LedgerEntry:
    entry = LedgerEntry(
        kind=kind, cause_type=cause.type, cause_id=str(cause.id), memo=memo, actor_id=actor_id
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _entry_exists(kind: str, cause: Cause) -> bool:
    return (
        db.session.scalar(
            select(LedgerEntry.id).where(
                LedgerEntry.kind == kind,
                LedgerEntry.cause_type == cause.type,
                LedgerEntry.cause_id == str(cause.id),
            )
        )
        is not None
    )


def _apply_delta(account_id: int, delta: int) -> int:
    """Add ``delta`` to a cached balance, locking the row until commit; return the new balance."""
    stmt = (
        update(LedgerAccount)
        .where(LedgerAccount.id == account_id)
        .values(cached_balance=LedgerAccount.cached_balance + delta)
        .returning(LedgerAccount.cached_balance)
        .execution_options(synchronize_session=False)
    )
    balance = db.session.execute(stmt).scalar_one()
    if balance is None:
        raise LedgerError(f"account {account_id} keeps no cached balance")
    return balance


def _key_of(legs: Sequence[Leg], account_id: int) -> str:
    return next(leg.account.key for leg in legs if leg.account.id == account_id)


def _signed_sum(account_ids: Sequence[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(LedgerPosting.account_id, func.sum(LedgerPosting.amount))
        .where(LedgerPosting.account_id.in_(account_ids))
        .group_by(LedgerPosting.account_id)
    )
    return {account_id: int(total) for account_id, total in rows}


def balance(account: LedgerAccount) -> int:
    """The account's balance on its normal side, in minor units."""
    if account.cached_balance is not None:
        return account.cached_balance
    return account.account_kind.normal_sign * _signed_sum([account.id]).get(account.id, 0)


def owner_balances(owner_id: int, currency: str) -> dict[AccountKind, int]:
    """Every balance an owner has in ``currency``.

    Only accounts that exist are listed: read a balance with ``.get(kind, 0)``.
    """
    accounts = db.session.scalars(
        select(LedgerAccount).where(
            LedgerAccount.owner_id == owner_id, LedgerAccount.currency == currency.upper()
        )
    ).all()
    return _balances_of(accounts)


def owner_balances_by_currency(owner_id: int) -> dict[str, dict[AccountKind, int]]:
    """Every balance an owner has, per currency (money never changes currency)."""
    accounts = db.session.scalars(
        select(LedgerAccount).where(LedgerAccount.owner_id == owner_id)
    ).all()
    by_currency: dict[str, list[LedgerAccount]] = defaultdict(list)
    for account in accounts:
        by_currency[account.currency].append(account)
    return {currency: _balances_of(group) for currency, group in sorted(by_currency.items())}


def platform_balances(currency: str) -> dict[AccountKind, int]:
    accounts = db.session.scalars(
        select(LedgerAccount).where(
            LedgerAccount.owner_id.is_(None), LedgerAccount.currency == currency.upper()
        )
    ).all()
    result = {kind: 0 for kind in AccountKind if kind.is_platform}
    result.update(_balances_of(accounts))
    return result


def _balances_of(accounts: Sequence[LedgerAccount]) -> dict[AccountKind, int]:
    uncached = [a.id for a in accounts if a.cached_balance is None]
    sums = _signed_sum(uncached) if uncached else {}
    result: dict[AccountKind, int] = {}
    for account in accounts:
        kind = account.account_kind
        if account.cached_balance is not None:
            result[kind] = account.cached_balance
        else:
            result[kind] = kind.normal_sign * sums.get(account.id, 0)
    return result


def recent_entries(*, owner_id: int | None = None, limit: int = 20) -> list[LedgerEntry]:
    """Newest entries, optionally only those touching an owner's accounts."""
    query = select(LedgerEntry).order_by(LedgerEntry.id.desc()).limit(limit)
    if owner_id is not None:
        touching = (
            select(LedgerPosting.entry_id)
            .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
            .where(LedgerAccount.owner_id == owner_id)
        )
        query = query.where(LedgerEntry.id.in_(touching))
    return list(db.session.scalars(query))
