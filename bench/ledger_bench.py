"""Ledger benchmark: posting throughput and balance reads.

Prints figures, asserts nothing. Runs against a throw-away database: PostgreSQL when
``DATABASE_URL`` is set (a new database on that server, dropped afterwards), else SQLite.

    .venv/bin/python bench/ledger_bench.py [--entries 4000] [--threads 4] [--json]

What it shows:
- beside each run through ``post_entry``, the bare stack doing the same writes on the same
  tables (SQLAlchemy Core, one transaction: the entry, the cached balances, the postings),
  alternately, and the ratio service / bare (``--json``: one JSON object on stdout);
- entries/s for order-paid entries spread over many creators against all on one creator
  (one row lock that every transaction queues behind);
- entries/s for guarded withdrawal holds (lock, check, post) on many creators;
- the cost of reading a balance as a sum over postings against the cached balance, for an
  account with many postings: the reason per-creator accounts cache their balance.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine

from affiliate import create_app
from bench.throwaway_db import make_database
from core.accounts.models import User
from core.config import TestingConfig
from core.extensions import db
from core.ledger import checks as ledger_checks
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


def bare_legs(creator_id: int, seller_id: int) -> list[tuple[int, int, int]]:
    """(account id, posting amount, cached-balance delta) of an order-paid entry, read once
    before the clock starts, as a bare service would have them at hand."""
    legs = []
    for kind, owner, amount in (
        (AccountKind.PLATFORM_CASH, None, 10_000),
        (AccountKind.SELLER_RECEIVABLE, seller_id, -9_000),
        (AccountKind.CREATOR_PENDING, creator_id, -1_000),
    ):
        account = ledger.account_for(kind, owner_id=owner, currency=CURRENCY)
        delta = kind.normal_sign * amount if kind.caches_balance else 0
        legs.append((account.id, amount, delta))
    return legs


def bare_order_paid(engine: Engine, legs: list[tuple[int, int, int]], cause: str) -> None:
    """The bare stack's order-paid entry: the same rows, one transaction, no ORM."""
    with engine.begin() as connection:
        entry = connection.execute(
            text(
                "INSERT INTO ledger_entry (kind, cause_type, cause_id, created_at)"
                " VALUES ('order_paid', 'bare_order', :cause, CURRENT_TIMESTAMP) RETURNING id"
            ),
            {"cause": cause},
        ).scalar_one()
        for account_id, _amount, delta in sorted(legs):
            if delta:
                connection.execute(
                    text(
                        "UPDATE ledger_account SET cached_balance = cached_balance + :d"
                        " WHERE id = :a"
                    ),
                    {"d": delta, "a": account_id},
                )
        connection.execute(
            text("INSERT INTO ledger_posting (entry_id, account_id, amount) VALUES (:e, :a, :m)"),
            [{"e": entry, "a": account_id, "m": amount} for account_id, amount, _ in legs],
        )


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


OUT = sys.stdout


def report(label: str, count: int, seconds: float) -> None:
    print(f"{label:<58} {count:>7} in {seconds:6.2f}s = {count / seconds:8.0f}/s", file=OUT)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=4000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    global OUT
    OUT = sys.stderr if args.json else sys.stdout
    results: list[dict[str, object]] = []
    url, drop = make_database("affiliate_ledgerbench")
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, LOG_LEVEL="WARNING")
    per_thread = args.entries // args.threads
    total = per_thread * args.threads
    try:
        with app.app_context():
            upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
            dialect = db.engine.dialect.name
            print(f"database: {dialect}, {args.threads} threads\n", file=OUT)
            creators = make_creators(args.threads * 50 + 2)
            seller, hot = creators[0], creators[1]
            spread = creators[2:]
            for c in creators:  # create accounts up front so the runs measure postings only
                order_paid(c, seller, 0, f"warm-{c}")
            legs = {c: bare_legs(c, seller) for c in creators}
            db.session.remove()
        bare_engine = create_engine(url, pool_size=args.threads + 1)

        def compare(name: str, label: str, creator_of) -> None:
            bare = run_threads(
                app,
                args.threads,
                per_thread,
                lambda i, n: bare_order_paid(bare_engine, legs[creator_of(i, n)], f"{name}{i}-{n}"),
            )
            report(f"  bare stack: {label}", total, bare)
            seconds = run_threads(
                app,
                args.threads,
                per_thread,
                lambda i, n: order_paid(creator_of(i, n), seller, n, f"{name}{i}"),
            )
            report(f"post_entry: {label}", total, seconds)
            rate, bare_rate = total / seconds, total / bare
            results.append(
                {
                    "name": label,
                    "rate": round(rate, 1),
                    "bare_rate": round(bare_rate, 1),
                    "ratio": round(rate / bare_rate, 3),
                    "goal": None,
                }
            )

        compare(
            "s",
            "order paid, spread over many creators",
            lambda i, n: spread[(i * per_thread + n) % len(spread)],
        )
        compare("h", "order paid, every commission to one creator", lambda i, n: hot)
        bare_engine.dispose()

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
                f"sum {summed:.3f} ms, cached {cached:.3f} ms",
                file=OUT,
            )
            check_started = time.perf_counter()
            result = ledger_checks.check_ledger()
            print(
                f"ledger check over {result.entries_checked} entries: "
                f"{time.perf_counter() - check_started:.2f}s, ok={result.ok}",
                file=OUT,
            )
            print("", file=OUT)
            for r in results:
                print(f"{r['name']:<48} ratio to the bare stack {r['ratio']:.0%}", file=OUT)
            if args.json:
                payload = {"bench": "ledger", "database": dialect, "results": results}
                print(json.dumps({**payload, "ledger_ok": result.ok}))
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
