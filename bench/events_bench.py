"""Events benchmark: record a million content events, roll them up, time every dashboard.

Prints one table and asserts nothing. Runs against a throw-away database: PostgreSQL when
``DATABASE_URL`` is set (a new database on that server, dropped afterwards), else SQLite.

    .venv/bin/python bench/events_bench.py [--events 1000000] [--creators 200] [--sample 2000]
        [--ingest 200000] [--redis redis://127.0.0.1:6379/12] [--offer 25000] [--json]

What it does:
- generates creators (with profiles), stores, products, videos and, for one line in fifty
  events, a paid order line with its commission, spread over the last 90 days; busy creators
  get many more events than quiet ones (a long tail, as on a real platform);
- inserts the events in bulk (batches of 20,000: COPY on PostgreSQL, executemany on SQLite),
  with dedup keys on views, cart opens and clicks so the unique index costs what it costs;
- times single ``record_event`` calls, each committed (the cost a page view pays), and the
  beacon ``POST /t/events`` through the app (routing, CSRF, the content check, the insert);
- measures batched ingestion (``bench/events_ingest.py``): the append a request pays, the beacon
  request buffered against direct, the flush draining a full buffer in events per second beside
  a bare multi-row INSERT of the same rows through the driver (the ratio), and events arriving
  at ``--offer`` a second while the flush and roll-up jobs run (sustained events per second,
  against the goal of 20,000). With ``--redis`` the buffer is that Redis database, else this
  process's memory (the embedded default);
- runs ``roll_up`` until the events are folded, then leaves a fresh tail of unfolded events,
  as the dashboards see it between two runs of the job;
- times each dashboard query for the busiest creator and the busiest store (median of runs).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade
from sqlalchemy import func, select, text

from affiliate import create_app
from affiliate.creators.attribution import tracking
from affiliate.creators.attribution.models import Commission, ContentEvent, EventKind
from affiliate.creators.centre.profile_pages import MeasuredFigures
from affiliate.creators.centre.queries import creator as dashboards
from affiliate.creators.centre.queries import seller as seller_dashboards
from affiliate.creators.centre.queries.lines import commission_lines
from affiliate.creators.centre.queries.period import Period
from affiliate.profiles import queries as profiles
from bench import bulk, events_ingest
from bench.throwaway_db import make_database
from core.config import TestingConfig
from core.extensions import db

BATCH = bulk.BATCH
DAYS = 90
STORES = 20
PRODUCTS_PER_STORE = 10
CONTENT_PER_CREATOR = 5
PRODUCTS_PER_CONTENT = 3
VISITORS = 50_000
TAIL = 5_000  # events left unfolded after the roll-up, as between two runs of the job
RUNS = 15  # each dashboard query is timed this many times; the median is reported
# Kinds in the proportions of a video page's funnel; an order is one event in fifty.
KINDS = (
    (EventKind.VIEW, 0.70),
    (EventKind.CART_OPEN, 0.10),
    (EventKind.CLICK, 0.12),
    (EventKind.ADD_TO_CART, 0.06),
    (EventKind.ORDER, 0.02),
)
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36"}


# ---------------------------------------------------------------------------- writing rows


def write_rows(table_name: str, rows: Iterable[dict[str, Any]]) -> int:
    """Insert rows fast (``bench.bulk``) and commit them."""
    count = bulk.write_rows(table_name, rows)
    db.session.commit()
    return count


def reset_sequences(*tables: str) -> None:
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        )
    db.session.commit()


# ---------------------------------------------------------------------------- the world


class World:
    """Ids of what was generated, for the events and the dashboards."""

    def __init__(self, creators: int) -> None:
        self.creators = list(range(1, creators + 1))  # user ids
        self.sellers = list(range(creators + 1, creators + STORES + 1))
        self.buyer = creators + STORES + 1
        self.stores = list(range(1, STORES + 1))
        self.products = list(range(1, STORES * PRODUCTS_PER_STORE + 1))
        self.content: list[tuple[int, int, tuple[int, ...]]] = []  # (id, creator, products)
        self.weights: list[float] = []


def generate_world(creators: int, now: datetime, rng: random.Random) -> World:
    world = World(creators)
    users = [*world.creators, *world.sellers, world.buyer]
    write_rows(
        "user_account",
        (
            {
                "id": i,
                "email": f"u{i}@bench.example.com",
                "display_name": f"User {i}",
                "password_hash": "x",
                "session_token": f"t{i}",
                "created_at": now,
            }
            for i in users
        ),
    )
    role = {**dict.fromkeys(world.creators, "creator"), **dict.fromkeys(world.sellers, "seller")}
    write_rows(
        "user_role",
        (
            {"id": n, "user_id": i, "role": role.get(i, "buyer"), "granted_at": now}
            for n, i in enumerate(users, start=1)
        ),
    )
    write_rows(
        "creator_profile",
        (
            {
                "id": i,
                "user_id": i,
                "handle": f"creator_{i:04d}",
                "display_name": f"Creator {i}",
                "bio": "",
                "follower_count": rng.randint(1_000, 500_000),
                "avg_views": rng.randint(100, 50_000),
                "created_at": now,
            }
            for i in world.creators
        ),
    )
    write_rows(
        "store",
        (
            {
                "id": s,
                "owner_id": world.sellers[s - 1],
                "name": f"Bench Store {s}",
                "handle": f"bench-{s}",
                "description": "",
                "currency": "USD",
                "return_address": "",
                "created_at": now,
            }
            for s in world.stores
        ),
    )
    category = db.session.scalar(
        text("SELECT id FROM category WHERE parent_id IS NOT NULL ORDER BY id LIMIT 1")
    )
    store_of = {p: 1 + (p - 1) // PRODUCTS_PER_STORE for p in world.products}
    write_rows(
        "product",
        (
            {
                "id": p,
                "store_id": store_of[p],
                "category_id": category,
                "title": f"Product {p}",
                "description": "",
                "status": "active",
                "currency": "USD",
                "price": 500 + (p * 37) % 9_500,
                "featured": False,
                "sold_count": 0,
                "created_at": now,
                "updated_at": now,
            }
            for p in world.products
        ),
    )
    write_rows(
        "variant",
        (
            {
                "id": p,
                "product_id": p,
                "store_id": store_of[p],
                "sku": f"B{p}",
                "option1": "",
                "option2": "",
                "price": 500 + (p * 37) % 9_500,
                "stock": 1_000,
                "position": 0,
                "active": True,
            }
            for p in world.products
        ),
    )
    write_rows(
        "plan",
        (
            {
                "id": s,
                "store_id": s,
                "kind": "store",
                "name": f"Store plan {s}",
                "status": "active",
                "message": "",
                "manual_approval": False,
                "starts_at": now - timedelta(days=DAYS + 1),
                "created_at": now,
                "status_changed_at": now,
            }
            for s in world.stores
        ),
    )
    content_id = 0
    rows, links = [], []
    for creator in world.creators:
        for _ in range(CONTENT_PER_CREATOR):
            content_id += 1
            store = rng.choice(world.stores)
            first = (store - 1) * PRODUCTS_PER_STORE + 1
            chosen = tuple(rng.sample(range(first, first + PRODUCTS_PER_STORE), 3))
            world.content.append((content_id, creator, chosen))
            rows.append(
                {
                    "id": content_id,
                    "creator_id": creator,
                    "kind": "video",
                    "title": f"Video {content_id}",
                    "status": "published",
                    "created_at": now - timedelta(days=DAYS),
                    "external_url": "https://video.example.com/clip.mp4",
                    "view_count": 0,
                    "click_count": 0,
                }
            )
            links.extend(
                {"id": len(links) + n + 1, "content_id": content_id, "product_id": p, "position": n}
                for n, p in enumerate(chosen)
            )
    write_rows("content", rows)
    write_rows("content_product", links)
    reset_sequences(
        "user_account", "user_role", "creator_profile", "store", "product", "variant", "plan"
    )
    reset_sequences("content", "content_product")
    # A long tail: the busiest creator gets far more events than the quietest.
    world.weights = [1 / (rank + 1) ** 0.8 for rank in range(len(world.content))]
    rng.shuffle(world.weights)
    return world


# ---------------------------------------------------------------------------- events


def event_rows(
    world: World, count: int, start: datetime, span: timedelta, rng: random.Random, salt: str
) -> Iterable[dict[str, Any]]:
    visitors = [f"{rng.getrandbits(128):032x}" for _ in range(VISITORS)]
    kinds = [kind for kind, _ in KINDS]
    kind_weights = [weight for _, weight in KINDS]
    step = span / max(count, 1)
    picks = rng.choices(world.content, weights=world.weights, k=count)
    kind_picks = rng.choices(kinds, weights=kind_weights, k=count)
    for n in range(count):
        content_id, creator, products = picks[n]
        kind = kind_picks[n]
        product = None if kind in (EventKind.VIEW, EventKind.CART_OPEN) else rng.choice(products)
        deduped = kind in tracking.DEDUPED_KINDS
        yield {
            "kind": kind.value,
            "content_id": content_id,
            "creator_id": creator,
            "product_id": product,
            "visitor": rng.choice(visitors),
            "amount": 500 + (product or 0) * 37 % 9_500 if kind is EventKind.ORDER else 0,
            "occurred_at": start + step * n,
            "dedup_key": hashlib.sha1(f"{salt}{n}".encode(), usedforsecurity=False).hexdigest()
            if deduped
            else None,
        }


class Sale(NamedTuple):
    id: int
    content_id: int
    creator: int
    product: int
    store: int
    price: int
    rate_bps: int
    amount: int
    reversed_amount: int
    state: str
    created: datetime


ORDER_STATUS = {"pending": "paid", "settled": "completed"}  # reversed, clawed back: refunded


def generate_commissions(world: World, count: int, now: datetime, rng: random.Random) -> int:
    """Paid orders through creators' videos, one line each, with their commission."""
    states = ("pending",) * 60 + ("settled",) * 30 + ("reversed",) * 7 + ("clawed_back",) * 3
    sales = []
    for n, (content_id, creator, products) in enumerate(
        rng.choices(world.content, weights=world.weights, k=count), start=1
    ):
        product = rng.choice(products)
        price = 500 + (product * 37) % 9_500
        rate = rng.choice((500, 1000, 1500, 2000))
        amount = (price * rate + 5_000) // 10_000
        state = rng.choice(states)
        sales.append(
            Sale(
                id=n,
                content_id=content_id,
                creator=creator,
                product=product,
                store=1 + (product - 1) // PRODUCTS_PER_STORE,
                price=price,
                rate_bps=rate,
                amount=amount,
                reversed_amount={"reversed": amount, "clawed_back": amount // 2}.get(state, 0),
                state=state,
                created=now - timedelta(seconds=rng.randrange(DAYS * 86_400)),
            )
        )
    write_rows(
        "shop_order",
        (
            {
                "id": sale.id,
                "buyer_id": world.buyer,
                "store_id": sale.store,
                "status": ORDER_STATUS.get(sale.state, "refunded"),
                "currency": "USD",
                "subtotal": sale.price,
                "discount": 0,
                "shipping": 0,
                "total": sale.price,
                "refunded_amount": 0,
                "ship_to": "1 Bench Street",
                "placed_at": sale.created,
                "paid_at": sale.created,
            }
            for sale in sales
        ),
    )
    write_rows(
        "order_line",
        (
            {
                "id": sale.id,
                "order_id": sale.id,
                "product_id": sale.product,
                "variant_id": sale.product,
                "title": f"Product {sale.product}",
                "variant_name": "",
                "sku": f"B{sale.product}",
                "unit_price": sale.price,
                "quantity": 1,
                "discount": 0,
                "amount": sale.price,
                "status": "open",
                "creator_id": sale.creator,
                "content_type": "video",
                "content_id": sale.content_id,
                "attributed_at": sale.created,
            }
            for sale in sales
        ),
    )
    write_rows(
        "commission",
        (
            {
                "id": sale.id,
                "order_line_id": sale.id,
                "order_id": sale.id,
                "store_id": sale.store,
                "creator_id": sale.creator,
                "product_id": sale.product,
                "content_id": sale.content_id,
                "plan_id": sale.store,  # each store's store plan has the store's id
                "plan_kind": "store",
                "rate_bps": sale.rate_bps,
                "base_amount": sale.price,
                "amount": sale.amount,
                "reversed_amount": sale.reversed_amount,
                "currency": "USD",
                "state": sale.state,
                "created_at": sale.created,
            }
            for sale in sales
        ),
    )
    reset_sequences("shop_order", "order_line", "commission")
    return count


# ---------------------------------------------------------------------------- timing


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def rate(self, label: str, count: int, seconds: float) -> None:
        self.rows.append(
            (
                label,
                f"{count:,}",
                f"{seconds:.2f}",
                f"{seconds / count * 1000:.3f}" if count else "-",
                f"{count / seconds:,.0f}" if seconds else "-",
            )
        )

    def latency(self, label: str, count: int, samples: list[float]) -> None:
        """Median and 99th percentile of ``samples`` (seconds)."""
        median = statistics.median(samples) * 1000
        p99 = sorted(samples)[max(0, round(len(samples) * 0.99) - 1)] * 1000
        self.rows.append(
            (label, f"{count:,}", f"{sum(samples):.2f}", f"{median:.3f}", f"p99 {p99:.3f} ms")
        )

    def print(self) -> None:
        header = ("measure", "n", "total s", "ms per op", "per second / p99")
        widths = [max(len(row[i]) for row in [header, *self.rows]) for i in range(5)]

        def show(cells: tuple[str, ...]) -> str:
            first, *rest = cells
            return "  ".join(
                [
                    first.ljust(widths[0]),
                    *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True)),
                ]
            )

        rule = "  ".join("-" * w for w in widths)
        print("\n".join([rule, show(header), rule, *map(show, self.rows), rule]))


