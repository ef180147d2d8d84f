"""Posting an entry with Core statements, for a hot path that must not pay for ORM flushes
(the payout job): the same protocol and invariants as ``services.post_entry`` with
``savepoint=False``, in two to four statements.

1. validate: integer, non-zero postings that sum to zero per currency (else nothing is written);
2. lock: update the cached balance of every per-creator account touched, in primary-key order
   (``UPDATE ... RETURNING``), and abort if a guarded one fell below zero;
3. key and record: insert the entry, whose ``(kind, cause_type, cause_id)`` is unique (a second
   posting of one cause fails with the database's ``IntegrityError``), and its postings: one
   statement on PostgreSQL (the entry in a ``WITH``), two elsewhere.

No savepoint: any error leaves a half-written entry that the caller must roll back (the payout
job's transaction rolls back on any error). The caller commits.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import (
    BigInteger,
    Insert,
    Integer,
    Table,
    bindparam,
    insert,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import object_session
from sqlalchemy.orm.util import identity_key

from core.extensions import db
from core.ledger.exceptions import InsufficientFunds, InvalidPosting, LedgerError, UnbalancedEntry
from core.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerPosting
from core.ledger.services import Cause, account_key, accounts_for
from core.types import utcnow

ACCOUNT = cast(Table, LedgerAccount.__table__)
ENTRY = cast(Table, LedgerEntry.__table__)
POSTING = cast(Table, LedgerPosting.__table__)


@dataclass(frozen=True)
class AccountRef:
    """A ledger account as the Core path needs it (no ORM object)."""

    id: int
    key: str
    kind: AccountKind
    currency: str


def account_refs(currency: str, *wanted: tuple[AccountKind, int | None]) -> list[AccountRef]:
    """The accounts of each (kind, owner) in ``currency``, in the order asked: one ``SELECT``
    of ids by key; a missing account is created as ``services.accounts_for`` does."""
    currency = currency.upper()
    keys = [account_key(kind, owner_id, currency) for kind, owner_id in wanted]
    found = {row.key: row.id for row in db.session.execute(_IDS_BY_KEY, {"keys": keys})}
    if len(found) < len(set(keys)):
        created = accounts_for(currency, *wanted)  # validates and creates (rare: first use)
        found = {account.key: account.id for account in created}
    return [
        AccountRef(found[key], key, kind, currency)
        for key, (kind, _owner) in zip(keys, wanted, strict=True)
    ]


def post_entry_core(
    kind: str,
    cause: Cause,
    legs: Sequence[tuple[AccountRef, int]],
    *,
    memo: str | None = None,
    actor_id: int | None = None,
    guard: Iterable[AccountRef] = (),
    now: datetime | None = None,
) -> int:
    """Write one balanced entry of signed ``legs`` (+ debit, - credit); ``guard`` lists accounts
    that must not end below zero. Returns the entry's id."""
    _validate(legs)
    deltas: dict[int, int] = defaultdict(int)
    for account, amount in legs:
        if account.kind.caches_balance:
            deltas[account.id] += account.kind.normal_sign * amount
    guarded = {account.id: account.key for account in guard}
    for account_id, key in guarded.items():
        if account_id not in deltas:
            raise ValueError(f"guarded account {key} is not a cached account of this entry")
    for account_id in sorted(deltas):
        balance: int | None = db.session.execute(
            _ADD_TO_BALANCE, {"account": account_id, "delta": deltas[account_id]}
        ).scalar_one()
        if balance is None:
            raise LedgerError(f"account {account_id} keeps no cached balance")
        if account_id in guarded and balance < 0:
            raise InsufficientFunds(guarded[account_id], balance)
    _expire_balances(deltas)
    entry = {
        "e_kind": kind,
        "e_cause_type": cause.type,
        "e_cause_id": str(cause.id),
        "e_memo": memo,
        "e_actor_id": actor_id,
        "e_created_at": now or utcnow(),
    }
    if db.session.get_bind().dialect.name == "postgresql":
        legs_values = {f"account{n}": account.id for n, (account, _) in enumerate(legs)}
        legs_values.update({f"amount{n}": amount for n, (_, amount) in enumerate(legs)})
        written = db.session.execute(_entry_with_postings(len(legs)), {**entry, **legs_values})
        entry_id = written.scalars().first()
        if entry_id is None:
            raise LedgerError("the entry wrote no postings")
        return int(entry_id)
    new_id: int = db.session.execute(_ENTRY, entry).scalar_one()
    db.session.execute(
        insert(POSTING),
        [{"entry_id": new_id, "account_id": a.id, "amount": amount} for a, amount in legs],
    )
    return new_id


# The statements, built once (the values bound at each execution).
_IDS_BY_KEY = select(ACCOUNT.c.id, ACCOUNT.c.key).where(
    ACCOUNT.c.key.in_(bindparam("keys", expanding=True))
)
_ADD_TO_BALANCE = (
    update(ACCOUNT)
    .where(ACCOUNT.c.id == bindparam("account", type_=Integer))
    .values(cached_balance=ACCOUNT.c.cached_balance + bindparam("delta", type_=BigInteger))
    .returning(ACCOUNT.c.cached_balance)
)
_ENTRY = (
    insert(ENTRY)
    .values(
        kind=bindparam("e_kind"),
        cause_type=bindparam("e_cause_type"),
        cause_id=bindparam("e_cause_id"),
        memo=bindparam("e_memo"),
        actor_id=bindparam("e_actor_id", type_=Integer),
        created_at=bindparam("e_created_at"),
    )
    .returning(ENTRY.c.id)
)


@functools.cache
def _entry_with_postings(legs: int) -> Insert:
    """PostgreSQL: the entry (in a ``WITH``) and its ``legs`` postings in one statement."""
    new = _ENTRY.cte("new_entry")
    # One SELECT per leg (a VALUES list would have no cache key: compiled at every call).
    rows = union_all(
        *(
            select(
                new.c.id,
                bindparam(f"account{n}", type_=Integer),
                bindparam(f"amount{n}", type_=BigInteger),
            )
            for n in range(legs)
        )
    )
    return (
        insert(POSTING)
        .from_select(["entry_id", "account_id", "amount"], rows)
        .returning(POSTING.c.entry_id)
    )


def _validate(legs: Sequence[tuple[AccountRef, int]]) -> None:
    if len(legs) < 2:
        raise InvalidPosting("an entry needs at least two postings")
    totals: dict[str, int] = defaultdict(int)
    for account, amount in legs:
        if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
            raise InvalidPosting(f"posting amounts are non-zero integers, not {amount!r}")
        totals[account.currency] += amount
    unbalanced = {currency: total for currency, total in totals.items() if total != 0}
    if unbalanced:
        raise UnbalancedEntry(f"postings do not sum to zero: {unbalanced}")


def _expire_balances(account_ids: Iterable[int]) -> None:
    """An account object this session holds no longer shows its cached balance."""
    identities = db.session.identity_map
    for account_id in account_ids:
        account = identities.get(identity_key(LedgerAccount, account_id))
        if account is not None and object_session(account) is not None:
            db.session.expire(account, ["cached_balance"])
