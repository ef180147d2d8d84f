"""Search relevance by tiers, and the paths that read one page without ranking every match.

The walked paths run when a query matches more than ``SEARCH_COUNT_CAP`` products; the tests
lower the cap (and the page size) so that a handful of products takes every path, and check
that each path lists the same products in the same order as ranking them all would.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from core.extensions import db
from shop.catalog import queries, search_paging
from shop.catalog.models import Product
from shop.catalog.queries import Filters, Sort, _active, _card_options, _filtered, _order_by
from shop.catalog.search import SearchClause
from tests.shop.catalog.helpers import get_page, listed_ids, release
from tests.shop.factories import make_product, make_store


def _catalogue() -> tuple[list[int], list[int]]:
    """Title matches and description-only matches of "glow", each in the expected order."""
    store = make_store()
    titles = [
        make_product(store, title=f"Glow serum {n}", sold_count=sold).id
        for n, sold in enumerate((5, 40, 5, 12, 0))
    ]
    described = [
        make_product(store, title=f"Night cream {n}", description="a glow", sold_count=sold).id
        for n, sold in enumerate((90, 3, 3, 0))
    ]
    make_product(store, title="Running shoes", sold_count=500)
    by_popularity = {1: 40, 3: 12, 2: 5, 0: 5, 4: 0}
    expected_titles = [
        titles[n] for n in sorted(by_popularity, key=lambda n: (-by_popularity[n], -titles[n]))
    ]
    expected_described = [described[0], described[2], described[1], described[3]]
    return expected_titles, expected_described


def _all_pages(query: str, per_page: int, sort: Sort = Sort.RELEVANCE) -> list[int]:
    search = SearchClause(query)
    filters = Filters(sort=sort)
    ids: list[int] = []
    for page in range(1, 20):
        found = search_paging.search_page(
            search,
            _filtered(_active(), filters),
            _order_by(sort, search),
            page,
            per_page,
            _card_options,
            by_relevance=sort is Sort.RELEVANCE,
        )
        if not found.items:
            break
        ids.extend(p.id for p in found.items)
    return ids


def test_title_matches_come_first_then_the_best_selling(app_ctx, client):
    titles, described = _catalogue()
    release()
    assert listed_ids(get_page(client, "/search?q=glow")) == titles + described


@pytest.mark.parametrize("dense", [True, False], ids=["title-tier-walked", "title-tier-ranked"])
@pytest.mark.parametrize("per_page", [1, 2, 3, 24])
def test_a_common_query_pages_through_both_tiers_in_order(app_ctx, monkeypatch, dense, per_page):
    titles, described = _catalogue()
    monkeypatch.setattr(search_paging, "RANK_WHOLE_UP_TO", 2)  # so "glow" counts as common
    monkeypatch.setattr(search_paging, "DENSE_TITLE_MATCHES", 1 if dense else 99)
    listed = _all_pages("glow", per_page)
    assert listed[: len(titles) + len(described)] == titles + described


def test_a_common_query_sorted_by_price_walks_the_price_order(app_ctx, monkeypatch):
    store = make_store()
    ids = [
        make_product(store, title=f"Glow {n}", price=price).id
        for n, price in enumerate((900, 100, 500))
    ]
    monkeypatch.setattr(search_paging, "RANK_WHOLE_UP_TO", 1)
    assert _all_pages("glow", 1, Sort.PRICE_ASC) == [ids[1], ids[2], ids[0]]


def test_a_page_past_the_title_tier_starts_the_rest_where_it_should(app_ctx, monkeypatch):
    _titles, described = _catalogue()
    monkeypatch.setattr(search_paging, "RANK_WHOLE_UP_TO", 2)
    search = SearchClause("glow")
    fourth = search_paging.search_page(
        search,
        _filtered(_active(), Filters(sort=Sort.RELEVANCE)),
        search.rank(),
        4,  # 5 title matches, pages of 2: page 3 ends the tier, page 4 is description-only
        2,
        _card_options,
        by_relevance=True,
    )
    assert [p.id for p in fourth.items] == described[1:3]


def test_a_query_above_the_cap_says_so_and_stops_paging_there(app_ctx, client, monkeypatch):
    _catalogue()
    release()
    monkeypatch.setattr(search_paging, "SEARCH_COUNT_CAP", 2)
    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", 2)
    page = get_page(client, "/search?q=glow")
    assert "2+ products" in page
    assert len(listed_ids(page)) == 9
    assert "page=2" not in page


def test_the_probe_counts_title_matches_in_its_sample(app_ctx):
    titles, described = _catalogue()
    search = SearchClause("glow")
    statement = search.apply(_filtered(_active(), Filters()))
    assert search_paging._probe(search, statement) == (len(titles) + len(described), len(titles))


def test_postgres_title_tier_uses_its_own_gin_index(app_ctx, postgres_only):
    search = SearchClause("serum")
    statement = search.apply_to_title(select(Product.id))
    sql = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db.session.scalars(text(f"EXPLAIN {sql}")))
    assert "ix_product_search_title" in plan, plan
    assert "ix_product_search " not in plan + " ", plan
