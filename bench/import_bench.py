"""Product-sync benchmark: preview and commit of a generated CSV (10,000 rows by default).

Prints seconds, asserts nothing. Runs against a throw-away database on the configured server:
PostgreSQL when ``DATABASE_URL`` is set (a new database, dropped afterwards), else SQLite.

    .venv/bin/python bench/import_bench.py [--rows 10000] [--variants 4] [--json]

What it shows, for one store:
- the bare stack first, on a store of its own: the same file parsed with ``csv`` and written
  with COPY (PostgreSQL; batched inserts on SQLite), no checks; the first import's rate is
  printed as a ratio to it (``--json``: one JSON object on stdout);
- preview: parse and check the whole file against the store (3 queries) and store it;
- commit: write every product and variant in one transaction (bulk executemany statements);
- re-import of the same file (every row matched by SKU, nothing changed, nothing written);
- re-import with every price changed (every variant and product updated).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import func, select, text

from affiliate import create_app
from bench import bulk
from bench.throwaway_db import make_database
from core.accounts.models import Role, User, UserRole
from core.config import TestingConfig
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Category, Product, Store, Variant
from shop.sync import services
from shop.sync.models import ImportStatus

CATEGORIES = ["beauty-skincare", "fashion-women", "home-kitchen", "electronics-audio"]


def generate_csv(rows: int, variants: int, price_offset: int = 0) -> bytes:
    lines = ["handle,title,description,category,status,compare_at_price,sku,option1,price,stock"]
    for i in range(rows):
        p, v = divmod(i, variants)
        first = v == 0
        lines.append(
            ",".join(
                [
                    f"product-{p}",
                    f"Product {p}" if first else "",
                    f'"A fine product, number {p}"' if first else "",
                    CATEGORIES[p % len(CATEGORIES)] if first else "",
                    "active" if first else "",
                    "99.00" if first else "",
                    f"SKU-{i:07d}",
                    f"Size {v}",
                    f"{10 + v + price_offset}.50",
                    str(i % 100),
                ]
            )
        )
    return ("\n".join(lines) + "\n").encode()


OUT = sys.stdout


def make_store(name: str = "bench") -> Store:
    user = User(email=f"{name}-seller@example.com", display_name="Bench", password_hash="x")
    user.roles = [UserRole(role=Role.SELLER.value)]
    store = Store(owner=user, name=f"{name} store", handle=f"{name}-store", currency="USD")
    db.session.add(store)
    db.session.commit()
    return store


def _cents(value: str) -> int | None:
    return int(Decimal(value) * 100) if value else None


def bare_import(store_id: int, data: bytes) -> float:
    """The bare stack: parse the file with ``csv`` and COPY its products and variants in; no
    checks, no preview, no matching. Seconds taken."""
    started = time.perf_counter()
    categories = dict(db.session.execute(select(Category.slug, Category.id)).all())
    product_id = db.session.scalar(select(func.max(Product.id))) or 0
    variant_id = db.session.scalar(select(func.max(Variant.id))) or 0
    now = utcnow()
    products: list[dict[str, object]] = []
    variants: list[dict[str, object]] = []
    for row in csv.DictReader(io.StringIO(data.decode())):
        if row["title"]:
            product_id += 1
            products.append(
                {
                    "id": product_id,
                    "store_id": store_id,
                    "category_id": categories[row["category"]],
                    "title": row["title"],
                    "handle": row["handle"],
                    "description": row["description"],
                    "status": row["status"],
                    "currency": "USD",
                    "price": _cents(row["price"]),
                    "compare_at_price": _cents(row["compare_at_price"]),
                    "created_at": now,
                    "updated_at": now,
                }
            )
        variant_id += 1
        variants.append(
            {
                "id": variant_id,
                "product_id": product_id,
                "store_id": store_id,
                "sku": row["sku"],
                "option1": row["option1"],
                "price": _cents(row["price"]),
                "stock": int(row["stock"]),
            }
        )
    bulk.write_rows("product", products)
    bulk.write_rows("variant", variants)
    if db.engine.dialect.name == "postgresql":
        for table in ("product", "variant"):
            db.session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"),
                {"n": product_id if table == "product" else variant_id},
            )
    db.session.commit()
    return time.perf_counter() - started


def run(store: Store, data: bytes, upload_dir: str, label: str) -> float:
    started = time.perf_counter()
    record, plan = services.preview_import(store, "bench.csv", data, upload_dir)
    db.session.commit()
    previewed = time.perf_counter()
    assert plan.ok, plan.errors[:5]
    services._claim(record, ImportStatus.PREVIEWED, ImportStatus.RUNNING)
    services.apply_import(record, upload_dir)
    db.session.commit()
    committed = time.perf_counter()
    print(
        f"{label:<34} preview {previewed - started:6.2f}s   commit {committed - previewed:6.2f}s"
        f"   ({plan.products_to_create} created, {plan.products_to_update} matched,"
        f" {plan.products_unchanged} unchanged)",
        file=OUT,
    )
    return committed - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--variants", type=int, default=4, help="variants per product")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    global OUT
    OUT = sys.stderr if args.json else sys.stdout
    url, drop = make_database("affiliate_importbench")
    upload_dir = tempfile.mkdtemp()
    app = create_app(
        TestingConfig, SQLALCHEMY_DATABASE_URI=url, LOG_LEVEL="WARNING", UPLOAD_DIR=upload_dir
    )
    try:
        with app.app_context():
            upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
            store = make_store()
            data = generate_csv(args.rows, args.variants)
            dialect = db.engine.dialect.name
            print(
                f"database: {dialect}; {args.rows:,} rows "
                f"({len(data) / 1e6:.1f} MB), {args.variants} variants per product\n",
                file=OUT,
            )
            bare = bare_import(make_store("bare").id, data)
            print(f"{'bare stack: csv + COPY, all new':<34} {bare:6.2f}s", file=OUT)
            seconds = run(store, data, upload_dir, "first import (all new)")
            run(store, data, upload_dir, "same file again (all unchanged)")
            run(store, generate_csv(args.rows, args.variants, 1), upload_dir, "every price changed")
            products = db.session.scalar(select(func.count()).select_from(Product))
            variants = db.session.scalar(select(func.count()).select_from(Variant))
            print(f"\nin the store: {products:,} products, {variants:,} variants", file=OUT)
            rate, bare_rate = args.rows / seconds, args.rows / bare
            print(
                f"first import {rate:,.0f} rows/s, bare stack {bare_rate:,.0f} rows/s: "
                f"ratio {rate / bare_rate:.0%}",
                file=OUT,
            )
            if args.json:
                result = {
                    "name": "first import (preview + commit)",
                    "rate": round(rate, 1),
                    "bare_rate": round(bare_rate, 1),
                    "ratio": round(rate / bare_rate, 3),
                    "goal": None,
                }
                print(json.dumps({"bench": "import", "database": dialect, "results": [result]}))
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
