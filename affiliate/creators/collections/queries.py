"""What the collection pages read, in a fixed number of statements whatever their size: a
creator's collections with their covers and earnings (3; 2 on the public profile), one
collection's products (1 for the creator, 2 for a public page: the count and a page), the
showcase products still to add (1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import defer, joinedload, raiseload

from affiliate.creators.attribution.models import Commission
from affiliate.creators.collections.models import Collection, CollectionItem
from affiliate.plans.models import ShowcaseItem
from affiliate.profiles.models import CreatorProfile
from core.extensions import db
from core.web.pagination import Page
from shop.catalog.models import Product, ProductStatus, Store

PER_PAGE = 24
COVERS = 4


@dataclass
class CollectionCard:
    collection: Collection
    covers: list[str] = field(default_factory=list)
    #: Lines bought from the collection and their commission (net of reversals), by currency.
    sales: dict[str, tuple[int, int]] = field(default_factory=dict)


def _sales(collection_ids: Sequence[int]) -> dict[int, dict[str, tuple[int, int]]]:
    """Commissions earned from each collection: (lines, net amount) per currency (one
    statement)."""
    if not collection_ids:
        return {}
    rows = db.session.execute(
        select(
            Commission.collection_id,
            Commission.currency,
            func.count(Commission.id),
            func.sum(Commission.amount - Commission.reversed_amount),
        )
        .where(Commission.collection_id.in_(collection_ids))
        .group_by(Commission.collection_id, Commission.currency)
    ).all()
    sales: dict[int, dict[str, tuple[int, int]]] = {}
    for collection_id, currency, lines, amount in rows:
        sales.setdefault(collection_id, {})[currency] = (int(lines), int(amount or 0))
    return sales


def _covers(collection_ids: Sequence[int], *, active_only: bool) -> dict[int, list[str]]:
    """Up to ``COVERS`` product thumbnails per collection, in its order (one statement)."""
    if not collection_ids:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=CollectionItem.collection_id,
            order_by=(CollectionItem.position, CollectionItem.id),
        )
        .label("rank")
    )
    inner = (
        select(CollectionItem.collection_id, Product.cover_thumb_path, rank)
        .join(Product, Product.id == CollectionItem.product_id)
        .where(
            CollectionItem.collection_id.in_(collection_ids),
            Product.cover_thumb_path.is_not(None),
        )
    )
    if active_only:
        inner = inner.where(Product.status == ProductStatus.ACTIVE.value)
    ranked = inner.subquery("ranked")
    covers: dict[int, list[str]] = {}
    for collection_id, path, _ in db.session.execute(
        select(ranked)
        .where(ranked.c.rank <= COVERS)
        .order_by(ranked.c.collection_id, ranked.c.rank)
    ):
        covers.setdefault(collection_id, []).append(path)
    return covers


def collections_of(creator_id: int, *, public: bool = False) -> list[CollectionCard]:
    """The creator's collections, newest first, with covers (and, for the creator, what they
    earned); ``public``: only non-empty ones, without figures."""
    statement = select(Collection).where(Collection.creator_id == creator_id)
    if public:
        statement = statement.where(Collection.product_count > 0)
    collections = list(
        db.session.scalars(statement.order_by(Collection.created_at.desc(), Collection.id.desc()))
    )
    ids = [c.id for c in collections]
    covers = _covers(ids, active_only=public)
    sales = {} if public else _sales(ids)
    return [CollectionCard(c, covers.get(c.id, []), sales.get(c.id, {})) for c in collections]


def public_collection(handle: str, slug: str) -> tuple[Collection, CreatorProfile] | None:
    """A collection by its creator's handle and its slug (one statement)."""
    row = db.session.execute(
        select(Collection, CreatorProfile)
        .join(CreatorProfile, CreatorProfile.user_id == Collection.creator_id)
        .where(
            CreatorProfile.handle == handle.lstrip("@").lower(),
            Collection.slug == slug.lower(),
        )
    ).first()
    return (row[0], row[1]) if row else None


def _card_options() -> tuple:
    return (
        defer(Product.description, raiseload=True),
        joinedload(Product.store).raiseload(Store.owner),
        raiseload(Product.category),
        raiseload(Product.variants),
        raiseload(Product.images),
    )


def public_products(collection: Collection, page: int) -> Page[Product]:
    """The collection's products on sale, in its order, one page of them (two statements)."""
    where = (
        CollectionItem.collection_id == collection.id,
        Product.status == ProductStatus.ACTIVE.value,
    )
    total = db.session.scalar(
        select(func.count(CollectionItem.id))
        .join(Product, Product.id == CollectionItem.product_id)
        .where(*where)
    )
    items = db.session.scalars(
        select(Product)
        .join(CollectionItem, CollectionItem.product_id == Product.id)
        .where(*where)
        .options(*_card_options())
        .order_by(CollectionItem.position, CollectionItem.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return Page(items=list(items), page=page, per_page=PER_PAGE, total=total or 0)


def is_in_collection(collection_id: int, product_id: int) -> bool:
    return (
        db.session.scalar(
            select(CollectionItem.id).where(
                CollectionItem.collection_id == collection_id,
                CollectionItem.product_id == product_id,
            )
        )
        is not None
    )


def items_of(collection: Collection) -> list[Product]:
    """Every product of the collection, in its order, for its creator (one statement)."""
    return list(
        db.session.scalars(
            select(Product)
            .join(CollectionItem, CollectionItem.product_id == Product.id)
            .where(CollectionItem.collection_id == collection.id)
            .options(*_card_options())
            .order_by(CollectionItem.position, CollectionItem.id)
        )
    )


def addable_products(collection: Collection) -> list[tuple[int, str]]:
    """The creator's showcase products not yet in the collection: (id, title)."""
    already = select(CollectionItem.product_id).where(CollectionItem.collection_id == collection.id)
    return [
        (row[0], row[1])
        for row in db.session.execute(
            select(Product.id, Product.title)
            .join(ShowcaseItem, ShowcaseItem.product_id == Product.id)
            .where(
                ShowcaseItem.creator_id == collection.creator_id,
                Product.id.not_in(already),
            )
            .order_by(Product.title, Product.id)
        )
    ]
