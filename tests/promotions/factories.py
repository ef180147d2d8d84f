"""Factories for promotions: rows written directly and committed (the seller's services and their
checks are tested on their own). Every promotion runs now unless told otherwise: it started a
day ago and ends in a day (an hour either side for flash deals)."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Product, Store, Variant
from shop.promotions.models import (
    FlashDeal,
    ProductDiscount,
    ProductDiscountTarget,
    Voucher,
    VoucherProduct,
)

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
_codes = count(1)


def _kind(percent_bps: int | None, amount_off: int | None) -> str:
    if (percent_bps is None) == (amount_off is None):
        raise ValueError("a promotion is a percentage or an amount off, exactly one")
    return "percent" if percent_bps is not None else "fixed"


def make_product_discount(
    target: Product | Variant,
    *,
    percent_bps: int | None = None,
    amount_off: int | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    ended_at: datetime | None = None,
    name: str = "Test discount",
) -> ProductDiscount:
    """A discount on a product (every variant) or on one variant; 10% off if no value given."""
    if percent_bps is None and amount_off is None:
        percent_bps = 1000
    now = utcnow()
    product_id = target.product_id if isinstance(target, Variant) else target.id
    variant_id = target.id if isinstance(target, Variant) else None
    discount = ProductDiscount(
        store_id=target.store_id,
        name=name,
        kind=_kind(percent_bps, amount_off),
        percent_bps=percent_bps,
        amount_off=amount_off,
        starts_at=starts_at or now - DAY,
        ends_at=ends_at or now + DAY,
        ended_at=ended_at,
        targets=[ProductDiscountTarget(product_id=product_id, variant_id=variant_id)],
    )
    db.session.add(discount)
    db.session.commit()
    return discount


def make_voucher(
    store: Store,
    *,
    code: str | None = None,
    percent_bps: int | None = None,
    amount_off: int | None = None,
    cap_amount: int | None = None,
    min_spend: int = 0,
    products: list[Product] | None = None,
    public: bool = False,
    total_uses: int | None = None,
    used_count: int = 0,
    per_buyer_limit: int = 1,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    ended_at: datetime | None = None,
    name: str = "Test voucher",
) -> Voucher:
    """A voucher of ``store`` (store-wide, or for ``products``); $5.00 off if no value given."""
    if percent_bps is None and amount_off is None:
        amount_off = 500
    now = utcnow()
    voucher = Voucher(
        store_id=store.id,
        code=(code or f"CODE{next(_codes):04d}").strip().upper(),
        name=name,
        kind=_kind(percent_bps, amount_off),
        percent_bps=percent_bps,
        cap_amount=cap_amount,
        amount_off=amount_off,
        min_spend=min_spend,
        scope="products" if products else "store",
        public=public,
        total_uses=total_uses,
        used_count=used_count,
        per_buyer_limit=per_buyer_limit,
        starts_at=starts_at or now - DAY,
        ends_at=ends_at or now + DAY,
        ended_at=ended_at,
        products=[VoucherProduct(product_id=product.id) for product in products or []],
    )
    db.session.add(voucher)
    db.session.commit()
    return voucher


def make_flash_deal(
    variant: Variant,
    deal_price: int,
    *,
    quantity: int = 10,
    sold: int = 0,
    per_buyer_limit: int = 1,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    ended_at: datetime | None = None,
    name: str = "Test flash deal",
) -> FlashDeal:
    now = utcnow()
    deal = FlashDeal(
        store_id=variant.store_id,
        product_id=variant.product_id,
        variant_id=variant.id,
        name=name,
        deal_price=deal_price,
        quantity=quantity,
        sold=sold,
        per_buyer_limit=per_buyer_limit,
        starts_at=starts_at or now - HOUR,
        ends_at=ends_at or now + HOUR,
        ended_at=ended_at,
    )
    db.session.add(deal)
    db.session.commit()
    return deal
