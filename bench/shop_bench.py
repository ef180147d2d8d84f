"""Shop benchmark: generate a large shop, then load its busiest pages through gunicorn.

Prints how long generation took, then one table: requests per second and p50 / p99 latency
for the home, category, search, product, store and seller-orders pages. Asserts nothing.

    .venv/bin/python bench/shop_bench.py [--products 100000] [--orders 1000000] [--seconds 10]

PostgreSQL when ``DATABASE_URL`` is set (a new database on that server, dropped afterwards,
filled with COPY), else a SQLite file. Load comes from ``wrk`` when it is installed
(``apt-get install wrk``), else from a small keep-alive HTTP client in threads (which shares
the 2 cores with the server, so its figures are a lower bound).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from affiliate import create_app
from bench import bulk
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=url,
        LOG_LEVEL="WARNING",
        APP_ENV="development",
        LOGIN_LIMIT_PER_ACCOUNT="1000 per minute",
        LOGIN_LIMIT_PER_IP="1000 per minute",
    )
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            "2",
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
            return server
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def session_cookie(response: http.client.HTTPResponse) -> str:
    cookies = [c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or []]
    return next((c for c in cookies if c.startswith("session=")), "")


def login_cookie(port: int, email: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = session_cookie(response)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    body = urlencode({"csrf_token": token, "email": email, "password": PASSWORD})
    conn.request(
        "POST",
        "/login",
        body,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = conn.getresponse()
    response.read()
    return session_cookie(response)


def first_status(port: int, path: str, cookie: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    response.read()
    return response.status


def load_with_wrk(
    port: int, path: str, seconds: int, cookie: str
) -> tuple[float, float, float, int]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            "done = function(summary, latency, requests)\n"
            '  io.write(string.format("RESULT %f %f %f %d\\n",'
            " summary.requests / (summary.duration / 1e6),"
            " latency:percentile(50) / 1000, latency:percentile(99) / 1000,"
            " summary.errors.status))\n"
            "end\n"
        )
    script.close()
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c8",
            f"-d{seconds}s",
            "-s",
            script.name,
            *headers,
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    rps, p50, p99, errors = re.search(r"RESULT (\S+) (\S+) (\S+) (\d+)", out).groups()
    return float(rps), float(p50), float(p99), int(errors)


def load_with_threads(
    port: int, path: str, seconds: int, cookie: str
) -> tuple[float, float, float, int]:
    latencies: list[float] = []
    errors = [0]
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        mine: list[float] = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status >= 400:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(latencies) / elapsed, statistics.median(latencies), p99, errors[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    url, drop = make_database("affiliate_shopbench")
    server = None
    try:
        app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, LOG_LEVEL="WARNING")
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            stats = generate(args.products, args.orders)
            product_id = db.session.scalar(
                select(func.min(db.metadata.tables["product"].c.id)).where(
                    db.metadata.tables["product"].c.status == "active"
                )
            )
            db.session.remove()
            db.engine.dispose()
        print(
            f"database: {make_url(url).get_backend_name()}; generated {args.products:,} products, "
            f"{args.orders:,} orders, {stats['stores']} stores, {stats['buyers']} buyers "
            f"in {stats['seconds']:.1f}s"
        )
        port = free_port()
        server = start_server(url, port)
        seller_cookie = login_cookie(port, "u1@bench.example.com")
        pages = [
            ("home", "/", ""),
            ("category", "/c/beauty", ""),
            ("search", "/search?q=serum+glow", ""),
            ("product", f"/p/{product_id}", ""),
            ("store", "/s/bench-1", ""),
            ("seller orders", "/seller/orders", seller_cookie),
        ]
        load = load_with_wrk if shutil.which("wrk") else load_with_threads
        print(
            f"load: {'wrk -t2 -c8' if load is load_with_wrk else '8 Python threads'}, "
            f"{args.seconds}s per page, gunicorn -w 2 -k sync\n"
        )
        print(f"{'page':<15} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for name, path, cookie in pages:
            status = first_status(port, path, cookie)
            if status != 200:
                print(f"{name:<15} answered {status}, not 200: skipped")
                continue
            rps, p50, p99, errors = load(port, path, args.seconds, cookie)
            print(f"{name:<15} {rps:>8.0f} {p50:>8.1f} {p99:>8.1f} {errors:>7}")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
        drop()


if __name__ == "__main__":
    main()
