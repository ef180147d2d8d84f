"""What the Seller centre reads of a store's products: one product if it is the store's, and a
page of them filtered in the database."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import lazyload, raiseload

from core.db import escape_like
from core.extensions import db
from core.web.pagination import Page
from shop.catalog.models import Product, ProductStatus, Store, Variant


def get_store_product(store: Store | None, product_id: int) -> Product | None:
    """The product if it is ``store``'s; None if it does not exist or is someone else's."""
    if store is None:
        return None
    return db.session.scalar(
        select(Product).where(Product.id == product_id, Product.store_id == store.id)
    )


def list_products(
    store: Store, *, status: str = "", query: str = "", page: int = 1, per_page: int = 25
) -> Page[Product]:
    """One page of the store's products, newest first, filtered in the database.

    ``query`` matches the title or any variant's SKU, case-insensitively. Variants come in one
    more statement (for stock); images are not loaded (the cover thumbnail is on the product).
    """
    conditions = [Product.store_id == store.id]
    if status in {s.value for s in ProductStatus}:
        conditions.append(Product.status == status)
    if query.strip():
        pattern = "%" + escape_like(query.strip().lower()) + "%"
        sku_match = (
            select(Variant.id)
            .where(
                Variant.product_id == Product.id, func.lower(Variant.sku).like(pattern, escape="\\")
            )
            .exists()
        )
        conditions.append(or_(func.lower(Product.title).like(pattern, escape="\\"), sku_match))
    total = db.session.scalar(select(func.count(Product.id)).where(*conditions)) or 0
    items = db.session.scalars(
        select(Product)
        .where(*conditions)
        # The store is the caller's (in the session already); images are not shown here.
        .options(lazyload(Product.store), raiseload(Product.images))
        .order_by(Product.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)
