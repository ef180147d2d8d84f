"""Who may use the seller's catalogue pages: only the owner, only sellers, only signed in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.accounts.models import Role
from core.extensions import db
from shop.catalog.models import Product, ProductImage, Store
from tests.conftest import Auth, post_form
from tests.factories import make_user
from tests.shop.catalog.helpers import counts, product_form
from tests.shop.factories import make_product, make_store

MULTIPART = {"content_type": "multipart/form-data"}


@pytest.fixture
def theirs(seller) -> tuple[int, int]:
    """Another seller's product (with an image): its id and its image's id."""
    product = make_product(make_store(), variants=2)
    image = ProductImage(
        product_id=product.id, path="aa/bb/x.webp", thumb_path="aa/bb/x-t.webp", width=1, height=1
    )
    db.session.add(image)
    db.session.commit()
    return product.id, image.id


def other_product_urls(pid: int, image_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", f"/seller/products/{pid}"),
        ("POST", f"/seller/products/{pid}"),
        ("POST", f"/seller/products/{pid}/delete"),
        ("POST", f"/seller/products/{pid}/images/{image_id}/up"),
        ("POST", f"/seller/products/{pid}/images/{image_id}/down"),
        ("POST", f"/seller/products/{pid}/images/{image_id}/delete"),
    ]


def snapshot() -> tuple:
    db.session.expire_all()
    product = db.session.scalars(select(Product)).one()
    return (
        product.title,
        product.status,
        [(v.sku, v.price, v.stock) for v in product.variants],
        [(i.id, i.position) for i in product.images],
    )


def test_another_sellers_product_is_forbidden_on_every_url(seller, client, theirs):
    before = snapshot()

    for method, url in other_product_urls(*theirs):
        if method == "GET":
            response = client.get(url)
        else:
            response = post_form(client, url, product_form(title="Hijacked"), **MULTIPART)
        assert response.status_code == 403, (method, url)

    assert snapshot() == before
    assert counts()["product_image"] == 1


def test_an_unknown_product_is_not_found(seller, client):
    assert client.get("/seller/products/999999").status_code == 404
    assert post_form(client, "/seller/products/999999/delete").status_code == 404
    assert client.get(f"/seller/products/{2**70}").status_code == 404


def test_an_image_of_another_product_is_not_found(seller, client, theirs):
    mine = make_product(db.session.get(Store, seller.store_id))
    _, their_image = theirs

    response = post_form(client, f"/seller/products/{mine.id}/images/{their_image}/delete")

    assert response.status_code == 404
    assert counts()["product_image"] == 1


SELLER_PAGES = [
    ("GET", "/seller/products"),
    ("GET", "/seller/products/new"),
    ("POST", "/seller/products/new"),
    ("GET", "/seller/store"),
    ("POST", "/seller/store"),
    ("POST", "/seller/products/bulk"),
    ("GET", "/seller/products/1"),
    ("POST", "/seller/products/1"),
    ("POST", "/seller/products/1/delete"),
    ("POST", "/seller/products/1/images/1/up"),
    ("POST", "/seller/products/1/images/1/delete"),
]


@pytest.mark.parametrize(("method", "url"), SELLER_PAGES)
def test_a_buyer_is_forbidden(app_ctx, client, method, url):
    make_product()
    user = make_user(Role.BUYER, email="buyer@example.com")
    Auth(client).login(user.email)

    response = client.get(url) if method == "GET" else post_form(client, url, {})

    assert response.status_code == 403


@pytest.mark.parametrize(("method", "url"), [*SELLER_PAGES, ("GET", "/seller/store/new")])
def test_anonymous_is_sent_to_sign_in(client, method, url):
    response = client.get(url) if method == "GET" else post_form(client, url, {})

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_buyer_may_open_a_store(app_ctx, client):
    user = make_user(Role.BUYER, email="buyer@example.com")
    Auth(client).login(user.email)

    assert client.get("/seller/store/new").status_code == 200
