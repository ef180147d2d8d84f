"""Payouts benchmark: the payout job against a bare one-transaction RQ job, side by side.

The bare job (``bare_posting``) is what the payout job is measured against: a module-level
function that runs one ledger-like transaction on the same database (lock an account row
``FOR UPDATE``, insert two postings, update its balance) with SQLAlchemy Core and nothing
else. Both go through the same Redis and the same worker processes (the app's
``OutboxWorker``, a ``SimpleWorker``), alternately (bare, payouts, bare, payouts, ...), for
one worker and for two; the bench prints each rate,
the ratio payouts / bare and the goal (issue 18: at least 60%). ``--json`` prints one JSON
object instead of the table.

    .venv/bin/python bench/payouts_bench.py [--count 2000] [--workers 1 2] [--rounds 2] [--json]

Runs against a throw-away database: PostgreSQL when ``DATABASE_URL`` is set (a new database on
that server, dropped afterwards), else SQLite. With ``REDIS_URL`` set the jobs go to a queue of
the run's own (deleted afterwards); the workers start, import the app and both jobs and open
their pools before the clock starts, and the clock stops when they have emptied the queue.
Without Redis both jobs run in-process (RQ's synchronous queue, the embedded default).
``PAYOUTS_BENCH_PROFILE=/tmp/prof`` writes each worker's cProfile to ``/tmp/prof.<pid>``.

Each set of withdrawals is approved and held as the services leave them (one ledger entry per
creator holds the total of that creator's withdrawals), so every payout does the real work:
lock, processing (committed), the provider's own transaction, then paid, the ledger entry
(held → payouts clearing and fee revenue), the audit events and the creator's notices.
"""

from __future__ import annotations

import argparse
import json
import os
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
from rq import Queue
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    Table,
    create_engine,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine

from affiliate import create_app
from affiliate.payouts.models import PayoutAccount, SimulatedTransfer, Withdrawal
from affiliate.payouts.rules import fee_for
from bench.throwaway_db import make_database
from core.accounts.models import Role, User, UserRole
from core.config import TestingConfig
from core.extensions import db
from core.jobs import OutboxWorker, jobs
from core.ledger import checks as ledger_checks
from core.ledger import services as ledger
from core.ledger.models import AccountKind
from core.types import utcnow

PAYOUT_JOB = "affiliate.payouts.jobs.process_withdrawal"
BARE_JOB = "bench.payouts_bench.bare_posting"
BARE_URL_VARIABLE = "PAYOUTS_BENCH_BARE_URL"
PER_CREATOR = 100
AMOUNT = 10_000  # $100.00 each: $2.00 fee, $98.00 paid
CURRENCY = "USD"
GOAL = 0.60

# ---------------------------------------------------------------------------- the bare job

bare_metadata = MetaData()
bare_account = Table(
    "bench_bare_account",
    bare_metadata,
    Column("id", Integer, primary_key=True),
    Column("balance", BigInteger, nullable=False),
)
bare_posting_table = Table(
    "bench_bare_posting",
    bare_metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("entry", Integer, nullable=False),
    Column("account_id", Integer, nullable=False),
    Column("amount", BigInteger, nullable=False),
)
_bare_engine: Engine | None = None


def _bare() -> Engine:
    global _bare_engine
    if _bare_engine is None:
        _bare_engine = create_engine(os.environ[BARE_URL_VARIABLE])
    return _bare_engine


def bare_posting(account_id: int, entry: int) -> None:
    """The bare job: one ledger-like transaction (lock, two postings, update), nothing else."""
    with _bare().begin() as connection:
        balance = connection.execute(
            select(bare_account.c.balance).where(bare_account.c.id == account_id).with_for_update()
        ).scalar_one()
        connection.execute(
            insert(bare_posting_table),
            [
                {"entry": entry, "account_id": account_id, "amount": -AMOUNT},
                {"entry": entry, "account_id": 0, "amount": AMOUNT},
            ],
        )
        connection.execute(
            update(bare_account)
            .where(bare_account.c.id == account_id)
            .values(balance=balance - AMOUNT)
        )


def make_bare_tables(url: str, accounts: int) -> None:
    engine = create_engine(url)
    bare_metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(bare_account), [{"id": n, "balance": 10**12} for n in range(accounts + 1)]
        )
    engine.dispose()


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


# ---------------------------------------------------------------------------- running jobs


def in_process(func_path: str, args: list[tuple[object, ...]]) -> float:
    """Jobs through the app's embedded queue (RQ synchronous mode): seconds taken."""
    queue = jobs.queue("payouts")
    started = time.perf_counter()
    for job_args in args:
        queue.enqueue_call(func_path, args=job_args, result_ttl=0)
    return time.perf_counter() - started


