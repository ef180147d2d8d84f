"""Creating and editing products with variants, and the bad inputs that change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.accounts.models import Role
from core.extensions import db
from shop.catalog.models import Product, Store, Variant
from tests.conftest import Auth, post_form
from tests.factories import make_user
from tests.shop.catalog.helpers import (
    TWO_VARIANTS,
    counts,
    files_in,
    png,
    product_form,
    upload,
)
from tests.shop.factories import category, make_product, make_store

MULTIPART = {"content_type": "multipart/form-data"}


def create(client, **fields):
    return post_form(client, "/seller/products/new", product_form(**fields), **MULTIPART)


def the_product() -> Product:
    db.session.expire_all()
    return db.session.scalars(select(Product)).one()


def test_new_product_form_lists_categories_grouped_by_parent(seller, client):
    page = client.get("/seller/products/new").get_data(as_text=True)

    assert '<optgroup label="Beauty">' in page
    assert ">Skincare</option>" in page


def test_seller_creates_a_product_with_two_variants_and_an_image(seller, client, uploads):
    response = create(client, images=[upload(png((1200, 900)))])

    assert response.status_code == 302
    product = the_product()
    assert response.headers["Location"].endswith(f"/seller/products/{product.id}")
    assert product.store_id == seller.store_id
    assert product.status == "active"
    assert [(v.option1, v.option2, v.sku, v.price, v.stock) for v in product.variants] == [
        ("M", "Black", "TEE-BLK-M", 1250, 5),
        ("L", "Black", "TEE-BLK-L", 1400, 3),
    ]
    assert (product.price, product.currency) == (1250, "USD")
    [image] = product.images
    assert (image.width, image.height) == (1200, 900)
    assert product.cover_thumb_path == image.thumb_path
    assert {p.relative_to(uploads).as_posix() for p in files_in(uploads)} == {
        image.path,
        image.thumb_path,
    }


def test_new_product_page_shows_the_product_in_the_list(seller, client):
    create(client, title="Linen shirt")

    page = client.get("/seller/products").get_data(as_text=True)

    assert "Linen shirt" in page
    assert "$12.50" in page


def test_seller_edits_a_product_and_its_variants(seller, client):
    create(client)
    product = the_product()
    first = product.variants[0].id

    response = post_form(
        client,
        f"/seller/products/{product.id}",
        product_form(
            title="Everyday tee v2",
            status="draft",
            compare_at="20.00",
            variants=(
                ("M", "White", "TEE-WHT-M", "9.99", "7"),
                ("XL", "Black", "TEE-BLK-XL", "15", "0"),
            ),
            ids=(first, None),
            featured="y",
        ),
        **MULTIPART,
    )

    assert response.status_code == 302
    product = the_product()
    assert (product.title, product.status, product.featured) == ("Everyday tee v2", "draft", True)
    assert product.compare_at_price == 2000
    assert [(v.id == first, v.sku, v.price, v.stock) for v in product.variants] == [
        (True, "TEE-WHT-M", 999, 7),
        (False, "TEE-BLK-XL", 1500, 0),
    ]
    assert counts()["variant"] == 2  # the second variant is gone, not deactivated
    assert product.price == 999


def test_edit_page_shows_the_variants_as_typed_money(seller, client):
    create(client)

    page = client.get(f"/seller/products/{the_product().id}").get_data(as_text=True)

    assert 'value="12.50"' in page
    assert 'value="TEE-BLK-L"' in page


@pytest.mark.parametrize(
    ("status", "says"),
    [
        ("active", "View in shop"),
        ("draft", "Draft: not in the shop yet"),
        ("archived", "Archived: no longer in the shop"),
    ],
)
def test_edit_page_links_to_the_shop_page_only_when_the_product_is_active(
    seller, client, status, says
):
    product_id = make_product(db.session.get(Store, seller.store_id), status=status).id

    page = client.get(f"/seller/products/{product_id}").get_data(as_text=True)

    assert says in page
    assert (f'href="/p/{product_id}"' in page) is (status == "active")


def test_two_variants_can_swap_skus(seller, client):
    create(client)
    product = the_product()
    first, second = (v.id for v in product.variants)

    response = post_form(
        client,
        f"/seller/products/{product.id}",
        product_form(
            variants=(
                ("M", "Black", "TEE-BLK-L", "12.50", "5"),
                ("L", "Black", "TEE-BLK-M", "14.00", "3"),
            ),
            ids=(first, second),
        ),
        **MULTIPART,
    )

    assert response.status_code == 302
    assert [v.sku for v in the_product().variants] == ["TEE-BLK-L", "TEE-BLK-M"]


def test_removed_row_is_dropped_on_save(seller, client):
    create(client)
    product = the_product()
    ids = tuple(v.id for v in product.variants)

    post_form(
        client,
        f"/seller/products/{product.id}",
        product_form(ids=ids, **{"variants-1-remove": "y"}),
        **MULTIPART,
    )

    assert [v.sku for v in the_product().variants] == ["TEE-BLK-M"]


def test_add_a_variant_button_adds_an_empty_row_without_saving(seller, client):
    response = create(client, add_variant="Add a variant")

    assert response.status_code == 200
    assert 'name="variants-2-sku"' in response.get_data(as_text=True)
    assert counts()["product"] == 0


def test_blank_rows_are_ignored(seller, client):
    create(client, variants=(*TWO_VARIANTS, ("", "", "", "", "")))

    assert len(the_product().variants) == 2


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("M", "", "SKU-1", "0", "1"), "more than zero"),
        (("M", "", "SKU-1", "-5.00", "1"), "more than zero"),
        (("M", "", "SKU-1", "12.505", "1"), "at most 2 decimals"),
        (("M", "", "SKU-1", "12,50", "1"), "Enter a price like 12.50"),
        (("M", "", "SKU-1", "abc", "1"), "Enter a price like 12.50"),
        (("M", "", "SKU-1", "12.50", "-1"), "Stock cannot be below zero"),
        (("M", "", "SKU-1", "12.50", "1.5"), "whole number"),
        (("M", "", "", "12.50", "1"), "Enter a SKU"),
    ],
    ids=[
        "zero-price",
        "negative-price",
        "three-decimals",
        "decimal-comma",
        "not-a-price",
        "negative-stock",
        "fractional-stock",
        "missing-sku",
    ],
)
def test_bad_variant_is_refused_and_nothing_is_written(seller, client, uploads, row, message):
    response = create(client, variants=(row,), images=[upload(png())])

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert counts() == {"store": 1, "product": 0, "variant": 0, "product_image": 0}
    assert files_in(uploads) == []


def test_product_without_variants_is_refused(seller, client):
    response = create(client, variants=())

    assert response.status_code == 400
    assert "Add at least one variant" in response.get_data(as_text=True)
    assert counts()["product"] == 0


def test_duplicate_sku_within_the_product_is_refused(seller, client):
    response = create(
        client,
        variants=(("S", "", "DUP-1", "5.00", "1"), ("M", "", "dup-1", "5.00", "1")),
    )

    assert response.status_code == 400
    assert "used twice" in response.get_data(as_text=True)
    assert counts()["variant"] == 0


def test_sku_of_another_product_of_the_store_is_refused(seller, client):
    make_product(db.session.get(Store, seller.store_id), title="Older")
    taken = db.session.scalars(select(Variant.sku)).one()

    response = create(client, variants=(("M", "", taken, "5.00", "1"),))

    assert response.status_code == 400
    assert "already used by another of your products" in response.get_data(as_text=True)
    assert counts()["product"] == 1


def test_same_sku_in_another_store_is_fine(seller, client):
    other = make_product(make_store())
    taken = other.variants[0].sku

    response = create(client, variants=(("M", "", taken, "5.00", "1"),))

    assert response.status_code == 302


@pytest.mark.parametrize("category_id", ["1", "9999", "beauty"], ids=["parent", "unknown", "text"])
def test_tampered_category_is_refused(seller, client, category_id):
    response = create(client, category_id=category_id)

    assert response.status_code == 400
    assert counts()["product"] == 0


def test_tampered_status_is_refused(seller, client):
    response = create(client, status="sold")

    assert response.status_code == 400
    assert counts()["product"] == 0


def test_compare_at_price_must_be_above_the_price(seller, client):
    response = create(client, compare_at="10.00")

    assert response.status_code == 400
    assert "higher than the lowest variant price" in response.get_data(as_text=True)
    assert counts()["product"] == 0


def test_variant_id_of_another_product_is_refused(seller, client):
    other = make_product(make_store())
    create(client)
    product = db.session.scalars(select(Product).where(Product.store_id == seller.store_id)).one()
    other_variant = other.variants[0].id

    response = post_form(
        client,
        f"/seller/products/{product.id}",
        product_form(variants=(("M", "", "NEW-1", "5.00", "1"),), ids=(other_variant,)),
        **MULTIPART,
    )

    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Variant, other_variant).sku == other.variants[0].sku
    assert len(db.session.get(Product, product.id).variants) == 2


def test_prices_are_parsed_in_the_store_currency(app_ctx, client):
    user = make_user(Role.SELLER, email="yen@example.com")
    make_store(owner=user, currency="JPY")
    Auth(client).login(user.email)

    refused = create(client, variants=(("M", "", "JP-1", "12.50", "1"),))
    accepted = create(client, variants=(("M", "", "JP-1", "1250", "1"),))

    assert refused.status_code == 400
    assert accepted.status_code == 302
    product = db.session.scalars(select(Product)).one()
    assert (product.price, product.currency) == (1250, "JPY")


def test_a_seller_without_a_store_is_sent_to_open_one(app_ctx, client):
    user = make_user(Role.SELLER, email="storeless@example.com")
    Auth(client).login(user.email)

    response = client.get("/seller/products/new")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/seller/store/new")


def test_category_helper_is_a_leaf(app_ctx):
    assert category("fashion-women").parent is not None
