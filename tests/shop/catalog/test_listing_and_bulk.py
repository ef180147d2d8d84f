"""The products list: filters, search, pagination, bulk actions, delete vs archive."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from core.accounts.models import Role
from core.extensions import db
from shop import signals
from shop.catalog.models import Product, ProductImage, Store
from tests.conftest import post_form
from tests.factories import make_user
from tests.shop.catalog.helpers import counts
from tests.shop.factories import make_order, make_product, make_store


def my_store(seller) -> Store:
    return db.session.get(Store, seller.store_id)


def listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="product_ids" value="(\d+)"', html)]


def statuses() -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(select(Product.id, Product.status)).all())


@contextmanager
def archived_products():
    sent: list[int] = []

    def receiver(product: Product, **_: object) -> None:
        sent.append(product.id)

    signals.product_archived.connect(receiver)
    try:
        yield sent
    finally:
        signals.product_archived.disconnect(receiver)


def test_list_shows_only_my_products_newest_first(seller, client):
    mine = [make_product(my_store(seller)).id for _ in range(3)]
    make_product(make_store())

    assert listed(client.get("/seller/products").get_data(as_text=True)) == mine[::-1]


def test_only_active_products_link_to_their_shop_page(seller, client):
    active = make_product(my_store(seller), status="active").id
    draft = make_product(my_store(seller), status="draft").id
    archived = make_product(my_store(seller), status="archived").id

    page = client.get("/seller/products").get_data(as_text=True)

    assert f'href="/p/{active}"' in page
    assert "View in shop" in page
    assert f'href="/p/{draft}"' not in page
    assert f'href="/p/{archived}"' not in page
    assert "Draft: not in the shop yet" in page
    assert "Archived: no longer in the shop" in page


def test_list_filters_by_status(seller, client):
    draft = make_product(my_store(seller), status="draft").id
    make_product(my_store(seller), status="active")

    page = client.get("/seller/products?status=draft").get_data(as_text=True)

    assert listed(page) == [draft]


def test_list_searches_title_and_sku_ignoring_case(seller, client):
    shirt = make_product(my_store(seller), title="Linen Shirt").id
    other = make_product(my_store(seller), title="Mug")
    sku = other.variants[0].sku

    assert listed(client.get("/seller/products?q=linen").get_data(as_text=True)) == [shirt]
    assert listed(client.get(f"/seller/products?q={sku.lower()}").get_data(as_text=True)) == [
        other.id
    ]


def test_search_treats_like_wildcards_literally(seller, client):
    make_product(my_store(seller), title="Plain")

    page = client.get("/seller/products?q=%25").get_data(as_text=True)

    assert listed(page) == []
    assert "No products match" in page


def test_list_is_paginated(seller, client):
    ids = [make_product(my_store(seller)).id for _ in range(30)]

    first = listed(client.get("/seller/products").get_data(as_text=True))
    second = listed(client.get("/seller/products?page=2").get_data(as_text=True))

    assert first == ids[::-1][:25]
    assert second == ids[::-1][25:]


def test_empty_list_invites_the_first_product(seller, client):
    page = client.get("/seller/products").get_data(as_text=True)

    assert "No products yet" in page
    assert 'href="/seller/products/new"' in page


def test_bulk_archive_archives_the_checked_products(seller, client):
    a, b, c = (make_product(my_store(seller)).id for _ in range(3))

    with archived_products() as sent:
        response = post_form(
            client, "/seller/products/bulk", {"action": "archive", "product_ids": [a, b]}
        )

    assert response.status_code == 302
    assert statuses() == {a: "archived", b: "archived", c: "active"}
    assert sorted(sent) == [a, b]


def test_bulk_activate_activates_the_checked_products(seller, client):
    a, b = (make_product(my_store(seller), status="draft").id for _ in range(2))

    post_form(client, "/seller/products/bulk", {"action": "activate", "product_ids": [a]})

    assert statuses() == {a: "active", b: "draft"}


def test_bulk_action_with_another_sellers_product_changes_nothing(seller, client):
    mine = make_product(my_store(seller)).id
    theirs = make_product(make_store()).id

    response = post_form(
        client, "/seller/products/bulk", {"action": "archive", "product_ids": [mine, theirs]}
    )

    assert response.status_code == 404
    assert statuses() == {mine: "active", theirs: "active"}


def test_bulk_action_needs_a_csrf_token(seller, client):
    mine = make_product(my_store(seller)).id

    response = client.post("/seller/products/bulk", data={"action": "archive", "product_ids": mine})

    assert response.status_code == 400
    assert statuses() == {mine: "active"}


@pytest.mark.parametrize("action", ["delete", ""])
def test_bulk_action_must_be_known(seller, client, action):
    mine = make_product(my_store(seller)).id

    response = post_form(client, "/seller/products/bulk", {"action": action, "product_ids": mine})

    assert response.status_code == 400
    assert statuses() == {mine: "active"}


def test_product_without_orders_is_deleted(seller, client):
    product = make_product(my_store(seller), variants=2)
    db.session.add(
        ProductImage(product_id=product.id, path="a.webp", thumb_path="a-t.webp", width=1, height=1)
    )
    db.session.commit()

    response = post_form(client, f"/seller/products/{product.id}/delete")

    assert response.status_code == 302
    assert counts() == {"store": 1, "product": 0, "variant": 0, "product_image": 0}


def test_product_with_orders_is_archived_not_deleted(seller, client):
    product = make_product(my_store(seller))
    make_order(make_user(Role.BUYER), [(product.variants[0], 1)])
    pid = product.id

    with archived_products() as sent:
        response = post_form(client, f"/seller/products/{pid}/delete")

    assert response.status_code == 302
    assert statuses() == {pid: "archived"}
    assert counts()["variant"] == 1
    assert sent == [pid]


def test_edit_page_offers_archive_for_a_product_with_orders(seller, client):
    product = make_product(my_store(seller))
    make_order(make_user(Role.BUYER), [(product.variants[0], 1)])

    page = client.get(f"/seller/products/{product.id}").get_data(as_text=True)

    assert "This product has orders, so it cannot be deleted" in page
    assert "Delete product" not in page


def test_removing_an_ordered_variant_deactivates_it(seller, client):
    from tests.shop.catalog.helpers import product_form

    product = make_product(my_store(seller), variants=2, price=1000)
    ordered, kept = product.variants
    make_order(make_user(Role.BUYER), [(ordered, 1)])
    ordered_id, kept_id, kept_sku = ordered.id, kept.id, kept.sku

    response = post_form(
        client,
        f"/seller/products/{product.id}",
        product_form(variants=(("M", "", kept_sku, "10.00", "4"),), ids=(kept_id,)),
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    db.session.expire_all()
    variants = {v.id: v.active for v in db.session.get(Product, product.id).variants}
    assert variants == {kept_id: True, ordered_id: False}
