"""The seller's products and their variants: create, update, change status, delete or archive,
and the seller's list of them.

Plain functions over ids and objects. They validate, change rows and flush; the caller (a view,
a job, the demo seeder) commits, so one action is one transaction. Files are never touched
here: a new product's images come already processed (``shop.catalog.images``), and what a
change makes obsolete is returned for the caller to remove once its transaction has committed.
A product's images after it exists are ``shop.catalog.product_images``; the store itself is
``shop.catalog.stores``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from core.extensions import db
from shop import signals
from shop.catalog.exceptions import (
    DuplicateSku,
    InvalidProduct,
    InvalidVariant,
    NotFound,
    TooManyImages,
)
from shop.catalog.images import ImageInput, image_row
from shop.catalog.models import Category, Product, ProductImage, ProductStatus, Store, Variant
from shop.orders.models import CartLine, OrderLine

MAX_VARIANTS = 100
MAX_IMAGES = 10
MAX_STOCK = 1_000_000_000
MAX_COST_PRICE = 10**12  # minor units: far above any real unit cost
TITLE_MAX = 200
SKU_MAX = 64
OPTION_MAX = 60

# ---------------------------------------------------------------------------------------------
# Products and variants
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductInput:
    title: str
    category_id: int
    description: str = ""
    status: str = ProductStatus.DRAFT.value
    compare_at_price: int | None = None  # minor units of the store's currency
    featured: bool = False


@dataclass(frozen=True)
class VariantInput:
    sku: str
    price: int  # minor units of the store's currency, > 0
    stock: int
    option1: str = ""
    option2: str = ""
    id: int | None = None  # an existing variant of the product being updated
    cost_price: int | None = None  # minor units, what a unit costs the seller; None: unknown


def _check_product(data: ProductInput) -> tuple[str, str]:
    title = data.title.strip()
    if not title or len(title) > TITLE_MAX:
        raise InvalidProduct(
            f"Give the product a title of 1 to {TITLE_MAX} characters.", field="title"
        )
    if data.status not in {s.value for s in ProductStatus}:
        raise InvalidProduct("Choose draft, active or archived.", field="status")
    category = db.session.get(Category, data.category_id) if data.category_id else None
    if category is None:
        raise InvalidProduct("Choose a category from the list.", field="category_id")
    if data.compare_at_price is not None and data.compare_at_price <= 0:
        raise InvalidProduct("A compare-at price must be more than zero.", field="compare_at_price")
    return title, data.status


def _check_variants(variants: Sequence[VariantInput]) -> list[VariantInput]:
    if not variants:
        raise InvalidVariant("Add at least one variant with a SKU, a price and stock.")
    if len(variants) > MAX_VARIANTS:
        raise InvalidVariant(f"A product has at most {MAX_VARIANTS} variants.")
    cleaned: list[VariantInput] = []
    seen: dict[str, int] = {}
    for index, v in enumerate(variants):
        sku = v.sku.strip()
        if not sku or len(sku) > SKU_MAX:
            raise InvalidVariant(
                f"Give a SKU of 1 to {SKU_MAX} characters.", index=index, field="sku"
            )
        if sku.lower() in seen:
            raise DuplicateSku(f"SKU {sku} is used twice in this product.", index=index)
        seen[sku.lower()] = index
        if isinstance(v.price, bool) or not isinstance(v.price, int) or v.price <= 0:
            raise InvalidVariant("The price must be more than zero.", index=index, field="price")
        if v.cost_price is not None and (
            isinstance(v.cost_price, bool)
            or not isinstance(v.cost_price, int)
            or not 0 <= v.cost_price <= MAX_COST_PRICE
        ):
            raise InvalidVariant(
                "The cost price must be zero or more.", index=index, field="cost_price"
            )
        if (
            isinstance(v.stock, bool)
            or not isinstance(v.stock, int)
            or not 0 <= v.stock <= MAX_STOCK
        ):
            raise InvalidVariant(
                f"Stock is a whole number from 0 to {MAX_STOCK:,}.", index=index, field="stock"
            )
        option1, option2 = v.option1.strip(), v.option2.strip()
        if len(option1) > OPTION_MAX or len(option2) > OPTION_MAX:
            raise InvalidVariant(
                f"Options have at most {OPTION_MAX} characters.", index=index, field="option1"
            )
        cleaned.append(
            VariantInput(
                sku=sku,
                price=v.price,
                stock=v.stock,
                option1=option1,
                option2=option2,
                id=v.id,
                cost_price=v.cost_price,
            )
        )
    return cleaned


def _check_skus_free(
    store: Store, variants: Sequence[VariantInput], product_id: int | None
) -> None:
    """Refuse SKUs that another product of the store uses (SKUs are unique per store)."""
    wanted = {v.sku.lower(): i for i, v in enumerate(variants)}
    query = select(Variant.sku).where(
        Variant.store_id == store.id, func.lower(Variant.sku).in_(list(wanted))
    )
    if product_id is not None:
        query = query.where(Variant.product_id != product_id)
    taken = db.session.scalars(query.limit(1)).first()
    if taken is not None:
        raise DuplicateSku(
            f"SKU {taken} is already used by another of your products.", index=wanted[taken.lower()]
        )


def _flush_variants() -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise DuplicateSku("One of these SKUs is already used in your store.") from None


def recompute_product_summary(product: Product) -> None:
    """Keep the listing columns: lowest active price, store currency, first image's thumbnail."""
    prices = [v.price for v in product.variants if v.active]
    product.price = min(prices) if prices else 0
    product.currency = product.store.currency
    images = sorted(product.images, key=lambda i: (i.position, i.id or 0))
    product.cover_thumb_path = images[0].thumb_path if images else None


