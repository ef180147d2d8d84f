"""Search: the database's own full-text index, ranked, filtered, and safe with any input."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from core.extensions import db
from shop.catalog.models import Product, ProductStatus
from shop.catalog.search import SearchClause, fts5_query
from tests.shop.catalog.helpers import get_page, listed_ids, release
from tests.shop.factories import category, make_product, make_store


def test_search_finds_by_title_and_by_description_ignoring_case(app_ctx, client):
    by_title = make_product(title="Velvet Matte Lipstick").id
    by_description = make_product(title="Gift box", description="Three LIPSTICK shades inside").id
    make_product(title="Running shoes", description="Light and fast")
    release()

    for query in ("lipstick", "LIPSTICK", "LipStick"):
        assert sorted(listed_ids(get_page(client, f"/search?q={query}"))) == sorted(
            [by_title, by_description]
        )


def test_search_matches_word_forms(app_ctx, client):
    lipstick = make_product(title="Velvet lipstick").id
    release()
    assert listed_ids(get_page(client, "/search?q=lipsticks")) == [lipstick]


def test_a_title_match_ranks_above_a_description_only_match(app_ctx, client):
    # The title match is made first, so that the id tie-break would put it last.
    title_match = make_product(title="Vitamin C serum", description="Brightens skin").id
    description_match = make_product(
        title="Night cream", description="Pairs well with a serum in the morning"
    ).id
    release()

    ids = listed_ids(get_page(client, "/search?q=serum"))
    assert ids == [title_match, description_match]


def test_several_words_must_all_match(app_ctx, client):
    both = make_product(title="Red wool scarf").id
    make_product(title="Red cotton shirt")
    release()
    assert listed_ids(get_page(client, "/search?q=red+scarf")) == [both]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "AND",
        "OR",
        "NOT",
        "-",
        "'",
        "lipstick*",
        '"unterminated phrase',
        "(",
        ")",
        "NEAR(a b)",
        "title:lipstick",
        "^lipstick",
        "a AND OR NOT b",
        "-lipstick",
        "\\",
        "%_",
        "💄 lipstick",
        "x" * 300,
        "lipstick " * 60,
        "<script>alert(1)</script>",
    ],
)
def test_weird_queries_never_fail(app_ctx, client, query):
    make_product(title="Velvet lipstick")
    release()
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_a_nul_byte_in_the_query_is_a_bad_request(client):
    assert client.get("/search", query_string={"q": "lip\x00stick"}).status_code == 400


def test_fts5_tokens_are_quoted_and_syntax_dropped():
    assert fts5_query('red "AND" lip*stick - *') == '"red" """AND""" "lip*stick"'
    assert fts5_query("* - ( )") == ""


def test_drafts_and_archived_products_are_never_found(app_ctx, client):
    active = make_product(title="Glow serum").id
    make_product(title="Glow serum draft", status=ProductStatus.DRAFT.value)
    make_product(title="Glow serum archived", status=ProductStatus.ARCHIVED.value)
    release()
    assert listed_ids(get_page(client, "/search?q=glow")) == [active]
    assert listed_ids(get_page(client, "/search")) == [active]


def test_search_filters_by_category_including_subcategories(app_ctx, client):
    skincare = make_product(title="Glow serum", category=category("beauty-skincare")).id
    makeup = make_product(title="Glow palette", category=category("beauty-makeup")).id
    make_product(title="Glow lamp", category=category("home-decor"))
    release()

    assert sorted(listed_ids(get_page(client, "/search?q=glow&category=beauty"))) == sorted(
        [skincare, makeup]
    )
    assert listed_ids(get_page(client, "/search?q=glow&category=beauty-makeup")) == [makeup]
    page = get_page(client, "/search?q=glow&category=no-such-category")
    assert len(listed_ids(page)) == 3
    assert "That category does not exist" in page


def test_search_filters_by_price_and_sorts(app_ctx, client):
    cheap = make_product(title="Glow serum mini", price=500, sold_count=3).id
    middle = make_product(title="Glow serum", price=1500, sold_count=10).id
    dear = make_product(title="Glow serum deluxe", price=4500, sold_count=1).id
    release()

    assert listed_ids(get_page(client, "/search?q=glow&min=10&max=20")) == [middle]
    assert listed_ids(get_page(client, "/search?q=glow&sort=price_asc")) == [cheap, middle, dear]
    assert listed_ids(get_page(client, "/search?q=glow&sort=price_desc")) == [dear, middle, cheap]
    assert listed_ids(get_page(client, "/search?q=glow&sort=best_selling")) == [
        middle,
        cheap,
        dear,
    ]
    assert listed_ids(get_page(client, "/search?q=glow&sort=newest")) == [dear, middle, cheap]


def test_search_is_paginated_in_the_database(app_ctx, client):
    store = make_store()
    ids = [make_product(store, title=f"Glow serum {n}").id for n in range(30)]
    release()

    first = listed_ids(get_page(client, "/search?q=glow&sort=newest"))
    second = listed_ids(get_page(client, "/search?q=glow&sort=newest&page=2"))
    assert len(first) == 24
    assert len(second) == 6
    assert first + second == list(reversed(ids))
    assert "25–30 of 30" in get_page(client, "/search?q=glow&page=2")
    assert listed_ids(get_page(client, "/search?q=glow&page=9")) == []


def test_an_empty_result_says_so(app_ctx, client):
    make_product(title="Glow serum")
    release()
    assert "No products match" in get_page(client, "/search?q=submarine")


def test_postgres_search_uses_the_gin_index(app_ctx, postgres_only):
    statement = SearchClause("serum").apply(select(Product.id))
    sql = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db.session.scalars(text(f"EXPLAIN {sql}")))
    assert "ix_product_search" in plan, plan


def test_sqlite_search_uses_the_fts5_table(app_ctx, is_postgres):
    if is_postgres:
        pytest.skip("SQLite's FTS5 table")
    statement = SearchClause("serum").apply(select(Product.id))
    sql = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = "\n".join(str(row) for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "VIRTUAL TABLE INDEX" in plan, plan
