"""The Seller centre home: today's orders, GMV this week, orders to ship, the 30-day chart."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time

from core.accounts.models import Role
from core.extensions import db
from shop.orders import lifecycle
from shop.orders.refunds import requests as refund_requests
from shop.orders.seller import queries as seller_queries
from tests.factories import make_user
from tests.shop.factories import Shop
from tests.shop.orders.helpers import signed_in

# The figures turn on the weekday (GMV this week) and the home reads the clock, so the orders
# are placed and the home is read with time frozen, and the queries are handed NOW as their
# clock: a Wednesday afternoon, whose week began on MONDAY.
NOW = "2026-11-25 15:00:00"  # a Wednesday; tests freeze_time at NOW or hand it to the queries
MONDAY = "2026-11-23 00:00:00"  # the start of that frozen week


def utc(frozen: str) -> datetime:
    """A frozen moment as the aware datetime the queries take as their clock."""
    return datetime.fromisoformat(frozen).replace(tzinfo=UTC)


def stat(body: str, name: str) -> str:
    match = re.search(rf'id="stat-{name}">([^<]*)<', body)
    assert match, name
    return match.group(1).strip()


@pytest.fixture
def shop(app_ctx) -> Shop:
    """Orders of a store over two weeks (price $10.00 a unit; one other store's order)."""
    shop = Shop(price=1000, stock=50, email="seller@example.com")
    with freeze_time("2026-11-20 12:00:00"):  # last week
        shop.paid((1, 0))
    with freeze_time(MONDAY):  # the week's first moment
        shop.paid((2, 0))
    with freeze_time("2026-11-24 23:59:59"):
        refunded = shop.paid((1, 1))
        lifecycle.ship(refunded, "UPS", "1Z", shop.seller)
        lifecycle.mark_delivered(refunded, shop.buyer)
        request = refund_requests.request_refund(refunded, refunded.lines[0], "Broken", shop.buyer)
        refund_requests.approve_refund(request, shop.seller)
        db.session.commit()
    with freeze_time("2026-11-25 08:00:00"):
        shop.paid((3, 0))  # today, to ship
        cancelled = shop.paid((1, 0))  # today, cancelled: counts as an order, not as GMV
        lifecycle.cancel(cancelled, shop.seller, "Out of stock")
        db.session.commit()
        shop.place((5, 0))  # today but unpaid: not an order yet
    Shop(price=99_999).paid((1, 0))  # another store
    return shop


def test_numbers_are_summed_in_sql(shop):
    figures = seller_queries.numbers(shop.store.id, utc(NOW))
    assert figures.orders_today == 2
    # Monday's $20 + Tuesday's $20 less the $10 refund + today's $30 (the cancelled $10 is out).
    assert figures.gmv_week == 2000 + 1000 + 3000
    assert figures.to_ship == 3  # last week's, Monday's and today's paid, unshipped orders
    assert figures.week_starts == utc(MONDAY)


def test_the_chart_has_thirty_days_of_orders_and_gmv(shop):
    days = seller_queries.daily(shop.store.id, utc(NOW))
    assert len(days) == 30
    assert days[0].day.isoformat() == "2026-10-27"
    assert days[-1].day.isoformat() == "2026-11-25"
    by_day = {d.day.isoformat(): (d.orders, d.gmv) for d in days if d.orders}
    assert by_day == {
        "2026-11-20": (1, 1000),
        "2026-11-23": (1, 2000),
        "2026-11-24": (1, 1000),
        "2026-11-25": (2, 3000),
    }


def test_the_home_page_shows_the_numbers_and_the_chart_data(app, shop, count_queries):
    with freeze_time(NOW):
        client = signed_in(app, "seller@example.com")
        before = count_queries.count
        body = client.get("/seller/").get_data(True)
        statements = count_queries.count - before
    assert stat(body, "orders-today") == "2"
    assert stat(body, "gmv-week") == "$60.00"
    assert stat(body, "to-ship") == "3"
    data = json.loads(
        re.search(
            r'<script type="application/json" id="seller-chart-data">(.*?)</script>', body, re.S
        ).group(1)
    )
    assert data["currency"] == "USD"
    assert len(data["labels"]) == len(data["orders"]) == len(data["gmv"]) == 30
    assert data["orders"][-1] == 2
    assert data["gmv"][-1] == 30.0
    assert "vendor/chart.js/chart.umd.min.js" in body
    assert "js/charts.js" in body
    assert statements < 20, statements


def test_the_home_page_has_no_inline_script(app, shop):
    with freeze_time(NOW):
        body = signed_in(app, "seller@example.com").get("/seller/").get_data(True)
    for tag in re.findall(r"<script\b[^>]*>", body):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert " style=" not in body


def test_a_quiet_store_has_zeros_and_no_chart(app, app_ctx):
    Shop(email="quiet@example.com")
    body = signed_in(app, "quiet@example.com").get("/seller/").get_data(True)
    assert stat(body, "orders-today") == "0"
    assert stat(body, "gmv-week") == "$0.00"
    assert stat(body, "to-ship") == "0"
    assert "No orders in the last 30 days" in body
    assert "chart.umd.min.js" not in body


def test_a_seller_without_a_store_still_sees_the_home(app, app_ctx):
    make_user(Role.SELLER, email="new@example.com")
    response = signed_in(app, "new@example.com").get("/seller/")
    assert response.status_code == 200
    assert 'id="stat-orders-today"' not in response.get_data(True)