def timed(function: Callable[[], Any], runs: int = RUNS) -> list[float]:
    function()  # warm the caches and the statement cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
        db.session.rollback()
    return samples


def dashboard_queries(creator: int, store: int) -> list[tuple[str, Callable[[], Any]]]:
    """Each dashboard's queries, for the busiest creator and store."""
    hint = tracking.cursor_position()
    month, quarter = Period.ending(30), Period.ending(90)
    measured = MeasuredFigures()

    def directory(query: profiles.DirectoryQuery) -> profiles.DirectoryPage:
        return profiles.search_directory(query, measured)

    by = profiles.DirectorySort
    return [
        ("creator: figures, 30 days", lambda: dashboards.creator_activity(creator, month, hint)),
        ("creator: figures, 90 days", lambda: dashboards.creator_activity(creator, quarter, hint)),
        (
            "creator: chart series, 90 days",
            lambda: dashboards.creator_daily(creator, quarter, hint),
        ),
        ("creator: top content, 90 days", lambda: dashboards.top_content(creator, quarter, hint)),
        ("creator: top products, 90 days", lambda: dashboards.top_products(creator, quarter, hint)),
        (
            "creator: commission by state, 90 days",
            lambda: dashboards.creator_commissions(creator, quarter, "USD"),
        ),
        (
            "creator: commission lines, page 1",
            lambda: commission_lines((Commission.creator_id == creator,), quarter, 1),
        ),
        (
            "creator centre: everything, 30 days",
            lambda: dashboards.creator_dashboard(creator, 30, "USD"),
        ),
        (
            "seller affiliate tab: everything, 90 days",
            lambda: seller_dashboards.seller_dashboard(store, "USD", 90),
        ),
        ("directory by GMV, page 1", lambda: directory(profiles.DirectoryQuery(sort=by.GMV))),
        (
            "directory by conversion, page 1",
            lambda: directory(profiles.DirectoryQuery(sort=by.CONVERSION)),
        ),
        (
            "directory, GMV at least $100",
            lambda: directory(profiles.DirectoryQuery(min_gmv=10_000)),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--creators", type=int, default=200)
    parser.add_argument("--sample", type=int, default=2_000, help="single record_event calls")
    parser.add_argument("--ingest", type=int, default=200_000, help="buffered events")
    parser.add_argument("--redis", help="buffer in this Redis database (else in memory)")
    parser.add_argument(
        "--offer", type=int, default=25_000, help="events a second arriving while sustained"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    say = (lambda *a, **k: None) if args.json else print
    url, drop = make_database("affiliate_eventsbench")
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=url,
        LOG_LEVEL="WARNING",
        RATELIMIT_ENABLED=False,
        REDIS_URL=args.redis,
        EVENT_BUFFER="redis" if args.redis else "memory",
        EVENT_BUFFER_MAX=10**9,  # the bench flushes itself
        EVENT_FLUSH_SECONDS=10**9,
    )
    rng = random.Random(11)
    table = Table()
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            now = datetime.now(UTC)
            say(f"database: {db.engine.dialect.name}; generating the world…", flush=True)
            world = generate_world(args.creators, now, rng)
            commissions = generate_commissions(world, max(args.events // 50, 10), now, rng)

            say(f"inserting {args.events:,} events in batches of {BATCH:,}…", flush=True)
            start = now - timedelta(days=DAYS - 1)
            span = timedelta(days=DAYS - 1, hours=23)
            started = time.perf_counter()
            write_rows("content_event", event_rows(world, args.events, start, span, rng, "b"))
            table.rate(
                "bulk insert of events (batches)", args.events, time.perf_counter() - started
            )

            say("recording single events…", flush=True)
            samples = []
            for n in range(args.sample):
                content_id, creator, products = rng.choice(world.content)
                kind = EventKind.CLICK if n % 4 == 0 else EventKind.VIEW
                began = time.perf_counter()
                tracking.record_event(
                    kind,
                    content_id,
                    creator,
                    visitor=f"{n:032x}",
                    product_id=products[0] if kind is EventKind.CLICK else None,
                )
                db.session.commit()
                samples.append(time.perf_counter() - began)
            table.latency("record_event + commit (one insert)", args.sample, samples)

            say("posting beacons…", flush=True)
            client = app.test_client()
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
            samples = []
            for n in range(max(args.sample // 4, 50)):
                content_id, _creator, products = world.content[n % len(world.content)]
                data = {"kind": "click", "content_id": content_id, "csrf_token": token}
                data["product_id"] = products[n % len(products)]
                began = time.perf_counter()
                response = client.post("/t/events", data=data, headers=BROWSER)
                samples.append(time.perf_counter() - began)
                assert response.status_code == 204, response.status_code
            table.latency("beacon POST /t/events (whole request)", len(samples), samples)

            def beacons(mode: str) -> list[float]:
                """Beacon requests with the buffer in ``mode``."""
                buffered = app.config["EVENT_BUFFER"]
                app.config["EVENT_BUFFER"] = mode
                headers = BROWSER
                timings = []
                for n in range(max(args.sample // 4, 50)):
                    content_id, _creator, _products = world.content[n % len(world.content)]
                    data = {"kind": "view", "content_id": content_id, "csrf_token": token}
                    began = time.perf_counter()
                    response = client.post("/t/events", data=data, headers=headers)
                    timings.append(time.perf_counter() - began)
                    assert response.status_code == 204, response.status_code
                app.config["EVENT_BUFFER"] = buffered
                events_ingest._drain()
                return timings

            say("rolling up…", flush=True)
            folded, started = 0, time.perf_counter()
            while batch := tracking.roll_up(50_000, settle_seconds=0):
                folded += batch
            table.rate("roll_up (batches of 50,000)", folded, time.perf_counter() - started)

            say(f"batched ingestion of {args.ingest:,} events…", flush=True)
            ingested = events_ingest.run(app, world, args.ingest, beacons, args.offer)
            while tracking.roll_up(50_000, settle_seconds=0):  # what the ingestion left
                pass

            # A fresh tail, as the dashboards see it between two runs of the job.
            tail_start = now - timedelta(minutes=1)
            write_rows(
                "content_event",
                event_rows(world, TAIL, tail_start, timedelta(seconds=50), rng, "t"),
            )
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()

            busiest_creator = db.session.scalar(
                select(ContentEvent.creator_id)
                .group_by(ContentEvent.creator_id)
                .order_by(func.count().desc())
                .limit(1)
            )
            creator_events = db.session.scalar(
                select(func.count()).where(ContentEvent.creator_id == busiest_creator)
            )
            busiest_store = db.session.execute(
                text("SELECT store_id FROM commission GROUP BY store_id ORDER BY count(*) DESC")
            ).scalar()
            stats_rows = db.session.scalar(text("SELECT count(*) FROM content_daily_stat"))
            queries = dashboard_queries(busiest_creator, busiest_store)
            say("timing the dashboards…", flush=True)
            for label, function in queries:
                table.latency(label, RUNS, timed(function))

            say(
                f"\n{db.engine.dialect.name}: {args.events:,} events in bulk + {args.sample:,} "
                f"single + beacons, {TAIL:,} left in the tail; {commissions:,} commissions; "
                f"{len(world.content):,} videos of {args.creators} creators; "
                f"{stats_rows:,} rollup rows; busiest creator has {creator_events:,} events\n"
            )
            if args.json:
                print(json.dumps(figures(db.engine.dialect.name, args, table, ingested)))
            else:
                table.print()
                print_ingestion(ingested)
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


#: Issue 18's goals for event recording.
GOAL_EVENTS_PER_S = 20_000
GOAL_ADDED_MS = 1.0


def print_ingestion(ingested: dict[str, Any]) -> None:
    append, buffered, direct = (
        ingested["append"],
        ingested["beacon_buffered"],
        ingested["beacon_direct"],
    )
    sustained, added = ingested["sustained_per_s"], ingested["beacon_added_ms"]
    print(
        f"\nbatched ingestion ({ingested['events']:,} events, {ingested['mode']} buffer):\n"
        f"  track_event (the append a request pays)  p50 {append['p50_ms']:.3f} ms, "
        f"p99 {append['p99_ms']:.3f} ms, {ingested['append_per_s']:,.0f}/s from one thread\n"
        f"  beacon request, buffered                 p50 {buffered['p50_ms']:.3f} ms, "
        f"p99 {buffered['p99_ms']:.3f} ms (its event: the append, {added:.3f} ms)\n"
        f"  beacon request, direct insert + commit   p50 {direct['p50_ms']:.3f} ms, "
        f"p99 {direct['p99_ms']:.3f} ms\n"
        f"  flush job (COPY + INSERT … SELECT on PG)  {ingested['flush_per_s']:,.0f} events/s"
        f" (a full buffer drained)\n"
        f"  bare: same rows, multi-row INSERT … ON CONFLICT via DBAPI  "
        f"{ingested['bare_insert_per_s']:,.0f} rows/s  -> flush at {ingested['flush_vs_bare']:.0%}"
        f" of bare\n"
        f"  sustained: {ingested['offered_per_s']:,}/s arriving, flush + roll-up jobs running  "
        f"{sustained:,.0f} events/s ({ingested['sustained_vs_bare']:.0%} of bare; largest backlog"
        f" {ingested['max_backlog']:,}; {ingested['folded_meanwhile']:,} rolled up meanwhile)\n"
        f"  goal >= {GOAL_EVENTS_PER_S:,} events/s sustained: "
        f"{'met' if sustained >= GOAL_EVENTS_PER_S else 'NOT met'} ({sustained:,.0f}/s)"
        f"; added <= {GOAL_ADDED_MS} ms: {'met' if added <= GOAL_ADDED_MS else 'NOT met'}"
    )


def figures(
    dialect: str, args: argparse.Namespace, table: Table, ingested: dict[str, Any]
) -> dict[str, Any]:
    """Everything printed, as one object."""
    return {
        "bench": "events",
        "database": dialect,
        "events": args.events,
        "creators": args.creators,
        "measures": [
            dict(zip(("measure", "n", "total_s", "ms", "rate"), row, strict=True))
            for row in table.rows
        ],
        "ingest": ingested,
        "goals": {
            "sustained_events_per_s": GOAL_EVENTS_PER_S,
            "added_ms": GOAL_ADDED_MS,
            "sustained_met": ingested["sustained_per_s"] >= GOAL_EVENTS_PER_S,
            "added_met": ingested["beacon_added_ms"] <= GOAL_ADDED_MS,
        },
    }


if __name__ == "__main__":
    main()
