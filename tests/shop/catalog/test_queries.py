"""The products list runs a constant number of SQL statements, however many products."""

from __future__ import annotations

import pytest

from core.extensions import db
from shop.catalog.models import ProductImage, Store
from tests.shop.factories import make_product


def fill(store_id: int, count: int) -> None:
    store = db.session.get(Store, store_id)
    for index in range(count):
        product = make_product(store, variants=3)
        db.session.add_all(
            ProductImage(
                product_id=product.id,
                position=position,
                path=f"{index}-{position}.webp",
                thumb_path=f"{index}-{position}-t.webp",
                width=10,
                height=10,
            )
            for position in range(2)
        )
    db.session.commit()


def statements_for(client, count_queries, url: str) -> int:
    client.get(url)  # warm up: nothing cached per process should count
    before = count_queries.count
    response = client.get(url)
    assert response.status_code == 200
    return count_queries.count - before


@pytest.mark.parametrize("url", ["/seller/products", "/seller/products?q=product&status=active"])
def test_products_list_statement_count_does_not_grow(seller, client, count_queries, url):
    fill(seller.store_id, 5)
    with_5 = statements_for(client, count_queries, url)
    fill(seller.store_id, 25)
    with_30 = statements_for(client, count_queries, url)

    assert with_5 == with_30
    assert with_30 <= 10


def test_edit_page_statement_count_does_not_grow_with_variants(seller, client, count_queries):
    store = db.session.get(Store, seller.store_id)
    few = make_product(store, variants=1).id
    many = make_product(store, variants=5).id

    assert statements_for(client, count_queries, f"/seller/products/{few}") == statements_for(
        client, count_queries, f"/seller/products/{many}"
    )
