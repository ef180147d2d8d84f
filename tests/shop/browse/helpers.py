"""Helpers of the browse tests: read which products a page lists, in order."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from core.extensions import db
from shop.catalog.models import Product, ProductImage

_PRODUCT_LINK = re.compile(r'href="/p/(\d+)"')


def release() -> None:
    """End the test's own transaction before requests run.

    On SQLite every transaction is ``BEGIN IMMEDIATE``, so a test session left in one (as a
    factory's refresh leaves it) would block the request's. Loaded objects stay readable.
    """
    db.session.close()


def listed_ids(html: str) -> list[int]:
    """Ids of the products a page links to, in page order, each once."""
    seen: list[int] = []
    for match in _PRODUCT_LINK.finditer(html):
        product_id = int(match.group(1))
        if product_id not in seen:
            seen.append(product_id)
    return seen


def get_page(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def add_images(product: Product, count: int) -> None:
    """Give ``product`` ``count`` image rows (files need not exist to render the page)."""
    for position in range(count):
        db.session.add(
            ProductImage(
                product_id=product.id,
                position=position,
                path=f"products/{product.id}/{position}.jpg",
                thumb_path=f"products/{product.id}/{position}_thumb.jpg",
                width=800,
                height=800,
            )
        )
    product.cover_thumb_path = f"products/{product.id}/0_thumb.jpg"
    db.session.commit()
