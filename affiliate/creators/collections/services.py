"""A creator's collections: create, rename, delete; add, remove and move products.

Only products in the creator's showcase may be added (``affiliate.plans`` keeps it), up to
``MAX_COLLECTION_PRODUCTS`` per collection. ``product_count`` moves with the items in the
same transaction; the collection row is locked while it changes, so two adds at once cannot
pass the limit. The services flush; the view commits.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from affiliate.creators.collections.exceptions import (
    AlreadyInCollection,
    CollectionFull,
    InvalidCollection,
    NotInShowcase,
    TooManyCollections,
)
from affiliate.creators.collections.models import (
    MAX_COLLECTION_PRODUCTS,
    MAX_COLLECTIONS,
    Collection,
    CollectionItem,
)
from affiliate.plans.models import ShowcaseItem
from core.extensions import db
from shop.catalog.models import Product

MAX_NAME = 80
MAX_DESCRIPTION = 500
_NON_SLUG = re.compile(r"[^a-z0-9]+")


def _clean_name(name: str | None) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise InvalidCollection("Give the collection a name.")
    if len(text) > MAX_NAME:
        raise InvalidCollection(f"A collection's name has at most {MAX_NAME} characters.")
    return text


def _clean_description(description: str | None) -> str:
    text = (description or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise InvalidCollection(
            f"A description has at most {MAX_DESCRIPTION} characters.", field="description"
        )
    return text


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _NON_SLUG.sub("-", ascii_name.lower()).strip("-")[:60] or "collection"


def _free_slug(creator_id: int, name: str) -> str:
    base = slugify(name)
    taken = set(
        db.session.scalars(
            select(Collection.slug).where(
                Collection.creator_id == creator_id, Collection.slug.like(f"{base}%")
            )
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def create_collection(
    creator_id: int, name: str | None, description: str | None = ""
) -> Collection:
    clean = _clean_name(name)
    count = db.session.scalar(
        select(func.count(Collection.id)).where(Collection.creator_id == creator_id)
    )
    if (count or 0) >= MAX_COLLECTIONS:
        raise TooManyCollections(f"You can keep up to {MAX_COLLECTIONS} collections.")
    collection = Collection(
        creator_id=creator_id,
        name=clean,
        slug=_free_slug(creator_id, clean),
        description=_clean_description(description),
        product_count=0,
    )
    db.session.add(collection)
    db.session.flush()
    return collection


def rename_collection(
    collection: Collection, name: str | None, description: str | None = None
) -> None:
    """A new name (and description); the slug, and so every shared link, stays."""
    collection.name = _clean_name(name)
    if description is not None:
        collection.description = _clean_description(description)
    db.session.flush()


def delete_collection(collection: Collection) -> None:
    db.session.execute(delete(CollectionItem).where(CollectionItem.collection_id == collection.id))
    db.session.delete(collection)
    db.session.flush()


def _lock(collection: Collection) -> Collection:
    return db.session.scalars(
        select(Collection)
        .where(Collection.id == collection.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def add_product(collection: Collection, product_id: int) -> CollectionItem:
    """Add a showcase product at the end of the collection."""
    collection = _lock(collection)
    showcased = db.session.scalar(
        select(ShowcaseItem.id)
        .join(Product, Product.id == ShowcaseItem.product_id)
        .where(
            ShowcaseItem.creator_id == collection.creator_id, ShowcaseItem.product_id == product_id
        )
    )
    if showcased is None:
        raise NotInShowcase("Only products in your showcase can go in a collection.")
    if collection.product_count >= MAX_COLLECTION_PRODUCTS:
        raise CollectionFull(
            f"A collection holds up to {MAX_COLLECTION_PRODUCTS} products; this one is full."
        )
    last = db.session.scalar(
        select(func.max(CollectionItem.position)).where(
            CollectionItem.collection_id == collection.id
        )
    )
    item = CollectionItem(
        collection_id=collection.id,
        product_id=product_id,
        position=(last + 1) if last is not None else 0,
    )
    db.session.add(item)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise AlreadyInCollection("That product is already in this collection.") from None
    collection.product_count += 1
    db.session.flush()
    return item


def remove_product(collection: Collection, product_id: int) -> bool:
    collection = _lock(collection)
    result = db.session.execute(
        delete(CollectionItem).where(
            CollectionItem.collection_id == collection.id, CollectionItem.product_id == product_id
        )
    )
    if result.rowcount:
        collection.product_count = max(0, collection.product_count - 1)
    db.session.flush()
    return bool(result.rowcount)


def move_product(collection: Collection, product_id: int, offset: int) -> None:
    """Move a product ``offset`` places (-1 up, +1 down), renumbering the positions."""
    collection = _lock(collection)
    items = list(
        db.session.scalars(
            select(CollectionItem)
            .where(CollectionItem.collection_id == collection.id)
            .order_by(CollectionItem.position, CollectionItem.id)
        )
    )
    index = next((i for i, item in enumerate(items) if item.product_id == product_id), None)
    if index is None:
        raise InvalidCollection("That product is not in this collection.", field="product_id")
    target = max(0, min(len(items) - 1, index + offset))
    items.insert(target, items.pop(index))
    for position, item in enumerate(items):
        if item.position != position:
            db.session.execute(
                update(CollectionItem)
                .where(CollectionItem.id == item.id)
                .values(position=position)
                .execution_options(synchronize_session=False)
            )
    db.session.flush()