def _check_compare_at(product: Product) -> None:
    if product.compare_at_price is not None and product.compare_at_price <= product.price:
        raise InvalidProduct(
            "The compare-at price is the old price: make it higher than the lowest variant price.",
            field="compare_at_price",
        )


def _announce(product: Product, previous_status: str | None) -> None:
    if product.status == ProductStatus.ARCHIVED.value and previous_status != product.status:
        signals.product_archived.send(product)


def create_product(
    store: Store,
    data: ProductInput,
    variants: Sequence[VariantInput],
    images: Sequence[ImageInput] = (),
) -> Product:
    """Create a product with its variants (and images, first is the cover)."""
    title, status = _check_product(data)
    cleaned = _check_variants(variants)
    _check_skus_free(store, cleaned, None)
    if len(images) > MAX_IMAGES:
        raise TooManyImages(f"A product has at most {MAX_IMAGES} images.")
    product = Product(
        store=store,
        category_id=data.category_id,
        title=title,
        description=data.description.strip(),
        status=status,
        currency=store.currency,
        compare_at_price=data.compare_at_price,
        featured=data.featured,
        variants=[],
        images=[],
    )
    for position, v in enumerate(cleaned):
        product.variants.append(
            Variant(
                store_id=store.id,
                sku=v.sku,
                price=v.price,
                cost_price=v.cost_price,
                stock=v.stock,
                option1=v.option1,
                option2=v.option2,
                position=position,
                active=True,
            )
        )
    for position, image in enumerate(images):
        product.images.append(image_row(image, position))
    recompute_product_summary(product)
    _check_compare_at(product)
    db.session.add(product)
    _flush_variants()
    _announce(product, None)
    return product


def has_orders(product: Product) -> bool:
    """Whether any order line references the product (then it is archived, never deleted)."""
    query = select(OrderLine.id).where(OrderLine.product_id == product.id).limit(1)
    return db.session.scalar(query) is not None


def _ordered_variant_ids(variant_ids: Sequence[int]) -> set[int]:
    if not variant_ids:
        return set()
    query = select(OrderLine.variant_id).where(OrderLine.variant_id.in_(variant_ids)).distinct()
    return set(db.session.scalars(query))


