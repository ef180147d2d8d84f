"""The Seller centre's affiliate tab: sales through creators, for the seller's own store only."""

from __future__ import annotations

import json
import re

import pytest

from affiliate.creators.attribution.models import CommissionState
from affiliate.creators.centre.queries import seller as dashboards
from affiliate.creators.centre.queries.period import Period
from affiliate.creators.content.models import ContentKind
from affiliate.plans.models import PlanKind
from core.accounts.models import Role, User
from core.extensions import db
from tests.creators.factories import (
    days_ago,
    make_commission,
    make_content,
    make_plan,
    make_profile,
)
from tests.factories import make_user
from tests.shop.factories import make_product, make_store


@pytest.fixture
def seller(app_ctx, client, auth):
    user = make_user(Role.SELLER)
    auth.login(user.email)
    return user


@pytest.fixture
def store(seller):
    return make_store(seller, name="Glow Store")


def creator_with_handle(handle: str):
    profile = make_profile(handle=handle, display_name=handle.title())
    return db.session.get(User, profile.user_id)


def test_totals_split_by_state_and_net_of_reversals(store):
    product = make_product(store, price=10_000)
    creator = make_user(Role.CREATOR)
    make_commission(creator, product, rate_bps=1000)
    make_commission(creator, product, rate_bps=1000, state=CommissionState.SETTLED)
    make_commission(creator, product, rate_bps=1000, state=CommissionState.REVERSED)
    make_commission(
        creator, product, rate_bps=1000, state=CommissionState.CLAWED_BACK, reversed_amount=250
    )
    make_commission(creator, product, rate_bps=1000, created_at=days_ago(10))
    board = dashboards.seller_dashboard(store.id, "USD", 7)
    totals = board.totals
    assert totals.lines == 4
    assert totals.orders == 4
    # GMV net of reversals: 10,000 + 10,000 + 0 + 7,500 (the line kept 75% of its commission)
    assert totals.gmv == 27_500
    assert (totals.pending, totals.settled, totals.reversed) == (1000, 1750, 1250)
    assert totals.earned == 2750
    assert sum(point.gmv for point in board.daily) == 27_500
    assert dashboards.seller_dashboard(store.id, "USD", 30).totals.lines == 5


def test_breakdowns_by_creator_plan_and_content(store):
    serum = make_product(store, price=5_000, title="Serum")
    cleo = creator_with_handle("cleo")
    maya = creator_with_handle("maya.lens")
    spring = make_plan(store, PlanKind.TARGETED, "Spring launch", 2500, [serum])
    everyday = make_plan(store, PlanKind.OPEN, "Everyday", 1000, [serum])
    video = make_content(cleo, [serum], title="Serum review")
    live = make_content(maya, [serum], title="Friday live", kind=ContentKind.LIVE)
    make_commission(cleo, serum, content=video, plan=spring, rate_bps=2500, quantity=2)
    make_commission(cleo, serum, content=video, plan=spring, rate_bps=2500)
    make_commission(maya, serum, content=live, plan=everyday, rate_bps=1000)

    board = dashboards.seller_dashboard(store.id, "USD", 30)
    assert [(r.label, r.lines, r.gmv, r.commission) for r in board.by_creator] == [
        ("@cleo", 2, 15_000, 3750),
        ("@maya.lens", 1, 5_000, 500),
    ]
    assert [(r.label, r.detail, r.gmv) for r in board.by_plan] == [
        ("Spring launch", "targeted plan", 15_000),
        ("Everyday", "open plan", 5_000),
    ]
    assert [(r.label, r.detail, r.gmv) for r in board.by_content] == [
        ("Serum review", "video", 15_000),
        ("Friday live", "live", 5_000),
    ]


def test_the_tab_shows_only_the_sellers_own_store(seller, store, client):
    mine = make_product(store, price=4_000, title="Mine")
    creator = creator_with_handle("cleo")
    make_commission(creator, mine, content=make_content(creator, [mine], title="My store video"))
    other_store = make_store(name="Other Store")
    theirs = make_product(other_store, price=9_900, title="Theirs")
    rival = creator_with_handle("rival")
    make_commission(rival, theirs, content=make_content(rival, [theirs], title="Rival video"))

    response = client.get("/seller/affiliates")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Glow Store" in page
    assert "$40.00" in page
    assert "@cleo" in page
    assert "My store video" in page
    assert "@rival" not in page
    assert "Rival video" not in page
    assert "$99.00" not in page
    chart = json.loads(re.search(r'id="affiliate-chart-data">([^<]*)<', page).group(1))
    assert sum(chart["gmv"]) == 40.0
    assert sum(chart["orders"]) == 1
    assert "Affiliate sales" in page  # the seller nav's new item


def test_the_period_selector(seller, store, client):
    product = make_product(store, price=1_000)
    make_commission(make_user(Role.CREATOR), product, created_at=days_ago(20))
    assert "No sales through creators in this period" in client.get(
        "/seller/affiliates?days=7"
    ).get_data(as_text=True)
    page = client.get("/seller/affiliates?days=30").get_data(as_text=True)
    assert "No sales through creators" not in page
    assert 'aria-current="page">30 days' in page
    assert 'aria-current="page">30 days' in client.get("/seller/affiliates?days=oops").get_data(
        as_text=True
    )


def test_a_seller_without_a_store_is_told_to_open_one(seller, client):
    page = client.get("/seller/affiliates").get_data(as_text=True)
    assert "Open your store first" in page


def test_only_sellers_may_open_the_tab(app_ctx, client, auth):
    assert client.get("/seller/affiliates").status_code == 302
    auth.login(make_user(Role.CREATOR).email)
    assert client.get("/seller/affiliates").status_code == 403


def test_statement_count_does_not_grow_with_commissions(seller, store, client, count_queries):
    def add(n: int) -> None:
        for index in range(n):
            product = make_product(store)
            creator = creator_with_handle(f"creator_{count_queries.count}_{index}")
            content = make_content(creator, [product])
            make_commission(creator, product, content=content, created_at=days_ago(index % 6))

    def statements() -> int:
        client.get("/seller/affiliates")
        before = count_queries.count
        assert client.get("/seller/affiliates").status_code == 200
        return count_queries.count - before

    add(2)
    with_2 = statements()
    add(18)
    assert statements() == with_2 <= 14  # the page, its breakdowns and a page of lines


def test_period_helper_matches_the_creator_side():
    assert Period.ending(7).days == 7
