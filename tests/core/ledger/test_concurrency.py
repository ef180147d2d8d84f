"""Concurrent posts: guarded debits never overdraw and one cause never posts twice.

Each thread has its own app context, hence its own session and connection, and commits its
own transaction, as concurrent requests or workers do. A barrier starts them together and
each holds its transaction open a moment after posting, so that the others queue behind its
locks rather than running one after the other by luck.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from core.ledger.checks import check_ledger
from core.ledger.exceptions import DuplicateEntry, InsufficientFunds
from core.ledger.models import AccountKind, LedgerAccount, LedgerEntry
from core.ledger.services import Cause, account_for, balance, credit, debit, post_entry
from tests.clock import skip_under_faketime
from tests.factories import make_user

THREADS = 8
HOLD_SECONDS = 0.05


def run_together(app: Flask, work: Callable[[int, threading.Barrier], Any]) -> list[Any]:
    """Run ``work(i, barrier)`` in THREADS threads; return each result or raised exception.

    ``work`` prepares what it needs, waits on the barrier, posts, and returns; the thread
    then holds its transaction open for a moment and commits (or rolls back on error).
    """
    barrier = threading.Barrier(THREADS, timeout=30)
    results: list[Any] = [None] * THREADS

    def runner(index: int) -> None:
        with app.app_context():
            try:
                results[index] = work(index, barrier)
                time.sleep(HOLD_SECONDS)
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results


def _creator_accounts(owner_id: int) -> tuple[LedgerAccount, LedgerAccount, LedgerAccount]:
    cash = account_for(AccountKind.PLATFORM_CASH, currency="USD")
    available = account_for(AccountKind.CREATOR_AVAILABLE, currency="USD", owner_id=owner_id)
    held = account_for(AccountKind.CREATOR_HELD, currency="USD", owner_id=owner_id)
    return cash, available, held


@pytest.fixture
def funded_creator(app: Flask) -> int:
    """A creator with $10.00 available; returns the creator's id."""
    with app.app_context():
        creator_id = make_user(Role.CREATOR).id
        cash, available, _held = _creator_accounts(creator_id)
        post_entry(
            "commission_settled",
            Cause("test_funding", 1),
            [debit(cash, 1_000), credit(available, 1_000)],
        )
        db.session.commit()
        db.session.remove()
    return creator_id


def _hold_300(creator_id: int) -> Callable[[int, threading.Barrier], Any]:
    def work(index: int, barrier: threading.Barrier) -> int:
        _cash, available, held = _creator_accounts(creator_id)
        db.session.commit()  # end the read: on SQLite any transaction takes the write lock
        barrier.wait()
        post_entry(
            "withdrawal_hold",
            Cause("withdrawal", index),
            [debit(available, 300), credit(held, 300)],
            guard=[available],
        )
        return index

    return work


def _assert_holds_serialized(app: Flask, creator_id: int, results: list[Any]) -> None:
    succeeded = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, InsufficientFunds)]
    assert len(succeeded) == 3, results
    assert len(refused) == THREADS - 3, results
    # Every refused debit saw the balance the three committed debits left: $1.00 - $3.00.
    assert {error.balance for error in refused} == {-200}
    with app.app_context():
        _cash, available, held = _creator_accounts(creator_id)
        assert balance(available) == 100
        assert balance(held) == 900
        assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1 + 3
        assert check_ledger().ok


def test_concurrent_guarded_debits_on_postgres_never_overdraw(postgres_only, app, funded_creator):
    results = run_together(app, _hold_300(funded_creator))
    _assert_holds_serialized(app, funded_creator, results)


@skip_under_faketime  # each thread sleeps while it holds its transaction
def test_concurrent_guarded_debits_on_sqlite_never_overdraw(app, funded_creator, is_postgres):
    if is_postgres:
        pytest.skip("the PostgreSQL variant above covers this database")
    results = run_together(app, _hold_300(funded_creator))
    _assert_holds_serialized(app, funded_creator, results)


def test_concurrent_posts_for_one_cause_write_exactly_one_entry(postgres_only, app):
    with app.app_context():
        creator_id = make_user(Role.CREATOR).id
        _creator_accounts(creator_id)
        db.session.commit()

    def work(index: int, barrier: threading.Barrier) -> int:
        cash, available, _held = _creator_accounts(creator_id)
        barrier.wait()
        post_entry("order_paid", Cause("order_line", 1), [debit(cash, 100), credit(available, 100)])
        return index

    results = run_together(app, work)

    assert sum(isinstance(r, int) for r in results) == 1, results
    assert sum(isinstance(r, DuplicateEntry) for r in results) == THREADS - 1, results
    with app.app_context():
        _cash, available, _held = _creator_accounts(creator_id)
        assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1
        assert balance(available) == 100


def test_concurrent_account_for_creates_one_account(postgres_only, app):
    with app.app_context():
        creator_id = make_user(Role.CREATOR).id

    def work(index: int, barrier: threading.Barrier) -> int:
        barrier.wait()
        account = account_for(AccountKind.CREATOR_PENDING, currency="USD", owner_id=creator_id)
        return account.id

    results = run_together(app, work)

    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(LedgerAccount.id))) == 1


def test_concurrent_transfers_both_ways_between_two_creators_do_not_deadlock(postgres_only, app):
    with app.app_context():
        one = make_user(Role.CREATOR).id
        two = make_user(Role.CREATOR).id
        cash = account_for(AccountKind.PLATFORM_CASH, currency="USD")
        for owner in (one, two):
            available = account_for(AccountKind.CREATOR_AVAILABLE, currency="USD", owner_id=owner)
            post_entry(
                "commission_settled",
                Cause("test_funding", owner),
                [debit(cash, 1_000), credit(available, 1_000)],
            )
        db.session.commit()

    def work(index: int, barrier: threading.Barrier) -> int:
        source, target = (one, two) if index % 2 else (two, one)
        paying = account_for(AccountKind.CREATOR_AVAILABLE, currency="USD", owner_id=source)
        paid = account_for(AccountKind.CREATOR_AVAILABLE, currency="USD", owner_id=target)
        barrier.wait()
        post_entry(
            "test_transfer",
            Cause("test", index),
            [debit(paying, 100), credit(paid, 100)],
            guard=[paying],
        )
        return index

    results = run_together(app, work)

    assert all(isinstance(r, int) for r in results), results
    with app.app_context():
        for owner in (one, two):
            available = account_for(AccountKind.CREATOR_AVAILABLE, currency="USD", owner_id=owner)
            assert balance(available) == 1_000
        assert check_ledger().ok
