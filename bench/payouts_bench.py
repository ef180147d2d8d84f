"""Payouts benchmark: approved withdrawals through ``process_withdrawal`` (simulated provider).

Prints one table, asserts nothing (but says whether the books balanced): payouts per second
and, measured in the same run on the same machine, a no-op RQ job's rate, first in-process
(the embedded default: RQ's synchronous queue, as ``enqueue`` runs jobs without Redis) and
then through Redis with two ``SimpleWorker`` processes (when ``REDIS_URL`` is set).

    .venv/bin/python bench/payouts_bench.py [--count 100000] [--workers 2]

Runs against a throw-away database: PostgreSQL when ``DATABASE_URL`` is set (a new database on
that server, dropped afterwards), else SQLite. Through Redis, the jobs go to a queue of the
run's own (deleted afterwards) and the workers start, import the app and open their pools
before the clock starts; the clock stops when both have emptied the queue.

Each set of withdrawals is approved and held as the services leave them (one ledger entry per
creator holds the total of that creator's withdrawals), so every payout does the real work:
lock, processing (committed), the provider's own transaction, then paid, the ledger entry
(held → payouts clearing and fee revenue), the audit events and the creator's notices.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask
from flask_migrate import upgrade
from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import func, insert, select

from affiliate import create_app
from affiliate.payouts.models import PayoutAccount, SimulatedTransfer, Withdrawal
from affiliate.payouts.rules import fee_for
from bench.throwaway_db import make_database
from core.accounts.models import Role, User, UserRole
from core.config import TestingConfig
from core.extensions import db
from core.jobs import jobs
from core.ledger import services as ledger
from core.ledger.models import AccountKind
from core.types import utcnow

PAYOUT_JOB = "affiliate.payouts.jobs.process_withdrawal"
NOOP_JOB = "bench.payouts_bench.noop"
PER_CREATOR = 100
AMOUNT = 10_000  # $100.00 each: $2.00 fee, $98.00 paid
CURRENCY = "USD"


def noop() -> None:
    """The job that measures RQ's own cost."""


def make_app(url: str, redis_url: str | None = None) -> Flask:
    return create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=url,
        REDIS_URL=redis_url,
        LOG_LEVEL="WARNING",
        PAYOUT_PROVIDER="simulated",
    )


# ---------------------------------------------------------------------------- data


def approved_withdrawals(count: int, label: str) -> list[int]:
    """``count`` approved withdrawals of creators with ready simulated accounts, their money
    held in the ledger; returns their ids."""
    creators = max(1, -(-count // PER_CREATOR))
    now = utcnow()
    users = [
        {
            "email": f"bench-{label}-{n}@example.com",
            "display_name": f"Bench {label} {n}",
            "password_hash": "x",
            "session_token": uuid.uuid4().hex,
            "created_at": now,
        }
        for n in range(creators)
    ]
    db.session.execute(insert(User), users)
    ids = list(
        db.session.scalars(
            select(User.id).where(User.email.like(f"bench-{label}-%")).order_by(User.id)
        )
    )
    db.session.execute(
        insert(UserRole),
        [{"user_id": i, "role": Role.CREATOR.value, "granted_at": now} for i in ids],
    )
    db.session.execute(
        insert(PayoutAccount),
        [
            {
                "creator_id": i,
                "provider": "simulated",
                "external_id": f"sim_acct_{i}_bench_{i % 10_000:04d}1",
                "status": "ready",
                "display": "Simulated bank (bench)",
                "created_at": now,
                "updated_at": now,
            }
            for i in ids
        ],
    )
    fee, net = fee_for(AMOUNT)
    rows = []
    for n in range(count):
        creator_id = ids[n % creators]
        rows.append(
            {
                "creator_id": creator_id,
                "currency": CURRENCY,
                "amount": AMOUNT,
                "fee": fee,
                "net": net,
                "fee_bps": 200,
                "status": "approved",
                "request_token": f"bench-{label}-{n:012d}",
                "needs_two_approvals": False,
                "attempt": 1,
                "provider_calls": 0,
                "requested_at": now,
                "approved_at": now,
                "updated_at": now,
            }
        )
    for start in range(0, len(rows), 20_000):
        db.session.execute(insert(Withdrawal), rows[start : start + 20_000])
    cash = ledger.account_for(AccountKind.PLATFORM_CASH, currency=CURRENCY)
    for n, creator_id in enumerate(ids):
        mine = len(range(n, count, creators))
        held = ledger.account_for(AccountKind.CREATOR_HELD, currency=CURRENCY, owner_id=creator_id)
        ledger.post_entry(
            "bench_hold",
            ledger.Cause("bench", f"{label}-{creator_id}"),
            [ledger.debit(cash, mine * AMOUNT), ledger.credit(held, mine * AMOUNT)],
        )
    db.session.commit()
    return list(
        db.session.scalars(
            select(Withdrawal.id)
            .where(Withdrawal.request_token.like(f"bench-{label}-%"))
            .order_by(Withdrawal.id)
        )
    )


def paid_count(ids: list[int]) -> int:
    return db.session.scalar(
        select(func.count(Withdrawal.id)).where(
            Withdrawal.id.between(ids[0], ids[-1]), Withdrawal.status == "paid"
        )
    )


# ---------------------------------------------------------------------------- in-process


def in_process(func_path: str, args: list[tuple[object, ...]]) -> float:
    """Jobs through the app's embedded queue (RQ synchronous mode): seconds taken."""
    queue = jobs.queue("payouts")
    started = time.perf_counter()
    for job_args in args:
        queue.enqueue_call(func_path, args=job_args, result_ttl=0)
    return time.perf_counter() - started


# ---------------------------------------------------------------------------- through Redis


def through_redis(
    url: str, redis_url: str, func_path: str, args: list[tuple[object, ...]], workers: int
) -> float:
    """Jobs through a queue of this run's own, worked by ``workers`` SimpleWorker processes
    (started and warmed up before the clock starts): seconds until the queue is empty."""
    connection = Redis.from_url(redis_url)
    name = f"payouts-bench-{uuid.uuid4().hex[:8]}"
    queue = Queue(name, connection=connection)
    for start in range(0, len(args), 5_000):
        queue.enqueue_many(
            [
                Queue.prepare_data(func_path, args=job_args, result_ttl=0)
                for job_args in args[start : start + 5_000]
            ]
        )
    ready, go = f"{name}:ready", f"{name}:go"
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", name, "--url", url, "--redis", redis_url],
            cwd=ROOT,
        )
        for _ in range(workers)
    ]
    try:
        _wait_until_ready(connection, ready, procs)
        started = time.perf_counter()
        connection.rpush(go, *(["go"] * workers))
        for proc in procs:
            proc.wait()
        seconds = time.perf_counter() - started
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
        queue.delete(delete_jobs=True)
        connection.delete(ready, go)
        connection.close()
    return seconds


