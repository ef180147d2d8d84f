"""Seller promotions: creating product discounts, vouchers and flash deals, and ending them early.

Plain functions over a store and the seller's input (text as typed, for amounts and
percentages). They check every rule before writing, then add and flush; the caller (a view,
the demo seeder) commits, so one action is one transaction. A refused change raises a
``PromotionError`` subclass with a message for the seller, and nothing is written.

A store sees and changes only its own promotions: an id of another store's promotion, product
or variant is answered exactly as an id that names nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from core.money import format_money
from core.types import utcnow
from shop.catalog.models import Product, ProductStatus, Store, Variant
from shop.promotions.exceptions import (
    AlreadyEnded,
    CodeTaken,
    FlashDealOverlap,
    InvalidDealPrice,
    InvalidLimit,
    InvalidValue,
    ProductNotInStore,
    PromotionError,
    PromotionNotFound,
)
from shop.promotions.models import (
    FlashDeal,
    ProductDiscount,
    ProductDiscountTarget,
    Promotion,
    PromotionKind,
    PromotionState,
    Voucher,
    VoucherProduct,
    VoucherScope,
)
from shop.promotions.parsing import (
    NAME_MAX,
    as_utc,
    normalise_code,
    parse_count,
    parse_money,
    parse_name,
    parse_value,
    parse_window,
)

MAX_FLASH_DEAL_LENGTH = timedelta(days=7)
_MAX_KEY = 2**63 - 1


# ---------------------------------------------------------------------------------------------
# The store's own products and variants
# ---------------------------------------------------------------------------------------------


def _ids(values: Iterable[object]) -> list[int]:
    ids: list[int] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= _MAX_KEY:
            raise ProductNotInStore("Choose products from your store.", field="product_ids")
        if value not in ids:
            ids.append(value)
    return ids


def _store_products(store: Store, product_ids: Iterable[object]) -> list[Product]:
    """The chosen products, each this store's and not archived; else ``ProductNotInStore``."""
    ids = _ids(product_ids)
    if not ids:
        return []
    found = {
        product.id: product
        for product in db.session.scalars(
            select(Product).where(Product.id.in_(ids), Product.store_id == store.id)
        )
    }
    for product_id in ids:
        product = found.get(product_id)
        if product is None:
            raise ProductNotInStore(
                f"Product #{product_id} is not one of your store's products.", field="product_ids"
            )
        if product.status == ProductStatus.ARCHIVED.value:
            raise ProductNotInStore(
                f"“{product.title}” is archived; it cannot be promoted.", field="product_ids"
            )
    return [found[product_id] for product_id in ids]


def _store_variants(store: Store, variant_ids: Iterable[object]) -> list[Variant]:
    """The chosen variants, each this store's, active, of a product not archived."""
    try:
        ids = _ids(variant_ids)
    except ProductNotInStore:
        raise ProductNotInStore("Choose variants from your store.", field="variant_ids") from None
    if not ids:
        return []
    found = {
        variant.id: variant
        for variant in db.session.scalars(
            select(Variant).where(Variant.id.in_(ids), Variant.store_id == store.id)
        )
    }
    for variant_id in ids:
        variant = found.get(variant_id)
        if variant is None or not variant.active:
            raise ProductNotInStore(
                f"Variant #{variant_id} is not one of your store's variants.", field="variant_ids"
            )
        if variant.product.status == ProductStatus.ARCHIVED.value:
            raise ProductNotInStore(
                f"“{variant.product.title}” is archived; it cannot be promoted.",
                field="variant_ids",
            )
    return [found[variant_id] for variant_id in ids]


# ---------------------------------------------------------------------------------------------
# Creating promotions
# ---------------------------------------------------------------------------------------------


