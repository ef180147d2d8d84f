"""The centres' figures memo: figures reused for a short while, never across accounts."""

from __future__ import annotations

import pytest

from affiliate.creators.centre.queries import creator as creator_dashboards
from affiliate.creators.centre.queries import figures
from affiliate.creators.centre.queries import seller as seller_dashboards
from core.accounts.models import Role
from core.types import utcnow
from tests.creators.factories import make_commission
from tests.factories import make_user
from tests.shop.factories import make_product, make_store


@pytest.fixture
def remembering(app_ctx):
    app_ctx.config["CENTRE_FIGURES_SECONDS"] = 60
    figures.forget_all()
    yield app_ctx
    figures.forget_all()
    app_ctx.config["CENTRE_FIGURES_SECONDS"] = 0


def test_off_when_seconds_is_zero(app_ctx):
    builds = []
    for _ in range(2):
        figures.remember(("k",), lambda: builds.append(1))
    assert len(builds) == 2


def test_a_store_figures_are_reused_within_the_window(remembering, count_queries):
    seller = make_user(Role.SELLER)
    store = make_store(seller)
    product = make_product(store, price=10_000)
    make_commission(make_user(Role.CREATOR), product, rate_bps=1000)
    first = seller_dashboards.seller_dashboard(store.id, "USD", 30)
    before = count_queries.count
    again = seller_dashboards.seller_dashboard(store.id, "USD", 30)
    assert again.totals == first.totals
    assert count_queries.count - before == 1  # the first page of lines, with their count


def test_one_store_never_sees_another_stores_figures(remembering):
    mine, theirs = make_store(make_user(Role.SELLER)), make_store(make_user(Role.SELLER))
    make_commission(make_user(Role.CREATOR), make_product(theirs, price=10_000), rate_bps=1000)
    assert seller_dashboards.seller_dashboard(theirs.id, "USD", 30).totals.lines == 1
    assert seller_dashboards.seller_dashboard(mine.id, "USD", 30).totals.lines == 0


def test_one_creator_never_sees_another_creators_figures(remembering):
    product = make_product(make_store(make_user(Role.SELLER)), price=10_000)
    earner, other = make_user(Role.CREATOR), make_user(Role.CREATOR)
    make_commission(earner, product, rate_bps=1000)
    assert creator_dashboards.creator_dashboard(earner.id, 30, "USD").commissions.lines == 1
    assert creator_dashboards.creator_dashboard(other.id, 30, "USD").commissions.lines == 0


def test_lines_stay_live_while_figures_are_remembered(remembering):
    store = make_store(make_user(Role.SELLER))
    product = make_product(store, price=10_000)
    creator = make_user(Role.CREATOR)
    make_commission(creator, product, rate_bps=1000)
    assert seller_dashboards.seller_dashboard(store.id, "USD", 30).lines.total == 1
    make_commission(creator, product, rate_bps=1000)
    board = seller_dashboards.seller_dashboard(store.id, "USD", 30)
    assert board.lines.total == 2
    assert board.totals.lines == 1  # remembered for up to CENTRE_FIGURES_SECONDS


def test_a_given_moment_always_reads_live(remembering):
    store = make_store(make_user(Role.SELLER))
    product = make_product(store, price=10_000)
    creator = make_user(Role.CREATOR)
    seller_dashboards.seller_dashboard(store.id, "USD", 30)
    make_commission(creator, product, rate_bps=1000)
    assert seller_dashboards.seller_dashboard(store.id, "USD", 30, now=utcnow()).totals.lines == 1