def through_redis(
    url: str, redis_url: str, func_path: str, args: list[tuple[object, ...]], workers: int
) -> float:
    """Jobs through a queue of this run's own, worked by ``workers`` OutboxWorker processes
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
    """One worker process: build the app, import both jobs, open the pools, wait, work, exit."""
    os.environ[BARE_URL_VARIABLE] = url
    app = make_app(url, redis_url)
    with app.app_context():
        import affiliate.payouts.jobs  # noqa: F401 - imported before the clock starts
        from bench import payouts_bench  # the module RQ imports for the bare job

        with payouts_bench._bare().connect() as connection:
            connection.execute(select(1))
        db.session.execute(select(1))
        db.session.remove()
        connection = jobs.connection
        # The app's worker class (``flask worker``): it also hands the outbox over in batches.
        worker = OutboxWorker([Queue(queue_name, connection=connection)], connection=connection)
        connection.rpush(f"{queue_name}:ready", 1)
        connection.blpop([f"{queue_name}:go"])
        profile_to = os.environ.get("PAYOUTS_BENCH_PROFILE")
        if profile_to:
            import cProfile

            cProfile.runctx(
                'worker.work(burst=True, logging_level="WARNING")',
                globals(),
                {"worker": worker},
                f"{profile_to}.{os.getpid()}",
            )
        else:
            worker.work(burst=True, logging_level="WARNING")


# ---------------------------------------------------------------------------- the run


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2_000, help="jobs per timed run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=2, help="bare/payout pairs per setting")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--redis", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.worker:
        worker_main(args.worker, args.url, args.redis)
        return
    out = sys.stderr if args.json else sys.stdout

    def say(line: str = "") -> None:
        print(line, file=out, flush=True)

    redis_url = os.environ.get("REDIS_URL")
    settings = args.workers if redis_url else [1]
    url, drop = make_database("affiliate_payoutbench")
    os.environ[BARE_URL_VARIABLE] = url
    app = make_app(url)
    results: list[dict[str, object]] = []
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            dialect = db.engine.dialect.name
            accounts = max(1, -(-args.count // PER_CREATOR))
            make_bare_tables(url, accounts)
            started = time.perf_counter()
            batches = {
                (workers, n): approved_withdrawals(args.count, f"w{workers}r{n}")
                for workers in settings
                for n in range(args.rounds)
            }
            made = time.perf_counter() - started
            db.session.remove()
        how = "Redis, OutboxWorker" if redis_url else "in-process (REDIS_URL unset)"
        say(
            f"database: {dialect}; jobs: {how}; {args.count:,} jobs per run, "
            f"{args.rounds} bare/payout pairs per setting "
            f"({args.count * len(batches):,} approved withdrawals made in {made:.1f}s)\n"
        )
        say(f"{'run':<34} {'done':>7} {'seconds':>8} {'per second':>11}")
        entry = 0
        for workers in settings:
            bare_done = bare_seconds = paid_done = paid_seconds = 0.0
            for n in range(args.rounds):
                bare_args = [(1 + i % accounts, entry + i) for i in range(args.count)]
                entry += args.count
                seconds = run_jobs(app, url, redis_url, BARE_JOB, bare_args, workers)
                say(_line(f"bare job, {workers} worker(s), run {n + 1}", args.count, seconds))
                bare_done, bare_seconds = bare_done + args.count, bare_seconds + seconds
                ids = batches[(workers, n)]
                seconds = run_jobs(app, url, redis_url, PAYOUT_JOB, [(i,) for i in ids], workers)
                with app.app_context():
                    done = paid_count(ids)
                    db.session.remove()
                say(_line(f"payout job, {workers} worker(s), run {n + 1}", done, seconds))
                paid_done, paid_seconds = paid_done + done, paid_seconds + seconds
            rate, bare_rate = paid_done / paid_seconds, bare_done / bare_seconds
            results.append(
                {
                    "name": f"payout job, {workers} worker{'s' if workers > 1 else ''}",
                    "rate": round(rate, 1),
                    "bare_rate": round(bare_rate, 1),
                    "ratio": round(rate / bare_rate, 3),
                    "goal": GOAL,
                }
            )

        with app.app_context():
            transfers = db.session.scalar(select(func.count(SimulatedTransfer.id)))
            report = ledger_checks.check_ledger()
            db.session.remove()
            db.engine.dispose()
        say()
        for result in results:
            ratio = float(result["ratio"])  # type: ignore[arg-type]
            verdict = "meets" if ratio >= GOAL else "below"
            rate, bare_rate = result["rate"], result["bare_rate"]
            say(
                f"{result['name']:<22} {rate:>8,.1f}/s  bare {bare_rate:>8,.1f}/s"
                f"  ratio {ratio:.0%}  goal {GOAL:.0%}: {verdict}"
            )
        say(
            f"\nsimulated transfers: {transfers:,}; ledger check over "
            f"{report.entries_checked:,} entries: ok={report.ok}"
        )
        if args.json:
            print(
                json.dumps(
                    {
                        "bench": "payouts",
                        "database": dialect,
                        "jobs": how,
                        "count": args.count,
                        "rounds": args.rounds,
                        "results": results,
                        "ledger_ok": report.ok,
                    }
                )
            )
    finally:
        drop()


def run_jobs(
    app: Flask,
    url: str,
    redis_url: str | None,
    func_path: str,
    job_args: list[tuple[object, ...]],
    workers: int,
) -> float:
    if redis_url:
        return through_redis(url, redis_url, func_path, job_args, workers)
    with app.app_context():
        seconds = in_process(func_path, job_args)
        db.session.remove()
    return seconds


def _line(label: str, done: float, seconds: float) -> str:
    return f"{label:<34} {done:>7,.0f} {seconds:>8.2f} {done / seconds:>11,.1f}"


if __name__ == "__main__":
    main()
