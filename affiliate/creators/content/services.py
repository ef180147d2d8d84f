"""What videos and lives share: whose content it is, and the products in its yellow cart.

A content's products come from its creator's showcase (at most ``MAX_CONTENT_PRODUCTS``, in
the order chosen, each once). Services flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select

from affiliate.creators.content.exceptions import NotInShowcase, NotYours, TooManyProducts
from affiliate.creators.content.models import (
    MAX_CONTENT_PRODUCTS,
    Content,
    ContentKind,
    ContentProduct,
)
from affiliate.creators.content.queries import published_content
from affiliate.plans.models import ShowcaseItem
from core.extensions import db
from shop.catalog.models import Product, ProductStatus


def own_content(creator_id: int, content_id: int, kind: ContentKind) -> Content:
    """The creator's own published content of ``kind``, or ``NotYours`` (read as 404)."""
    content = published_content(content_id, kind)
    if content is None or content.creator_id != creator_id:
        raise NotYours("No such content.")
    return content


def clean_product_ids(creator_id: int, product_ids: Iterable[object]) -> list[int]:
    """The chosen products, de-duplicated in order, each checked against the showcase."""
    chosen: list[int] = []
    for raw in product_ids:
        try:
            product_id = int(str(raw))
        except ValueError:
            raise NotInShowcase("Choose products from your showcase.") from None
        if not 0 < product_id < 2**31:
            raise NotInShowcase("Choose products from your showcase.")
        if product_id not in chosen:
            chosen.append(product_id)
    if len(chosen) > MAX_CONTENT_PRODUCTS:
        raise TooManyProducts(f"Attach at most {MAX_CONTENT_PRODUCTS} products.")
    if not chosen:
        return []
    showcased = set(
        db.session.scalars(
            select(ShowcaseItem.product_id)
            .join(Product, Product.id == ShowcaseItem.product_id)
            .where(
                ShowcaseItem.creator_id == creator_id,
                ShowcaseItem.product_id.in_(chosen),
                Product.status == ProductStatus.ACTIVE.value,
            )
        )
    )
    missing = [product_id for product_id in chosen if product_id not in showcased]
    if missing:
        raise NotInShowcase(
            "Only products in your showcase can go in the yellow cart; add them there first."
        )
    return chosen


def set_products(content: Content, product_ids: Sequence[int]) -> None:
    """Replace the content's yellow cart with ``product_ids`` (already cleaned)."""
    content.products.clear()
    db.session.flush()
    for position, product_id in enumerate(product_ids):
        content.products.append(ContentProduct(product_id=product_id, position=position))
    db.session.flush()
