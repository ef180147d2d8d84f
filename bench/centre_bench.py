"""Centre pages benchmark: seller orders, Creator centre, affiliate sales and the finance queue
at 1M orders / 1M events, each beside the bare joined-list page, alternately.

    .venv/bin/python bench/centre_bench.py [--orders 1000000] [--events 1000000]
        [--seconds 10] [--rounds 2] [--json]

The world is ``bench/events_bench.py``'s (creators, 20 stores with their store plans, videos,
events) with ``--orders`` paid orders through creators (a line and a commission each), minus
``--small-store`` orders (5,000 by default) that go to one more store of a seller of its own:
the seller-orders page is that seller's, a store with ~5,000 orders among the million. The
Creator centre is the busiest creator's; the affiliate sales tab is the busiest store's
seller's; the finance queue is a finance officer's (enrolled in two-factor and signed in from
a remembered device, as a returning officer's browser is) over ``--withdrawals`` requests.
Events are rolled up as the periodic job leaves them, with a fresh tail of 5,000.

Each page runs under ``gunicorn -w 2 -k sync`` (``bench/harness.py``) against the bare stack's
``/list`` (``bench/bare_app.py``), and the bench prints req/s, p50, p99, the ratio and the goal
(issue 18: at least 50%). PostgreSQL when ``DATABASE_URL`` is set (a new database, dropped
afterwards), else SQLite.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade
from sqlalchemy import func, select, text, update

from affiliate import create_app
from affiliate.creators.attribution import tracking
from affiliate.creators.attribution.models import Commission, ContentEvent
from bench import events_bench, harness
from bench.throwaway_db import make_database
from core.accounts import twofactor
from core.accounts.models import User
from core.accounts.passwords import passwords
from core.accounts.security_models import TwoFactor
from core.config import DevelopmentConfig
from core.extensions import db

PASSWORD = "bench-pass-123"
GOAL = 0.50
SECRET_KEY = "centre-bench-" + "k" * 40  # the app in gunicorn and the one here sign alike
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SMALL_SELLER_EMAIL = "seller@centre.example.com"
FINANCE_EMAIL = "finance@centre.example.com"
write_rows = events_bench.write_rows


# ---------------------------------------------------------------------------- data


def generate(orders: int, events: int, creators: int, small: int, withdrawals: int) -> dict:
    rng = random.Random(18)
    now = datetime.now(UTC)
    world = events_bench.generate_world(creators, now, rng)
    small = min(small, orders // 2)
    events_bench.generate_commissions(world, orders - small, now, rng)
    seller_id = _small_store(world, orders - small, small, now)
    start = now - timedelta(days=events_bench.DAYS - 1)
    span = timedelta(days=events_bench.DAYS - 1, hours=23)
    write_rows("content_event", events_bench.event_rows(world, events, start, span, rng, "c"))
    while tracking.roll_up(50_000, settle_seconds=0):  # each call commits
        pass
    tail = min(events_bench.TAIL, events)
    write_rows(
        "content_event",
        events_bench.event_rows(
            world, tail, now - timedelta(minutes=1), timedelta(seconds=50), rng, "t"
        ),
    )
    finance_id = _finance_officer(world, withdrawals, now)
    creator_id = db.session.scalar(
        select(ContentEvent.creator_id)
        .group_by(ContentEvent.creator_id)
        .order_by(func.count().desc(), ContentEvent.creator_id)
        .limit(1)
    )
    store_id = db.session.scalar(
        select(Commission.store_id)
        .group_by(Commission.store_id)
        .order_by(func.count().desc(), Commission.store_id)
        .limit(1)
    )
    affiliate_seller = world.sellers[store_id - 1]
    signed_in = [creator_id, affiliate_seller, seller_id, finance_id]
    db.session.execute(
        update(User).where(User.id.in_(signed_in)).values(password_hash=passwords.hash(PASSWORD))
    )
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    found = db.session.execute(select(User.id, User.email).where(User.id.in_(signed_in)))
    emails = dict(found.all())
    return {
        "creator": emails[creator_id],
        "affiliate_seller": emails[affiliate_seller],
        "seller": emails[seller_id],
        "finance": emails[finance_id],
        "small_store_orders": small,
        "creator_events": db.session.scalar(
            select(func.count()).where(ContentEvent.creator_id == creator_id)
        ),
        "store_commissions": db.session.scalar(
            select(func.count()).where(Commission.store_id == store_id)
        ),
    }


def _small_store(world: events_bench.World, first: int, count: int, now: datetime) -> int:
    """One more seller and store with ``count`` orders (ids after ``first``); the seller's id."""
    seller = world.buyer + 1
    store = len(world.stores) + 1
    product = len(world.products) + 1
    write_rows(
        "user_account",
        [
            {
                "id": seller,
                "email": SMALL_SELLER_EMAIL,
                "display_name": "Centre Seller",
                "password_hash": "x",
                "session_token": "centre-seller",
                "created_at": now,
            }
        ],
    )
    db.session.execute(
        text("INSERT INTO user_role (user_id, role, granted_at) VALUES (:u, 'seller', :t)"),
        {"u": seller, "t": now},
    )
    write_rows(
        "store",
        [
            {
                "id": store,
                "owner_id": seller,
                "name": "Centre Store",
                "handle": "centre-store",
                "description": "",
                "currency": "USD",
                "return_address": "",
                "created_at": now,
            }
        ],
    )
    category = db.session.scalar(
        text("SELECT id FROM category WHERE parent_id IS NOT NULL ORDER BY id LIMIT 1")
    )
    write_rows(
        "product",
        [
            {
                "id": product,
                "store_id": store,
                "category_id": category,
                "title": "Centre Product",
                "description": "",
                "status": "active",
                "currency": "USD",
                "price": 2_500,
                "featured": False,
                "sold_count": 0,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    write_rows(
        "variant",
        [
            {
                "id": product,
                "product_id": product,
                "store_id": store,
                "sku": "CENTRE-1",
                "option1": "",
                "option2": "",
                "price": 2_500,
                "stock": 1_000,
                "position": 0,
                "active": True,
            }
        ],
    )
    statuses = ("paid", "shipped", "delivered", "completed", "cancelled")
    write_rows(
        "shop_order",
        (
            {
                "id": first + n,
                "buyer_id": world.buyer,
                "store_id": store,
                "status": statuses[n % len(statuses)],
                "currency": "USD",
                "subtotal": 2_500,
                "discount": 0,
                "shipping": 0,
                "total": 2_500,
                "refunded_amount": 0,
                "ship_to": "1 Bench Street",
                "placed_at": now - timedelta(minutes=n),
                "paid_at": now - timedelta(minutes=n),
            }
            for n in range(1, count + 1)
        ),
    )
    write_rows(
        "order_line",
        (
            {
                "id": first + n,
                "order_id": first + n,
                "product_id": product,
                "variant_id": product,
                "title": "Centre Product",
                "variant_name": "",
                "sku": "CENTRE-1",
                "unit_price": 2_500,
                "quantity": 1,
                "discount": 0,
                "amount": 2_500,
                "status": "open",
            }
            for n in range(1, count + 1)
        ),
    )
    events_bench.reset_sequences(
        "user_account", "user_role", "store", "product", "variant", "shop_order", "order_line"
    )
    return seller


def _finance_officer(world: events_bench.World, withdrawals: int, now: datetime) -> int:
    """A finance officer enrolled in two-factor, and ``withdrawals`` requests to review."""
    officer = User(
        email=FINANCE_EMAIL, display_name="Centre Finance", password_hash="x", created_at=now
    )
    db.session.add(officer)
    db.session.flush()
    db.session.execute(
        text("INSERT INTO user_role (user_id, role, granted_at) VALUES (:u, 'finance', :t)"),
        {"u": officer.id, "t": now},
    )
    db.session.add(TwoFactor(user_id=officer.id, secret=TOTP_SECRET, confirmed_at=now))
    db.session.commit()
    write_rows(
        "withdrawal",
        (
            {
                "creator_id": world.creators[n % len(world.creators)],
                "currency": "USD",
                "amount": 10_000 + n,
                "fee": 200,
                "net": 9_800 + n,
                "fee_bps": 200,
                "status": "requested",
                "request_token": f"centre-{n:09d}",
                "needs_two_approvals": False,
                "attempt": 1,
                "provider_calls": 0,
                "requested_at": now - timedelta(minutes=n),
                "updated_at": now - timedelta(minutes=n),
            }
            for n in range(withdrawals)
        ),
    )
    return officer.id


# ---------------------------------------------------------------------------- signing in


def device_cookie(email: str) -> str:
    """The "remember this device" cookie of the officer (made in the bench's app context)."""
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None
    return f"{twofactor.REMEMBER_DEVICE_COOKIE}={twofactor.remember_device_token(user)}"


def login_with(server: harness.Server, email: str, extra_cookie: str = "") -> str:
    """``harness.login_cookie`` with an extra cookie (a remembered device) sent along; returns
    every cookie the page loads need, as one ``Cookie`` header value."""
    if not extra_cookie:
        return harness.login_cookie(server, email, PASSWORD)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", "/login", headers={"Cookie": extra_cookie})
    response = conn.getresponse()
    page = response.read().decode()
    cookie = _session(response)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    if token is None:
        raise RuntimeError("no CSRF token on /login")
    body = urlencode({"csrf_token": token.group(1), "email": email, "password": PASSWORD})
    conn.request(
        "POST",
        "/login",
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"{cookie}; {extra_cookie}",
        },
    )
    response = conn.getresponse()
    response.read()
    signed_in = _session(response)
    if response.status != 302 or not signed_in:
        conn.close()
        raise RuntimeError(f"sign-in as {email} failed ({response.status})")
    # As a browser: the landing page shows the sign-in flash once and returns a cookie without it.
    landing = urlsplit(response.headers.get("Location") or "/")
    conn.request("GET", landing.path or "/", headers={"Cookie": f"{signed_in}; {extra_cookie}"})
    after = conn.getresponse()
    after.read()
    conn.close()
    return f"{_session(after) or signed_in}; {extra_cookie}"


def _session(response: http.client.HTTPResponse) -> str:
    cookies = [c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or []]
    return next((c for c in cookies if c.startswith("session=")), "")


# ---------------------------------------------------------------------------- the run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--creators", type=int, default=200)
    parser.add_argument("--small-store", type=int, default=5_000, help="the seller's orders")
    parser.add_argument("--withdrawals", type=int, default=5_000)
    harness.add_common_arguments(parser)
    args = parser.parse_args()
    os.environ["SECRET_KEY"] = SECRET_KEY
    url, drop = make_database("affiliate_centrebench")
    try:
        app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, LOG_LEVEL="WARNING")
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            started = time.perf_counter()
            world = generate(
                args.orders, args.events, args.creators, args.small_store, args.withdrawals
            )
            made = time.perf_counter() - started
            finance_device = device_cookie(world["finance"])
            dialect = db.engine.dialect.name
            db.session.remove()
            db.engine.dispose()
        harness.info(
            f"database: {dialect}; {args.orders:,} orders, {args.events:,} events, "
            f"{args.withdrawals:,} withdrawals (generated in {made:.1f}s); the seller's store has "
            f"{world['small_store_orders']:,} orders, the busiest creator "
            f"{world['creator_events']:,} events, the busiest store "
            f"{world['store_commissions']:,} affiliate sales; load: {harness.load_tool()}, "
            f"{args.seconds:g}s x {args.rounds} rounds per page",
            args.json,
        )
        # Served as in production: with Redis when REDIS_URL is set (kept identities, page cache).
        project = harness.project_spec(
            url,
            SECRET_KEY=SECRET_KEY,
            REDIS_URL=os.environ.get("REDIS_URL", ""),
            CACHE_KEY_PREFIX=f"centrebench-{uuid.uuid4().hex[:8]}:",
        )
        pages = [
            ("seller orders", world["seller"], "", "/seller/orders"),
            ("Creator centre", world["creator"], "", "/creator/"),
            ("affiliate sales", world["affiliate_seller"], "", "/seller/affiliates"),
            ("finance queue", world["finance"], finance_device, "/finance/withdrawals"),
        ]
        results = []
        with harness.serve(project) as site, harness.serve(harness.bare_spec(url)) as base:
            for name, email, extra, path in pages:
                cookie = login_with(site, email, extra)
                results.append(
                    harness.measure_pair(
                        site,
                        base,
                        [path],
                        ["/list"],
                        seconds=args.seconds,
                        rounds=args.rounds,
                        cookie=cookie,
                        name=name,
                        goal=GOAL,
                    )
                )
        harness.report(
            "centre",
            results,
            args.json,
            database=dialect,
            orders=args.orders,
            events=args.events,
            seller_store_orders=world["small_store_orders"],
        )
    finally:
        drop()


if __name__ == "__main__":
    main()
