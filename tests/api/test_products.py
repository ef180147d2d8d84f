"""Seller products over the API."""

from __future__ import annotations

from tests.api.conftest import is_problem, make_key
from tests.shop.factories import Shop, category


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
