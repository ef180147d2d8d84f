"""A variant's cost price (for sample economics): typed in the product form, optional, never
negative."""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from shop.catalog.models import Product
from tests.conftest import post_form
from tests.shop.catalog.helpers import product_form

MULTIPART = {"content_type": "multipart/form-data"}


def _product() -> Product:
    db.session.expire_all()
    return db.session.scalars(select(Product)).one()


def test_seller_records_a_cost_price_per_variant_and_may_leave_it_empty(seller, client):
    data = product_form(**{"variants-0-cost_price": "4.20", "variants-1-cost_price": ""})
    response = post_form(client, "/seller/products/new", data, **MULTIPART)
    assert response.status_code == 302
    product = _product()
    assert [v.cost_price for v in product.variants] == [420, None]
    page = client.get(f"/seller/products/{product.id}").get_data(as_text=True)
    assert 'value="4.20"' in page


def test_a_negative_or_garbled_cost_price_is_refused(seller, client):
    for bad in ("-1.00", "cheap", "1.234"):
        data = product_form(**{"variants-0-cost_price": bad})
        response = post_form(client, "/seller/products/new", data, **MULTIPART)
        assert response.status_code == 400, bad
    db.session.expire_all()
    assert db.session.scalars(select(Product)).all() == []
