"""Ledger benchmark: posting throughput and balance reads.

Prints figures, asserts nothing. Runs against a throw-away database: PostgreSQL when
``DATABASE_URL`` is set (a new database on that server, dropped afterwards), else SQLite.

    .venv/bin/python bench/ledger_bench.py [--entries 4000] [--threads 4]

What it shows:
- entries/s for order-paid entries spread over many creators against all on one creator
  (one row lock that every transaction queues behind);
- entries/s for guarded withdrawal holds (lock, check, post) on many creators;
- the cost of reading a balance as a sum over postings against the cached balance, for an
  account with many postings: the reason per-creator accounts cache their balance.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import select, text

from affiliate import create_app
from bench.throwaway_db import make_database
from core.accounts.models import User
from core.config import TestingConfig
from core.extensions import db
from core.ledger import services as ledger
from core.ledger.models import AccountKind, LedgerAccount

CURRENCY = "USD"


def make_creators(count: int) -> list[int]:
    users = [
        User(email=f"bench{i}@example.com", display_name=f"B{i}", password_hash="x")
        for i in range(count)
    ]
    db.session.add_all(users)
    db.session.commit()
    return [u.id for u in users]


def order_paid(creator_id: int, seller_id: int, n: int, prefix: str) -> None:
    cash = ledger.account_for(AccountKind.PLATFORM_CASH, currency=CURRENCY)
    receivable = ledger.account_for(
        AccountKind.SELLER_RECEIVABLE, owner_id=seller_id, currency=CURRENCY
    )
    pending = ledger.account_for(
        AccountKind.CREATOR_PENDING, owner_id=creator_id, currency=CURRENCY
    )
    ledger.post_entry(
        "order_paid",
        ledger.Cause("bench_order", f"{prefix}-{n}"),
        [
            ledger.debit(cash, 10_000),
            ledger.credit(receivable, 9_000),
            ledger.credit(pending, 1_000),
        ],
    )
    db.session.commit()


def run_threads(app, threads: int, per_thread: int, work) -> float:
    barrier = threading.Barrier(threads)

    def worker(index: int) -> None:
        with app.app_context():
            barrier.wait()
            for n in range(per_thread):
                work(index, n)
            db.session.remove()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - started


def report(label: str, count: int, seconds: float) -> None:
    print(f"{label:<58} {count:>7} in {seconds:6.2f}s = {count / seconds:8.0f}/s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=4000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    url, drop = make_database("affiliate_ledgerbench")
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, LOG_LEVEL="WARNING")
    per_thread = args.entries // args.threads
    total = per_thread * args.threads
    try:
        with app.app_context():
            upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
            print(f"database: {db.engine.dialect.name}, {args.threads} threads\n")
            creators = make_creators(args.threads * 50 + 2)
            seller, hot = creators[0], creators[1]
            spread = creators[2:]
            for c in creators:  # create accounts up front so the runs measure postings only
                order_paid(c, seller, 0, f"warm-{c}")
            db.session.remove()

        seconds = run_threads(
            app,
            args.threads,
            per_thread,
            lambda i, n: order_paid(spread[(i * per_thread + n) % len(spread)], seller, n, f"s{i}"),
        )
        report("order paid, commission spread over many creators", total, seconds)
        seconds = run_threads(
            app, args.threads, per_thread, lambda i, n: order_paid(hot, seller, n, f"h{i}")
        )
        report("order paid, every commission to one creator (hot row)", total, seconds)

        def hold(i: int, n: int) -> None:
            creator = spread[(i * per_thread + n) % len(spread)]
            available = ledger.account_for(
                AccountKind.CREATOR_AVAILABLE, owner_id=creator, currency=CURRENCY
            )
            held = ledger.account_for(AccountKind.CREATOR_HELD, owner_id=creator, currency=CURRENCY)
            pending = ledger.account_for(
                AccountKind.CREATOR_PENDING, owner_id=creator, currency=CURRENCY
            )
            ledger.post_entry(
                "bench_settle_and_hold",
                ledger.Cause("bench_hold", f"{i}-{n}"),
                [
                    ledger.debit(pending, 100),
                    ledger.credit(available, 100),
                    ledger.debit(available, 100),
                    ledger.credit(held, 100),
                ],
                guard=[available],
            )
            db.session.commit()

        seconds = run_threads(app, args.threads, per_thread, hold)
        report("guarded hold (lock, check, post) over many creators", total, seconds)

        with app.app_context():
            account = db.session.scalars(
                select(LedgerAccount).where(LedgerAccount.key == f"creator_pending:{hot}:USD")
            ).one()
            rounds = 200
            started = time.perf_counter()
            for _ in range(rounds):
                db.session.execute(
                    text("SELECT SUM(amount) FROM ledger_posting WHERE account_id = :a"),
                    {"a": account.id},
                )
            summed = (time.perf_counter() - started) / rounds * 1000
            started = time.perf_counter()
            for _ in range(rounds):
                db.session.execute(
                    text("SELECT cached_balance FROM ledger_account WHERE id = :a"),
                    {"a": account.id},
                )
            cached = (time.perf_counter() - started) / rounds * 1000
            postings = db.session.scalar(
                text("SELECT COUNT(*) FROM ledger_posting WHERE account_id = :a"), {"a": account.id}
            )
            print(
                f"\nbalance of an account with {postings} postings: "
                f"sum {summed:.3f} ms, cached {cached:.3f} ms"
            )
            check_started = time.perf_counter()
            result = ledger.check_ledger()
            print(
                f"ledger check over {result.entries_checked} entries: "
                f"{time.perf_counter() - check_started:.2f}s, ok={result.ok}"
            )
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
