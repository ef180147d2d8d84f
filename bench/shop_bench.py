"""Shop benchmark: the public pages beside the bare stack, signed out and signed in.

Generates a large shop, serves it under gunicorn beside ``bench/bare_app.py`` on the same
database, and loads each page and its bare counterpart alternately (``bench/harness.py``):
home, category and store beside the bare 20-row joined list, product beside the bare
one-query page; each signed out and signed in as a buyer. Prints req/s, p50 / p99, the bare
req/s, the ratio and the goal (issue 18: 70% signed out, 35% signed in). Asserts nothing.

    DATABASE_URL=postgresql+psycopg://... REDIS_URL=redis://127.0.0.1:6379/11 \\
        .venv/bin/python bench/shop_bench.py [--products 100000] [--orders 1000000] \\
        [--seconds 10] [--rounds 2] [--only product,home] [--json]

PostgreSQL when ``DATABASE_URL`` is set (a new database on that server, dropped afterwards,
filled with COPY), else a SQLite file. The page cache is on Redis when ``REDIS_URL`` is set
(keys under a prefix of this run), else in each gunicorn worker. Load comes from ``wrk`` when
it is installed (``apt-get install wrk``), else from a keep-alive client in threads.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from affiliate import create_app
from bench import bulk, harness
from bench.throwaway_db import make_database
from core.accounts.passwords import passwords
from core.config import DevelopmentConfig
from core.extensions import db

WORDS = tuple(
    """
    silk glow serum matte lip velvet cotton linen denim trail running shoe ceramic
    mug oak shelf smart lamp wireless earbuds charger cable organic granola cold
    brew green tea protein bar yoga mat kettlebell helmet jersey scarf tote hoodie
    candle pillow
    """.split()  # noqa: SIM905 - a word list reads best as prose
)
PASSWORD = "bench-pass-123"
GOALS = {False: 0.70, True: 0.35}  # signed out, signed in: share of the bare page's req/s


write_rows = bulk.write_rows


def generate(products: int, orders: int) -> dict[str, object]:
    rng = random.Random(7)
    now = datetime.now(UTC)
    password_hash = passwords.hash(PASSWORD)
    stores, buyers = max(products // 500, 10), max(orders // 100, 100)
    started = time.perf_counter()
    write_rows(
        "user_account",
        (
            {
                "id": i,
                "email": f"u{i}@bench.example.com",
                "display_name": f"User {i}",
                "password_hash": password_hash,
                "session_token": f"t{i}",
                "created_at": now,
            }
            for i in range(1, stores + buyers + 1)
        ),
    )
    write_rows(
        "user_role",
        (
            {"id": i, "user_id": i, "role": "seller" if i <= stores else "buyer", "granted_at": now}
            for i in range(1, stores + buyers + 1)
        ),
    )
    write_rows(
        "store",
        (
            {
                "id": i,
                "owner_id": i,
                "name": f"Bench Store {i}",
                "handle": f"bench-{i}",
                "description": "A generated store.",
                "currency": "USD",
                "return_address": "",
                "created_at": now,
            }
            for i in range(1, stores + 1)
        ),
    )
    leaf_categories = list(
        db.session.scalars(
            select(db.metadata.tables["category"].c.id).where(
                db.metadata.tables["category"].c.parent_id.is_not(None)
            )
        )
    )

    def product_rows():
        for i in range(1, products + 1):
            title = " ".join(rng.choice(WORDS) for _ in range(3)).title()
            yield {
                "id": i,
                "store_id": 1 + i % stores,
                "category_id": rng.choice(leaf_categories),
                "title": f"{title} {i}",
                "description": " ".join(rng.choices(WORDS, k=25)),
                "status": "draft" if i % 10 == 3 else "active",
                "currency": "USD",
                "price": 500 + (i * 37) % 20_000,
                "featured": i % 97 == 0,
                "sold_count": (i * 13) % 500,
                "created_at": now - timedelta(minutes=i),
                "updated_at": now,
            }

    write_rows("product", product_rows())
    variant_id = 0

    def variant_rows():
        nonlocal variant_id
        for i in range(1, products + 1):
            for size in ("S", "M")[: 1 + i % 2]:
                variant_id += 1
                yield {
                    "id": variant_id,
                    "product_id": i,
                    "store_id": 1 + i % stores,
                    "sku": f"B{i}-{size}",
                    "option1": size,
                    "option2": "",
                    "price": 500 + (i * 37) % 20_000,
                    "stock": 50,
                    "position": 0,
                    "active": True,
                }

    write_rows("variant", variant_rows())
    statuses = ["paid", "shipped", "delivered", "completed", "cancelled", "pending_payment"]

    def order_rows():
        for i in range(1, orders + 1):
            product = 1 + (i * 7919) % products
            price = 500 + (product * 37) % 20_000
            yield {
                "id": i,
                "buyer_id": stores + 1 + i % buyers,
                "store_id": 1 + product % stores,
                "status": statuses[i % len(statuses)],
                "currency": "USD",
                "subtotal": price,
                "discount": 0,
                "shipping": 0,
                "total": price,
                "refunded_amount": 0,
                "ship_to": "1 Bench Street, Benchville",
                "placed_at": now - timedelta(minutes=i),
            }

    write_rows("shop_order", order_rows())

    def line_rows():
        for i in range(1, orders + 1):
            product = 1 + (i * 7919) % products
            price = 500 + (product * 37) % 20_000
            yield {
                "id": i,
                "order_id": i,
                "product_id": product,
                "variant_id": _first_variant(product),
                "title": f"Product {product}",
                "variant_name": "S",
                "sku": f"B{product}-S",
                "unit_price": price,
                "quantity": 1,
                "discount": 0,
                "amount": price,
                "status": "open",
            }

    write_rows("order_line", line_rows())
    if db.engine.dialect.name == "postgresql":
        for table in (
            "user_account",
            "user_role",
            "store",
            "product",
            "variant",
            "shop_order",
            "order_line",
        ):
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
        db.session.commit()
        db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {"seconds": time.perf_counter() - started, "stores": stores, "buyers": buyers}


def _first_variant(product: int) -> int:
    # Variants were numbered product by product: odd products have 2, even ones 1.
    before = product - 1
    return before + before // 2 + 1


def sample_products(count: int = 20) -> list[int]:
    """Active products spread over the catalogue (the same ids for the project and the bare)."""
    product = db.metadata.tables["product"]
    ids = list(
        db.session.scalars(select(product.c.id).where(product.c.status == "active").order_by("id"))
    )
    step = max(1, len(ids) // count)
    return ids[::step][:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument(
        "--only", default="", help="comma-separated page names (home, category, store, product)"
    )
    harness.add_common_arguments(parser)
    args = parser.parse_args()
    url, drop = make_database("affiliate_shopbench")
    try:
        app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, LOG_LEVEL="WARNING")
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            stats = generate(args.products, args.orders)
            products = sample_products()
            db.session.remove()
            db.engine.dispose()
        harness.info(
            f"database: {make_url(url).get_backend_name()}; generated {args.products:,} products, "
            f"{args.orders:,} orders, {stats['stores']} stores, {stats['buyers']} buyers "
            f"in {stats['seconds']:.1f}s",
            args.json,
        )
        redis_url = os.environ.get("REDIS_URL", "")
        project = harness.project_spec(
            url, REDIS_URL=redis_url, CACHE_KEY_PREFIX=f"shopbench-{uuid.uuid4().hex[:8]}:"
        )
        harness.info(
            f"load: {harness.load_tool()}, {args.seconds:g}s per page per round, "
            f"{args.rounds} alternating rounds, gunicorn -w 2 -k sync; "
            f"cache: {'Redis' if redis_url else 'in-process'}\n",
            args.json,
        )
        pages = [
            ("home", ["/"], ["/list"]),
            ("category", ["/c/beauty"], ["/list"]),
            ("store", ["/s/bench-1", "/s/bench-2"], ["/list"]),
            ("product", [f"/p/{i}" for i in products], [f"/one/{i}" for i in products]),
        ]
        only = {name.strip() for name in args.only.split(",") if name.strip()}
        results = []
        with harness.serve(project) as site, harness.serve(harness.bare_spec(url)) as bare:
            buyer = f"u{stats['stores'] + 1}@bench.example.com"
            cookie = harness.login_cookie(site, buyer, PASSWORD)
            for name, paths, bare_paths in pages:
                if only and name not in only:
                    continue
                for signed_in in (False, True):
                    results.append(
                        harness.measure_pair(
                            site,
                            bare,
                            paths,
                            bare_paths,
                            args.seconds,
                            args.rounds,
                            cookie=cookie if signed_in else None,
                            name=f"{name}, signed {'in' if signed_in else 'out'}",
                            goal=GOALS[signed_in],
                        )
                    )
        harness.report(
            "shop",
            results,
            args.json,
            products=args.products,
            orders=args.orders,
            database=make_url(url).get_backend_name(),
            cache="redis" if redis_url else "in-process",
            load=harness.load_tool(),
        )
    finally:
        drop()


if __name__ == "__main__":
    main()
