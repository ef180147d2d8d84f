"""The catalogue services as other packages call them (demo data, imports)."""

from __future__ import annotations

import pytest

from core.accounts.models import Role
from core.extensions import db
from shop import signals
from shop.catalog import images, services, stores
from shop.catalog.exceptions import (
    DuplicateSku,
    InvalidProduct,
    InvalidVariant,
    NotFound,
    StoreAlreadyOpen,
)
from shop.catalog.services import ProductInput, VariantInput
from shop.catalog.stores import StoreInput
from tests.factories import make_user
from tests.shop.catalog.helpers import png
from tests.shop.factories import category, make_product, make_store


def new_product(store, *variants: VariantInput, **fields):
    data = ProductInput(title="Tee", category_id=category().id, status="active", **fields)
    return services.create_product(store, data, variants or [VariantInput("SKU-1", 1000, 5)])


def test_create_product_keeps_the_listing_summary(app_ctx):
    store = make_store(currency="EUR")
    pictures = [images.process_bytes(png()), images.process_bytes(png())]

    product = services.create_product(
        store,
        ProductInput(title="Tee", category_id=category().id),
        [VariantInput("A", 1500, 1, "M"), VariantInput("B", 1200, 0, "L")],
        pictures,
    )

    assert (product.price, product.currency, product.status) == (1200, "EUR", "draft")
    assert product.cover_thumb_path == pictures[0].thumb_path
    assert [i.position for i in product.images] == [0, 1]


@pytest.mark.parametrize(
    "variant",
    [VariantInput("A", 0, 1), VariantInput("A", -100, 1), VariantInput("A", 100, -1)],
    ids=["zero-price", "negative-price", "negative-stock"],
)
def test_services_refuse_bad_variants_too(app_ctx, variant):
    with pytest.raises(InvalidVariant):
        new_product(make_store(), variant)


def test_services_refuse_no_variants(app_ctx):
    with pytest.raises(InvalidVariant):
        services.create_product(make_store(), ProductInput("Tee", category().id), [])


def test_services_refuse_a_duplicate_sku_in_the_store(app_ctx):
    store = make_store()
    new_product(store, VariantInput("SAME", 100, 1))

    with pytest.raises(DuplicateSku):
        new_product(store, VariantInput("SAME", 100, 1))


def test_services_refuse_an_unknown_category(app_ctx):
    with pytest.raises(InvalidProduct):
        services.create_product(
            make_store(), ProductInput("Tee", 99999), [VariantInput("A", 100, 1)]
        )


def test_archiving_through_an_edit_announces_it_once(app_ctx):
    product = new_product(make_store())
    sent = []
    receiver = lambda p, **_: sent.append(p.id)  # noqa: E731
    signals.product_archived.connect(receiver)
    try:
        data = ProductInput("Tee", category().id, status="archived")
        variants = [VariantInput("SKU-1", 1000, 5, id=product.variants[0].id)]
        services.update_product(product, data, variants)
        services.update_product(product, data, variants)
    finally:
        signals.product_archived.disconnect(receiver)

    assert sent == [product.id]


def test_set_status_refuses_another_stores_product(app_ctx):
    mine, theirs = make_store(), make_store()
    product = make_product(theirs)

    with pytest.raises(NotFound):
        services.set_status(mine, [product.id], "archived")


def test_one_store_per_owner(app_ctx):
    owner = make_user(Role.BUYER)
    stores.create_store(owner, StoreInput("One", "one-store"))

    with pytest.raises(StoreAlreadyOpen):
        stores.create_store(owner, StoreInput("Two", "two-store"))
    assert owner.has_role(Role.SELLER)


def test_suggested_handles_are_free_and_valid(app_ctx):
    make_store(handle="glow-lab")

    assert stores.available_handle("Glow Lab") == "glow-lab-2"
    assert stores.suggest_handle("!!") == "my-store"
    assert stores.suggest_handle("Zo") == "zo-store"
    assert stores.normalise_handle(stores.suggest_handle("x" * 80)) == "x" * 40


def test_lowest_price_ignores_inactive_variants(app_ctx):
    product = new_product(make_store(), VariantInput("A", 500, 1), VariantInput("B", 900, 1))
    product.variants[0].active = False

    services.recompute_product_summary(product)

    assert product.price == 900
    db.session.rollback()
