"""Product-sync benchmark: preview and commit of a generated CSV (10,000 rows by default).

Prints seconds, asserts nothing. Runs against a throw-away database on the configured server:
PostgreSQL when ``DATABASE_URL`` is set (a new database, dropped afterwards), else SQLite.

    .venv/bin/python bench/import_bench.py [--rows 10000] [--variants 4]

What it shows, for one store:
- preview: parse and check the whole file against the store (3 queries) and store it;
- commit: write every product and variant in one transaction (bulk executemany statements);
- re-import of the same file (every row matched by SKU, nothing changed, nothing written);
- re-import with every price changed (every variant and product updated).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import func, select

from affiliate import create_app
from bench.throwaway_db import make_database
from core.accounts.models import Role, User, UserRole
from core.config import TestingConfig
from core.extensions import db
from shop.catalog.models import Product, Store, Variant
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


def make_store() -> Store:
    user = User(email="bench-seller@example.com", display_name="Bench", password_hash="x")
    user.roles = [UserRole(role=Role.SELLER.value)]
    store = Store(owner=user, name="Bench store", handle="bench-store", currency="USD")
    db.session.add(store)
    db.session.commit()
    return store


def run(store: Store, data: bytes, upload_dir: str, label: str) -> None:
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
        f" {plan.products_unchanged} unchanged)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--variants", type=int, default=4, help="variants per product")
    args = parser.parse_args()
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
            print(
                f"database: {db.engine.dialect.name}; {args.rows:,} rows "
                f"({len(data) / 1e6:.1f} MB), {args.variants} variants per product\n"
            )
            run(store, data, upload_dir, "first import (all new)")
            run(store, data, upload_dir, "same file again (all unchanged)")
            run(store, generate_csv(args.rows, args.variants, 1), upload_dir, "every price changed")
            products = db.session.scalar(select(func.count()).select_from(Product))
            variants = db.session.scalar(select(func.count()).select_from(Variant))
            print(f"\nin the store: {products:,} products, {variants:,} variants")
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
