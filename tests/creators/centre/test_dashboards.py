"""The Creator centre's dashboard: figures from rollups plus the fresh tail, own figures only."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from affiliate.creators.attribution import tracking
from affiliate.creators.attribution.models import Commission, CommissionState, EventKind
from affiliate.creators.centre.queries import creator as dashboards
from affiliate.creators.centre.queries import lines
from affiliate.creators.centre.queries.creator import Activity
from affiliate.creators.centre.queries.lines import LINES_PER_PAGE
from affiliate.creators.centre.queries.period import Period, parse_period
from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from shop.orders.models import OrderStatus
from tests.clock import today_at
from tests.creators.factories import days_ago, make_commission, make_content
from tests.factories import make_user
from tests.shop.factories import make_product

CURRENCY = "USD"
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("raw", "days"),
    [
        ("7", 7),
        ("30", 30),
        ("90", 90),
        (" 90 ", 90),
        (None, 30),
        ("", 30),
        ("14", 30),
        ("-7", 30),
        ("7.0", 30),
        ("９０", 30),
        ("abc", 30),
    ],
)
def test_period_is_7_30_or_90_days_else_30(raw, days):
    assert parse_period(raw) == days


def test_a_period_is_whole_utc_days_ending_today():
    late = today_at(23, 59)  # a minute before midnight: still the period's last day
    midnight = late.replace(hour=0, minute=0)
    period = Period.ending(7, late)
    assert (period.first, period.last) == ((midnight - 6 * DAY).date(), midnight.date())
    assert period.since == midnight - 6 * DAY
    assert period.until == midnight + DAY
    assert len(period.dates()) == 7


@pytest.fixture
def creator(app_ctx):
    return make_user(Role.CREATOR)


def activity_for(creator, content, *, visitors=("a", "b", "c", "d"), when=None, order=1999):
    """Views by each visitor, two clicks on the first product, one order of it."""
    when = when or utcnow()
    first = content.products[0].product_id
    for visitor in visitors:
        tracking.record_event(EventKind.VIEW, content.id, creator.id, visitor=visitor, at=when)
    for visitor in visitors[:2]:
        tracking.record_event(
            EventKind.CLICK, content.id, creator.id, visitor=visitor, product_id=first, at=when
        )
    tracking.record_event(
        EventKind.ORDER,
        content.id,
        creator.id,
        visitor="a",
        product_id=first,
        at=when,
        amount=order,
    )
    db.session.commit()


def figures(creator, days=30) -> Activity:
    period = Period.ending(days)
    return dashboards.creator_activity(creator.id, period, tracking.cursor_position())


def test_fresh_events_count_before_the_roll_up_and_not_twice_after(creator):
    content = make_content(creator, [make_product()])
    activity_for(creator, content, when=days_ago(2))
    expected = Activity(views=4, clicks=2, orders=1, gmv=1999)
    assert figures(creator) == expected  # all in the tail
    tracking.roll_up(settle_seconds=0)
    assert figures(creator) == expected  # all in the rollups
    activity_for(creator, content, visitors=("e", "f"), when=days_ago(1), order=500)
    assert figures(creator) == Activity(views=6, clicks=4, orders=2, gmv=2499)  # both


def test_a_stale_cursor_hint_never_counts_twice(creator):
    content = make_content(creator, [make_product()])
    activity_for(creator, content, when=days_ago(2))
    stale_hint = tracking.cursor_position()
    tracking.roll_up(settle_seconds=0)
    period = Period.ending(30)
    # A roll-up committed after the page read the cursor: the statement reads it again.
    assert dashboards.creator_activity(creator.id, period, stale_hint).views == 4


def test_the_period_bounds_the_figures(creator):
    content = make_content(creator, [make_product()])
    activity_for(creator, content, when=days_ago(10))
    activity_for(creator, content, visitors=("x",), when=days_ago(1), order=100)
    tracking.roll_up(settle_seconds=0)
    assert figures(creator, 7) == Activity(views=1, clicks=1, orders=1, gmv=100)
    assert figures(creator, 30) == Activity(views=5, clicks=3, orders=2, gmv=2099)


def test_daily_series_top_content_and_top_products(creator):
    best = make_content(creator, [make_product(title="Serum"), make_product()], title="Best")
    other = make_content(creator, [make_product(title="Cream")], title="Other")
    activity_for(creator, best, when=days_ago(3), order=5000)
    tracking.roll_up(settle_seconds=0)
    activity_for(creator, other, visitors=("z",), when=days_ago(0), order=100)
    period = Period.ending(7)
    hint = tracking.cursor_position()

    daily = dashboards.creator_daily(creator.id, period, hint)
    assert [p.day for p in daily] == period.dates()
    assert daily[-4].activity == Activity(views=4, clicks=2, orders=1, gmv=5000)
    assert daily[-1].activity == Activity(views=1, clicks=1, orders=1, gmv=100)
    assert sum(p.activity.views for p in daily) == 5

    top = dashboards.top_content(creator.id, period, hint)
    assert [(row.title, row.activity.gmv) for row in top] == [("Best", 5000), ("Other", 100)]
    products = dashboards.top_products(creator.id, period, hint)
    assert [(row.title, row.activity.clicks, row.activity.orders) for row in products] == [
        ("Serum", 2, 1),
        ("Cream", 1, 1),
    ]
    assert products[0].activity.conversion == 0.5


def test_commission_splits_into_pending_settled_and_reversed(creator):
    product = make_product(price=10_000)
    make_commission(creator, product, rate_bps=1000)  # 10.00 pending
    make_commission(creator, product, rate_bps=1000, state=CommissionState.SETTLED)
    make_commission(creator, product, rate_bps=1000, state=CommissionState.REVERSED)
    make_commission(
        creator, product, rate_bps=1000, state=CommissionState.CLAWED_BACK, reversed_amount=400
    )
    make_commission(creator, product, rate_bps=1000, created_at=days_ago(40))  # outside
    totals = dashboards.creator_commissions(creator.id, Period.ending(30), CURRENCY)
    assert (totals.pending, totals.settled, totals.reversed) == (1000, 1000 + 600, 1000 + 400)
    assert totals.lines == 4
    assert totals.pending + totals.settled + totals.reversed == 4 * 1000


# --- the page ----------------------------------------------------------------------------------


@pytest.fixture
def signed_in(creator, client, auth):
    auth.login(creator.email)
    return creator


def stat(page: str, label: str) -> str:
    match = re.search(
        rf'<div class="stat-label">{re.escape(label)}</div>\s*<div class="stat-value">([^<]*)<',
        page,
    )
    assert match, label
    return match.group(1).strip()


def test_the_centre_shows_fresh_figures_chart_tables_and_lines(signed_in, client):
    creator = signed_in
    product = make_product(title="Glow serum", price=2500)
    content = make_content(creator, [product], title="Morning routine")
    activity_for(creator, content, when=days_ago(1), order=2500)
    make_commission(creator, product, content=content, rate_bps=1500)

    page = client.get("/creator/").get_data(as_text=True)
    assert stat(page, "Views") == "4"
    assert stat(page, "Product clicks") == "2"
    assert stat(page, "Click-through rate") == "50.0%"
    assert stat(page, "Orders") == "1"
    assert stat(page, "GMV") == "$25.00"
    assert stat(page, "Commission pending") == "$3.75"
    assert stat(page, "Commission settled") == "$0.00"
    assert "Morning routine" in page
    assert "Glow serum" in page
    assert 'data-chart-kind="activity"' in page
    chart = re.search(r'id="creator-chart-data">([^<]*)<', page).group(1)
    data = json.loads(chart)
    assert len(data["labels"]) == 30
    assert sum(data["views"]) == 4
    assert sum(data["gmv"]) == 25.0
    assert "js/charts.js" in page
    lines = page.split('id="commission-lines"')[1]
    assert "Glow serum" in lines
    assert "15%" in lines
    assert "Pending" in lines
    assert "Paid" in lines  # the order's status


def test_the_period_selector_changes_the_window(signed_in, client):
    creator = signed_in
    content = make_content(creator, [make_product()])
    activity_for(creator, content, when=days_ago(20))
    assert stat(client.get("/creator/?days=7").get_data(as_text=True), "Views") == "0"
    page = client.get("/creator/?days=30").get_data(as_text=True)
    assert stat(page, "Views") == "4"
    assert 'aria-current="page">30 days' in page
    assert 'aria-current="page">30 days' in client.get("/creator/?days=12").get_data(as_text=True)


def test_a_creator_sees_only_their_own_figures(signed_in, client):
    creator = signed_in
    mine = make_content(creator, [make_product(title="My product")], title="My video")
    activity_for(creator, mine, visitors=("a",), when=days_ago(1), order=100)
    someone = make_user(Role.CREATOR)
    product = make_product(title="Their product")
    theirs = make_content(someone, [product], title="Their video")
    activity_for(someone, theirs, when=days_ago(1), order=9999)
    make_commission(someone, product, content=theirs)
    tracking.roll_up(settle_seconds=0)

    page = client.get("/creator/?days=90").get_data(as_text=True)
    assert stat(page, "Views") == "1"
    assert stat(page, "GMV") == "$1.00"
    assert "My video" in page
    assert "Their video" not in page
    assert "Their product" not in page
    assert "No commission in this period" in page


def test_an_empty_centre_says_what_to_do_next(signed_in, client):
    page = client.get("/creator/").get_data(as_text=True)
    assert "Post a video with products from your showcase" in page
    assert 'href="/creator/showcase"' in page
    assert "js/charts.js" not in page


def test_commission_lines_page_in_the_database(signed_in, client):
    creator = signed_in
    product = make_product(title="Paged product")
    for _ in range(LINES_PER_PAGE + 3):
        make_commission(creator, product, order_status=OrderStatus.SHIPPED)
    first = client.get("/creator/").get_data(as_text=True).split('id="commission-lines"')[1]
    second = client.get("/creator/?page=2").get_data(as_text=True)
    second = second.split('id="commission-lines"')[1]
    assert first.count("Paged product") == LINES_PER_PAGE
    assert second.count("Paged product") == 3
    assert "Shipped" in second


def test_non_creators_cannot_open_the_centre(app_ctx, client, auth):
    auth.login(make_user(Role.BUYER).email)
    assert client.get("/creator/").status_code == 403


def _statements(client, count_queries, url: str) -> int:
    client.get(url)
    before = count_queries.count
    assert client.get(url).status_code == 200
    return count_queries.count - before


def test_statement_count_does_not_grow_with_content_or_commissions(
    signed_in, client, count_queries
):
    creator = signed_in

    def add(n: int) -> None:
        for index in range(n):
            product = make_product()
            content = make_content(creator, [product], title=f"Video {index}")
            activity_for(creator, content, visitors=(f"v{index}",), when=days_ago(index % 5))
            make_commission(creator, product, content=content)

    add(2)
    with_2 = _statements(client, count_queries, "/creator/?days=7")
    add(18)
    tracking.roll_up(settle_seconds=0)
    with_20 = _statements(client, count_queries, "/creator/?days=7")
    assert with_2 == with_20 <= 16, with_20


def test_commission_lines_stop_counting_past_the_cap(signed_in, client, monkeypatch):
    creator = signed_in
    product = make_product(title="Capped product")
    for _ in range(7):
        make_commission(creator, product, order_status=OrderStatus.SHIPPED)
    monkeypatch.setattr(lines, "LINES_COUNT_CAP", 4)
    period = Period.ending(30)
    where = (Commission.creator_id == creator.id,)

    first = lines.commission_lines(where, period, 1, per_page=2)
    assert (first.total, first.more, first.total_label) == (4, True, "4+")
    assert first.has_next
    assert len(first.items) == 2
    third = lines.commission_lines(where, period, 3, per_page=2)  # past the cap: counts on
    assert (third.total, third.more, third.has_next) == (6, True, True)
    last = lines.commission_lines(where, period, 4, per_page=2)
    assert (last.total, last.more, last.has_next, len(last.items)) == (7, False, False, 1)
    beyond = lines.commission_lines(where, period, 9, per_page=2)
    assert (beyond.page, len(beyond.items)) == (4, 1)  # an exact count still clamps the page

    monkeypatch.setattr(dashboards, "LINES_PER_PAGE", 2)
    section = client.get("/creator/").get_data(as_text=True).split('id="commission-lines"')[1]
    assert "1–2 of 4+" in section
    assert '<span class="page-link">1</span>' in section  # page 1 of an unknown number
    assert 'href="/creator/?page=2"' in section
    section = client.get("/creator/?page=4").get_data(as_text=True)
    assert "7–7 of 7" in section
    assert '<span class="page-link">4 / 4</span>' in section
