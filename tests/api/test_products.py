"""Seller products over the API."""

from __future__ import annotations

from tests.api.conftest import is_problem, make_key
from tests.shop.factories import Shop, category, make_product


def test_lists_the_sellers_products(app_ctx, api):
    shop = Shop()
    key = make_key(shop.seller)
    response = api.get("/products", key)
    assert response.status_code == 200
    body = response.get_json()
    assert [p["id"] for p in body["data"]] == [shop.product.id]
    assert body["data"][0]["price"] == {"amount": 1999, "currency": "USD"}
    assert body["next_cursor"] is None


def test_creates_a_product(app_ctx, api):
    shop = Shop()
    key = make_key(shop.seller)
    body = {
        "title": "Glow serum",
        "category_id": category().id,
        "status": "active",
        "variants": [{"sku": "GLOW-1", "price": 2500, "stock": 5}],
    }
    response = api.post("/products", key, body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["variants"][0]["sku"] == "GLOW-1"


def test_no_key_is_401(app_ctx, api):
    assert is_problem(api.get("/products", None), 401)


def test_gets_a_product_with_its_variants(app_ctx, api):
    shop = Shop()
    body = api.get(f"/products/{shop.product.id}", make_key(shop.seller)).get_json()
    assert [v["sku"] for v in body["variants"]] == [v.sku for v in shop.variants]


def test_updates_a_product_keeping_its_variants(app_ctx, api):
    shop = Shop()
    key = make_key(shop.seller)
    response = api.patch(f"/products/{shop.product.id}", key, {"title": "Renamed"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["title"] == "Renamed"
    assert len(body["variants"]) == 2


def test_update_replaces_the_variant_list_when_given(app_ctx, api):
    shop = Shop()
    keep = shop.variants[0]
    variants = [{"id": keep.id, "sku": keep.sku, "price": 2500, "stock": 4}]
    response = api.patch(
        f"/products/{shop.product.id}", make_key(shop.seller), {"variants": variants}
    )
    assert response.status_code == 200
    assert [(v["id"], v["price"]["amount"]) for v in response.get_json()["variants"]] == [
        (keep.id, 2500)
    ]


def test_archives_a_product(app_ctx, api):
    shop = Shop()
    response = api.post(f"/products/{shop.product.id}/archive", make_key(shop.seller))
    assert response.status_code == 200
    assert response.get_json()["status"] == "archived"


def test_bulk_updates_stock_and_price_by_sku(app_ctx, api):
    shop = Shop()
    first, second = shop.variants
    items = [{"sku": first.sku, "stock": 99}, {"sku": second.sku.lower(), "price": 1500}]
    response = api.post("/variants/bulk-update", make_key(shop.seller), {"items": items})
    assert response.status_code == 200, response.get_json()
    by_sku = {v["sku"]: v for v in response.get_json()["variants"]}
    assert by_sku[first.sku]["stock"] == 99
    assert by_sku[second.sku]["price"]["amount"] == 1500
    assert by_sku[second.sku]["stock"] == second.stock


def test_bulk_update_with_an_unknown_sku_changes_nothing(app_ctx, api):
    shop = Shop()
    first = shop.variants[0]
    items = [{"sku": first.sku, "stock": 99}, {"sku": "NOPE", "stock": 1}]
    response = api.post("/variants/bulk-update", make_key(shop.seller), {"items": items})
    assert is_problem(response, 422)
    assert response.get_json()["errors"][0]["field"] == "items[1].sku"
    body = api.get(f"/products/{shop.product.id}", make_key(shop.seller)).get_json()
    assert body["variants"][0]["stock"] == first.stock


def test_bulk_update_cannot_touch_another_stores_sku(app_ctx, api):
    mine, theirs = Shop(), Shop()
    items = [{"sku": theirs.variants[0].sku, "stock": 0}]
    response = api.post("/variants/bulk-update", make_key(mine.seller), {"items": items})
    assert is_problem(response, 422)


def test_lists_categories(app_ctx, api):
    shop = Shop()
    body = api.get("/categories", make_key(shop.seller, "products:read")).get_json()
    assert any(c["slug"] == "beauty-skincare" for c in body["data"])


def _statements(api, count_queries, path: str, key: str) -> int:
    api.get(path, key)  # warm up
    before = count_queries.count
    assert api.get(path, key).status_code == 200
    return count_queries.count - before


def test_list_statement_counts_do_not_grow_with_the_data(app_ctx, api, count_queries):
    shop = Shop(stock=50)
    key = make_key(shop.seller)
    shop.paid()
    small = {p: _statements(api, count_queries, p, key) for p in ("/products", "/orders")}
    for _ in range(4):
        make_product(shop.store, variants=2)
        shop.paid((1, 1))
    large = {p: _statements(api, count_queries, p, key) for p in ("/products", "/orders")}
    assert large == small
