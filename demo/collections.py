"""A demo collection for Cleo (creator@example.com): "Morning glow routine", made of the
products of her showcase. Idempotent: skipped when it exists."""

from __future__ import annotations

from sqlalchemy import select

from affiliate.creators.collections import services as collections
from affiliate.creators.collections.models import Collection
from affiliate.plans.models import ShowcaseItem
from core.accounts import services as accounts
from core.extensions import db
from shop.catalog.models import Product, ProductStatus

NAME = "Morning glow routine"
SLUG = "morning-glow-routine"
MAX_DEMO_PRODUCTS = 6


def seed_collections() -> str:
    cleo = accounts.find_by_email("creator@example.com")
    if cleo is None:
        return "demo collections skipped (no Cleo)"
    if db.session.scalar(
        select(Collection.id).where(Collection.creator_id == cleo.id, Collection.slug == SLUG)
    ):
        return "demo collections ready (already there)"
    product_ids = db.session.scalars(
        select(ShowcaseItem.product_id)
        .join(Product, Product.id == ShowcaseItem.product_id)
        .where(ShowcaseItem.creator_id == cleo.id, Product.status == ProductStatus.ACTIVE.value)
        .order_by(ShowcaseItem.id)
        .limit(MAX_DEMO_PRODUCTS)
    ).all()
    collection = collections.create_collection(
        cleo.id, NAME, "What I use every morning, in the order I use it."
    )
    for product_id in product_ids:
        collections.add_product(collection, product_id)
    db.session.flush()
    return (
        f"demo collections ready (Cleo's “{NAME}”, {len(product_ids)} products: "
        f"/creators/cleo/collections/{SLUG})"
    )
