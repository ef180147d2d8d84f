"""Posting with Core statements (``core.ledger.posting``): the same invariants as
``post_entry``: balanced per currency, non-zero integer postings, one entry per kind and
cause, guarded accounts never below zero, cached balances equal to their postings."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.accounts.models import Role
from core.extensions import db
from core.ledger.checks import check_ledger
from core.ledger.exceptions import InsufficientFunds, InvalidPosting, UnbalancedEntry
from core.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerPosting
from core.ledger.posting import AccountRef, account_refs, post_entry_core
from core.ledger.services import Cause, account_for, balance, credit, debit, post_entry
from tests.factories import make_user


@pytest.fixture
def creator_id(app_ctx) -> int:
    creator = make_user(Role.CREATOR)
    cash = account_for(AccountKind.PLATFORM_CASH, currency="USD")
    available = account_for(AccountKind.CREATOR_AVAILABLE, currency="USD", owner_id=creator.id)
    post_entry(
        "test_funding", Cause("test", "fund"), [debit(cash, 1_000), credit(available, 1_000)]
    )
    db.session.commit()
    return creator.id


def refs(creator_id: int) -> tuple[AccountRef, AccountRef, AccountRef]:
    available, cash, revenue = account_refs(
        "usd",
        (AccountKind.CREATOR_AVAILABLE, creator_id),
        (AccountKind.PLATFORM_CASH, None),
        (AccountKind.PLATFORM_FEE_REVENUE, None),
    )
    return available, cash, revenue


def entries() -> int:
    return db.session.scalar(select(func.count(LedgerEntry.id))) or 0


def test_account_refs_finds_and_creates_accounts_in_the_order_asked(creator_id):
    available, cash, revenue = refs(creator_id)

    assert (available.key, cash.key, revenue.key) == (
        f"creator_available:{creator_id}:USD",
        "platform_cash:USD",
        "platform_fee_revenue:USD",  # created on first use
    )
    stored = db.session.get(LedgerAccount, revenue.id)
    assert stored is not None
    assert stored.key == revenue.key


def test_a_balanced_entry_posts_its_legs_and_moves_the_cached_balance(creator_id):
    available, cash, revenue = refs(creator_id)
    loaded = account_for(AccountKind.CREATOR_AVAILABLE, currency="USD", owner_id=creator_id)
    assert balance(loaded) == 1_000  # loaded in the session before the post

    entry_id = post_entry_core(
        "test_split",
        Cause("test", "split"),
        [(available, 600), (cash, -550), (revenue, -50)],
        guard=[available],
        memo="a split",
    )
    db.session.commit()

    entry = db.session.get(LedgerEntry, entry_id)
    assert entry is not None
    assert (entry.kind, entry.cause_type, entry.cause_id, entry.memo) == (
        "test_split",
        "test",
        "split",
        "a split",
    )
    assert sorted(p.amount for p in entry.postings) == [-550, -50, 600]
    assert balance(loaded) == 400  # the session's object shows the new balance
    assert check_ledger().ok


@pytest.mark.parametrize(
    ("amounts", "error"),
    [
        ([100, -99], UnbalancedEntry),
        ([100], InvalidPosting),
        ([0, 0], InvalidPosting),
        ([True, -1], InvalidPosting),
        ([1.5, -1.5], InvalidPosting),
    ],
)
def test_a_bad_entry_writes_nothing(creator_id, amounts, error):
    available, cash, _ = refs(creator_id)
    before = entries()

    with pytest.raises(error):
        post_entry_core(
            "test_bad", Cause("test", "bad"), list(zip([available, cash], amounts, strict=False))
        )

    assert entries() == before


def test_a_guarded_account_never_ends_below_zero(creator_id):
    available, cash, _ = refs(creator_id)

    with pytest.raises(InsufficientFunds):
        post_entry_core(
            "test_overdraw",
            Cause("test", "over"),
            [(available, 1_001), (cash, -1_001)],
            guard=[available],
        )
    db.session.rollback()

    assert (
        balance(account_for(AccountKind.CREATOR_AVAILABLE, currency="USD", owner_id=creator_id))
        == 1_000
    )
    assert check_ledger().ok


def test_one_cause_posts_once(creator_id):
    available, cash, _ = refs(creator_id)
    post_entry_core("test_once", Cause("test", "once"), [(available, 10), (cash, -10)])
    db.session.commit()

    with pytest.raises(IntegrityError):
        post_entry_core("test_once", Cause("test", "once"), [(available, 10), (cash, -10)])
    db.session.rollback()

    count = db.session.scalar(
        select(func.count(LedgerPosting.id))
        .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .where(LedgerEntry.kind == "test_once")
    )
    assert count == 2
    assert check_ledger().ok


def test_a_guard_must_be_a_cached_account_of_the_entry(creator_id):
    available, cash, _ = refs(creator_id)

    with pytest.raises(ValueError, match="guarded account"):
        post_entry_core(
            "test_guard", Cause("test", "g"), [(available, 1), (cash, -1)], guard=[cash]
        )