def create_product_discount(
    store: Store,
    *,
    name: str,
    kind: str,
    value: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    product_ids: Iterable[int] = (),
    variant_ids: Iterable[int] = (),
    now: datetime | None = None,
) -> ProductDiscount:
    """A percentage (``"15"``) or an amount (``"5.00"``) off whole products and/or single
    variants of this store, for a window. A fixed amount must leave every covered variant a
    price: it is less than the lowest of their prices."""
    now = now or utcnow()
    name = parse_name(name)
    percent_bps, amount_off = parse_value(kind, value, store.currency)
    starts_at, ends_at = parse_window(starts_at, ends_at, now)
    products = _store_products(store, product_ids)
    variants = _store_variants(store, variant_ids)
    chosen = {product.id for product in products}
    # A variant of a product chosen whole is already covered.
    variants = [variant for variant in variants if variant.product_id not in chosen]
    if not products and not variants:
        raise ProductNotInStore(
            "Choose at least one product or variant to discount.", field="product_ids"
        )
    if amount_off is not None:
        covered = [
            (product, variant)
            for product in products
            for variant in product.variants
            if variant.active
        ] + [(variant.product, variant) for variant in variants]
        for product, variant in covered:
            if amount_off >= variant.price:
                raise InvalidValue(
                    f"{format_money(amount_off, store.currency)} off is not less than the price "
                    f"of “{product.title}” ({format_money(variant.price, store.currency)}).",
                )
    discount = ProductDiscount(
        store_id=store.id,
        name=name,
        kind=kind,
        percent_bps=percent_bps,
        amount_off=amount_off,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    discount.targets = [ProductDiscountTarget(product_id=product.id) for product in products] + [
        ProductDiscountTarget(product_id=variant.product_id, variant_id=variant.id)
        for variant in variants
    ]
    db.session.add(discount)
    db.session.flush()
    return discount


def code_taken(code: str) -> bool:
    """Whether a voucher of any store has this (normalised) code."""
    return db.session.scalar(select(Voucher.id).where(Voucher.code == code)) is not None


def create_voucher(
    store: Store,
    *,
    code: str,
    name: str,
    kind: str,
    value: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    cap: str | None = None,
    min_spend: str | None = None,
    scope: str = VoucherScope.STORE.value,
    product_ids: Iterable[int] = (),
    total_uses: int | None = None,
    per_buyer_limit: int = 1,
    public: bool = True,
    creator_id: int | None = None,
    now: datetime | None = None,
) -> Voucher:
    """A code for money off an order of this store: store-wide or for chosen products; a
    percentage (with an optional ``cap``) or a fixed amount; a minimum spend; total uses
    (``None``: no limit) and uses per buyer; public (buyers collect it) or private (code only).
    The code is trimmed, upper-cased and unique across the platform. With ``creator_id`` it is
    that creator's personal code: private (shared by the creator), and orders using it are
    attributed to the creator."""
    now = now or utcnow()
    code = normalise_code(code)
    name = parse_name(name)
    percent_bps, amount_off = parse_value(kind, value, store.currency)
    cap_amount = None
    if cap is not None and cap.strip():
        if percent_bps is None:
            raise InvalidValue("A cap applies to percentage vouchers only.", field="cap")
        cap_amount = parse_money(cap, store.currency, field="cap")
    spend = 0
    if min_spend is not None and min_spend.strip():
        spend = parse_money(min_spend, store.currency, field="min_spend", allow_zero=True)
    if scope not in {s.value for s in VoucherScope}:
        raise PromotionError("Choose the whole store or chosen products.", field="scope")
    products: list[Product] = []
    if scope == VoucherScope.PRODUCTS.value:
        products = _store_products(store, product_ids)
        if not products:
            raise ProductNotInStore(
                "Choose at least one product for this voucher.", field="product_ids"
            )
    if total_uses is not None:
        total_uses = parse_count(total_uses, "total number of uses", "total_uses")
    per_buyer_limit = parse_count(per_buyer_limit, "limit per buyer", "per_buyer_limit")
    if total_uses is not None and per_buyer_limit > total_uses:
        raise InvalidLimit(
            "The limit per buyer cannot be more than the total number of uses.",
            field="per_buyer_limit",
        )
    starts_at, ends_at = parse_window(starts_at, ends_at, now)
    if code_taken(code):
        raise CodeTaken(f"The code {code} is already in use; choose another.")
    voucher = Voucher(
        store_id=store.id,
        code=code,
        name=name,
        kind=kind,
        percent_bps=percent_bps,
        cap_amount=cap_amount,
        amount_off=amount_off,
        min_spend=spend,
        scope=scope,
        public=bool(public) and creator_id is None,
        creator_id=creator_id,
        total_uses=total_uses,
        used_count=0,
        per_buyer_limit=per_buyer_limit,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    voucher.products = [VoucherProduct(product_id=product.id) for product in products]
    try:
        with db.session.begin_nested():  # a racing seller took the code: only this is undone
            db.session.add(voucher)
            db.session.flush()
    except IntegrityError:
        raise CodeTaken(f"The code {code} is already in use; choose another.") from None
    return voucher


def create_flash_deal(
    store: Store,
    *,
    variant_id: int | None,
    deal_price: str,
    quantity: int,
    starts_at: datetime | None,
    ends_at: datetime | None,
    per_buyer_limit: int = 1,
    name: str | None = None,
    now: datetime | None = None,
) -> FlashDeal:
    """A deal price on one variant of this store for a short window (7 days at most), for
    ``quantity`` units and at most ``per_buyer_limit`` per buyer. The price is above zero and
    below the variant's price; a variant has one flash deal at a time."""
    now = now or utcnow()
    if variant_id is None:
        raise ProductNotInStore("Choose the variant for the deal.", field="variant_id")
    try:
        (variant,) = _store_variants(store, [variant_id])
    except ProductNotInStore as error:
        raise ProductNotInStore(str(error), field="variant_id") from None
    product = variant.product
    title = f"{product.title} ({variant.name})" if variant.option1 or variant.option2 else ""
    name = parse_name(name or f"Flash deal: {title or product.title}"[:NAME_MAX])
    price = parse_money(deal_price, store.currency, field="deal_price")
    if price >= variant.price:
        raise InvalidDealPrice(
            f"The deal price must be below the price of “{title or product.title}” "
            f"({format_money(variant.price, store.currency)})."
        )
    quantity = parse_count(quantity, "deal quantity", "quantity")
    per_buyer_limit = parse_count(per_buyer_limit, "limit per buyer", "per_buyer_limit")
    if per_buyer_limit > quantity:
        raise InvalidLimit(
            "The limit per buyer cannot be more than the deal quantity.", field="per_buyer_limit"
        )
    starts_at, ends_at = parse_window(starts_at, ends_at, now, longest=MAX_FLASH_DEAL_LENGTH)
    for other in db.session.scalars(
        select(FlashDeal).where(
            FlashDeal.variant_id == variant.id,
            FlashDeal.starts_at < ends_at,
            FlashDeal.ends_at > starts_at,
        )
    ):
        other_end = min(as_utc(other.ends_at), as_utc(other.ended_at or other.ends_at))
        if other_end > starts_at and other_end > now:
            raise FlashDealOverlap(
                f"This variant already has a flash deal, “{other.name}”, until "
                f"{other_end:%d %b %Y, %H:%M} UTC; one deal at a time."
            )
    deal = FlashDeal(
        store_id=store.id,
        product_id=variant.product_id,
        variant_id=variant.id,
        name=name,
        deal_price=price,
        quantity=quantity,
        sold=0,
        per_buyer_limit=per_buyer_limit,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    db.session.add(deal)
    db.session.flush()
    return deal


# ---------------------------------------------------------------------------------------------
# Finding and ending
# ---------------------------------------------------------------------------------------------


def get_promotion(store: Store, kind: PromotionKind | str, promotion_id: int) -> Promotion:
    """This store's promotion of ``kind``; ``PromotionNotFound`` for another store's too."""
    try:
        kind = PromotionKind(kind)
    except ValueError:
        raise PromotionNotFound("No such promotion.") from None
    if isinstance(promotion_id, bool) or not isinstance(promotion_id, int):
        raise PromotionNotFound("No such promotion.")
    if not 0 < promotion_id <= _MAX_KEY:
        raise PromotionNotFound("No such promotion.")
    promotion = db.session.get(kind.model, promotion_id)
    if promotion is None or promotion.store_id != store.id:
        raise PromotionNotFound(f"No such {kind.label.lower()} in your store.")
    return promotion


def end_early(
    store: Store, kind: PromotionKind | str, promotion_id: int, *, now: datetime | None = None
) -> Promotion:
    """End a scheduled or running promotion now. Orders already placed keep their prices: what
    each line paid, and why, is on the line, and nothing here touches it."""
    now = now or utcnow()
    promotion = get_promotion(store, kind, promotion_id)
    if promotion.state_at(now) == PromotionState.ENDED:
        raise AlreadyEnded(f"“{promotion.name}” has already ended.")
    promotion.ended_at = now
    db.session.flush()
    return promotion