def update_product(
    product: Product, data: ProductInput, variants: Sequence[VariantInput]
) -> Product:
    """Replace the product's details and variant list.

    A variant whose ``id`` is given is updated; one without is added; an existing variant left
    out is deleted, or deactivated if an order references it (its SKU stays reserved).
    """
    title, status = _check_product(data)
    cleaned = _check_variants(variants)
    store = product.store
    existing = {v.id: v for v in product.variants}
    for v in cleaned:
        if v.id is not None and v.id not in existing:
            raise NotFound("One of these variant rows is not one of this product's variants.")
    _check_skus_free(store, cleaned, product.id)
    kept_ids = {v.id for v in cleaned if v.id is not None}
    removed = [v for vid, v in existing.items() if vid not in kept_ids]
    ordered = _ordered_variant_ids([v.id for v in removed])
    inactive = [v for v in removed if v.id in ordered]
    reserved = {v.sku.lower(): v.sku for v in inactive}
    for index, v in enumerate(cleaned):
        if v.sku.lower() in reserved:
            raise DuplicateSku(
                f"SKU {v.sku} belongs to a removed variant that has orders; choose another.",
                index=index,
            )
    dropped = [v for v in removed if v.id not in ordered]
    if dropped:
        db.session.execute(delete(CartLine).where(CartLine.variant_id.in_([v.id for v in dropped])))
    with db.session.no_autoflush:
        for variant in dropped:
            db.session.delete(variant)
            product.variants.remove(variant)
    # SKUs can move between rows (or be swapped): park the changing ones on a unique
    # placeholder, and delete removed rows, before any new value is written.
    for v in cleaned:
        if v.id is not None and existing[v.id].sku != v.sku:
            existing[v.id].sku = f"~{v.id}"
    _flush_variants()
    for position, v in enumerate(cleaned):
        row = existing[v.id] if v.id is not None else Variant(store_id=store.id)
        row.sku, row.price, row.stock = v.sku, v.price, v.stock
        row.cost_price = v.cost_price
        row.option1, row.option2 = v.option1, v.option2
        row.position, row.active = position, True
        if v.id is None:
            product.variants.append(row)
    for offset, variant in enumerate(inactive):
        variant.active = False
        variant.position = len(cleaned) + offset
    previous = product.status
    product.title = title
    product.description = data.description.strip()
    product.category_id = data.category_id
    product.status = status
    product.compare_at_price = data.compare_at_price
    product.featured = data.featured
    recompute_product_summary(product)
    _check_compare_at(product)
    _flush_variants()
    _announce(product, previous)
    signals.product_updated.send(product)
    return product


def set_status(store: Store, product_ids: Sequence[int], status: str) -> int:
    """Bulk-change the status of the store's products; return how many changed.

    Every id must name a product of ``store`` (else ``NotFound``, and nothing changes).
    """
    if status not in {s.value for s in ProductStatus}:
        raise InvalidProduct("Choose draft, active or archived.")
    ids = sorted({int(i) for i in product_ids})
    if not ids:
        return 0
    products = list(
        db.session.scalars(
            select(Product)
            .where(Product.id.in_(ids), Product.store_id == store.id)
            .options(lazyload(Product.images), lazyload(Product.variants))
        )
    )
    if len(products) != len(ids):
        raise NotFound("Some of those products are not in your store.")
    changed: list[Product] = []
    for product in products:
        if product.status == status:
            continue
        previous = product.status
        product.status = status
        changed.append(product)
        _announce(product, previous)
    db.session.flush()
    for product in changed:
        signals.product_updated.send(product)
    return len(changed)


@dataclass(frozen=True)
class Removal:
    deleted: bool  # False: the product has orders, so it was archived instead
    files: list[str]  # image files no longer used (remove them after commit)


def delete_or_archive_product(product: Product) -> Removal:
    """Delete a product that was never ordered; archive one that was (orders keep it)."""
    if has_orders(product):
        previous = product.status
        product.status = ProductStatus.ARCHIVED.value
        db.session.flush()
        _announce(product, previous)
        return Removal(deleted=False, files=[])
    files = [p for image in product.images for p in (image.path, image.thumb_path)]
    product_id = product.id
    variant_ids = [v.id for v in product.variants]
    for obj in [*product.images, *product.variants, product]:
        db.session.expunge(obj)
    if variant_ids:
        db.session.execute(delete(CartLine).where(CartLine.variant_id.in_(variant_ids)))
    db.session.execute(delete(ProductImage).where(ProductImage.product_id == product_id))
    db.session.execute(delete(Variant).where(Variant.product_id == product_id))
    db.session.execute(delete(Product).where(Product.id == product_id))
    return Removal(deleted=True, files=sorted(set(files)))
