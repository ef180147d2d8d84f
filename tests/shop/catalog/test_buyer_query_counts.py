"""Each catalogue page runs the same number of SQL statements for 5 items as for 50."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from tests.conftest import StatementCounter
from tests.shop.catalog.helpers import add_images, listed_ids, release
from tests.shop.factories import category, make_product, make_store


def statements_for(client: FlaskClient, counter: StatementCounter, url: str) -> int:
    client.get(url)  # warm up anything cached per process
    counter.statements.clear()
    response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def assert_same_count(
    client: FlaskClient, counter: StatementCounter, few: str, many: str, check: Callable
) -> None:
    few_count = statements_for(client, counter, few)
    many_statements = statements_for(client, counter, many)
    assert few_count == many_statements, (few_count, many_statements, counter.statements)
    check()


def test_product_page_statements_do_not_grow_with_variants_and_images(
    app_ctx, client, count_queries
):
    few = make_product(variants=5)
    add_images(few, 5)
    many = make_product(variants=50)
    add_images(many, 50)
    few_id, many_id = few.id, many.id
    release()

    def check() -> None:
        page = client.get(f"/p/{many_id}").get_data(as_text=True)
        assert page.count('name="variant_id"') == 50
        assert page.count("_thumb.jpg") >= 50 or "shop-placeholder" in page

    assert_same_count(client, count_queries, f"/p/{few_id}", f"/p/{many_id}", check)


def test_category_page_statements_do_not_grow_with_products(app_ctx, client, count_queries):
    store = make_store()
    for _ in range(5):
        add_images(make_product(store, variants=3, category=category("beauty-skincare")), 2)
    for _ in range(50):
        add_images(make_product(store, variants=3, category=category("fashion-women")), 2)
    release()

    def check() -> None:
        assert len(listed_ids(client.get("/c/fashion").get_data(as_text=True))) == 24

    assert_same_count(client, count_queries, "/c/beauty", "/c/fashion", check)


def test_search_page_statements_do_not_grow_with_products(app_ctx, client, count_queries):
    store = make_store()
    for n in range(5):
        make_product(store, title=f"Alpha serum {n}", variants=3)
    for n in range(50):
        make_product(store, title=f"Beta lamp {n}", variants=3)
    release()

    def check() -> None:
        assert len(listed_ids(client.get("/search?q=beta").get_data(as_text=True))) == 24

    assert_same_count(client, count_queries, "/search?q=alpha", "/search?q=beta", check)
    assert_same_count(
        client, count_queries, "/search?q=alpha&sort=price_asc", "/search?q=beta&page=2", check
    )


def test_home_and_store_statements_do_not_grow_with_products(app_ctx, client, count_queries):
    small = make_store(handle="small")
    big = make_store(handle="big")
    for _ in range(5):
        make_product(small, variants=2, featured=True)
    for _ in range(50):
        make_product(big, variants=2, featured=True)
    release()

    assert_same_count(client, count_queries, "/s/small", "/s/big", lambda: None)
    home_before = statements_for(client, count_queries, "/")
    for _ in range(10):
        make_product(big, variants=4, featured=True)
    release()
    assert statements_for(client, count_queries, "/") == home_before
