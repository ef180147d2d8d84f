"""Helpers for the catalogue tests: images made in memory, product forms, row counts, and which
products a buyer's page lists, in order."""

from __future__ import annotations

import random
import re
from io import BytesIO
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from core.extensions import db
from shop.catalog.models import Product, ProductImage, Store, Variant
from tests.shop.factories import category

Row = tuple[str, str, str, str, str]  # option1, option2, sku, price, stock

TWO_VARIANTS: tuple[Row, ...] = (
    ("M", "Black", "TEE-BLK-M", "12.50", "5"),
    ("L", "Black", "TEE-BLK-L", "14.00", "3"),
)


def png(size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (250, 204, 21)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def noisy_png(size: tuple[int, int]) -> bytes:
    """A PNG that does not compress (random pixels), to make a large file quickly."""
    rng = random.Random(4)
    image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    out = BytesIO()
    image.save(out, format="PNG", compress_level=0)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.png") -> tuple[BytesIO, str]:
    return BytesIO(data), name


def product_form(
    *,
    title: str = "Everyday tee",
    category_slug: str = "fashion-women",
    category_id: Any = None,
    status: str = "active",
    compare_at: str = "",
    variants: tuple[Row, ...] = TWO_VARIANTS,
    ids: tuple[int | None, ...] = (),
    **extra: Any,
) -> dict[str, Any]:
    """The fields a browser posts for the product form."""
    if category_id is None:
        category_id = category(category_slug).id
    data: dict[str, Any] = {
        "title": title,
        "description": "Soft cotton.",
        "category_id": str(category_id),
        "status": status,
        "compare_at_price": compare_at,
    }
    for index, (option1, option2, sku, price, stock) in enumerate(variants):
        data.update(
            {
                f"variants-{index}-option1": option1,
                f"variants-{index}-option2": option2,
                f"variants-{index}-sku": sku,
                f"variants-{index}-price": price,
                f"variants-{index}-stock": stock,
            }
        )
        if index < len(ids) and ids[index] is not None:
            data[f"variants-{index}-id"] = str(ids[index])
    data.update(extra)
    return data


def counts() -> dict[str, int]:
    """How many stores, products, variants and images there are (fresh from the database)."""
    db.session.expire_all()
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Store, Product, Variant, ProductImage)
    }


def files_in(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.exists() else []


def load(model: type, ident: int) -> Any:
    db.session.expire_all()
    return db.session.get(model, ident)


# --- the buyer's pages -----------------------------------------------------------------------


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