def _wait_until_ready(connection: Redis, key: str, procs: list[subprocess.Popen]) -> None:
    waiting, deadline = len(procs), time.monotonic() + 120
    while waiting:
        if any(proc.poll() is not None for proc in procs):
            raise RuntimeError("a worker exited before it was ready (its error is above)")
        if time.monotonic() > deadline:
            raise RuntimeError("the workers did not start within two minutes")
        if connection.blpop([key], timeout=1) is not None:
            waiting -= 1


def worker_main(queue_name: str, url: str, redis_url: str) -> None:
    """One worker process: build the app, open the pools, wait for the start, work, exit."""
    app = make_app(url, redis_url)
    with app.app_context():
        import affiliate.payouts.jobs  # noqa: F401 - imported before the clock starts

        db.session.execute(select(1))
        db.session.remove()
        connection = jobs.connection
        worker = SimpleWorker([Queue(queue_name, connection=connection)], connection=connection)
        connection.rpush(f"{queue_name}:ready", 1)
        connection.blpop([f"{queue_name}:go"])
        worker.work(burst=True, logging_level="WARNING")


# ---------------------------------------------------------------------------- the run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--redis", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args.worker, args.url, args.redis)
        return

    import os

    redis_url = os.environ.get("REDIS_URL")
    url, drop = make_database("affiliate_payoutbench")
    app = make_app(url)
    results: list[tuple[str, str, int, float]] = []
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            dialect = db.engine.dialect.name
            started = time.perf_counter()
            local = approved_withdrawals(args.count, "local")
            remote = approved_withdrawals(args.count, "redis") if redis_url else []
            made = time.perf_counter() - started
            print(
                f"database: {dialect}; {args.count:,} approved withdrawals per run "
                f"({len(local) + len(remote):,} made in {made:.1f}s)\n"
            )
            db.session.remove()

            seconds = in_process(NOOP_JOB, [()] * args.count)
            results.append(("no-op RQ job", "in-process", args.count, seconds))
            seconds = in_process(PAYOUT_JOB, [(i,) for i in local])
            results.append(("process_withdrawal", "in-process", paid_count(local), seconds))
            db.session.remove()

        if redis_url:
            label = f"Redis, {args.workers} SimpleWorkers"
            seconds = through_redis(url, redis_url, NOOP_JOB, [()] * args.count, args.workers)
            results.append(("no-op RQ job", label, args.count, seconds))
            payouts = [(i,) for i in remote]
            seconds = through_redis(url, redis_url, PAYOUT_JOB, payouts, args.workers)
            with app.app_context():
                results.append(("process_withdrawal", label, paid_count(remote), seconds))
                db.session.remove()

        print(f"{'job':<20} {'how':<24} {'done':>8} {'seconds':>9} {'per second':>11}")
        for job_name, how, done, seconds in results:
            print(f"{job_name:<20} {how:<24} {done:>8,} {seconds:>9.2f} {done / seconds:>11,.0f}")
        if not redis_url:
            print("\n(REDIS_URL is not set: the run through Redis was skipped)")

        with app.app_context():
            transfers = db.session.scalar(select(func.count(SimulatedTransfer.id)))
            report = ledger.check_ledger()
            print(
                f"\nsimulated transfers: {transfers:,}; ledger check over "
                f"{report.entries_checked:,} entries: ok={report.ok}"
            )
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
