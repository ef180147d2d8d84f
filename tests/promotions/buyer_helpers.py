"""The shared promotion factories with times relative to a moment (the real clock's now by
default: the pages read the real clock, so a promotion built around any other moment may not be
running when they look) and public vouchers by default."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Product, Store, Variant
from shop.promotions.models import FlashDeal, ProductDiscount, Voucher
from tests.promotions.factories import make_flash_deal, make_product_discount, make_voucher

DAY = timedelta(days=1)


def _at(now: datetime, offset: timedelta | None) -> datetime | None:
    return None if offset is None else now + offset


def add_discount(
    product: Product,
    *,
    percent_bps: int | None = None,
    amount_off: int | None = None,
    variant: Variant | None = None,
    starts: timedelta = -DAY,
    ends: timedelta = DAY,
    ended: timedelta | None = None,
    now: datetime | None = None,
) -> ProductDiscount:
    """A product discount on ``product`` (or one of its variants) over ``now + starts/ends``."""
    now = now or utcnow()
    return make_product_discount(
        variant or product,
        percent_bps=percent_bps,
        amount_off=amount_off,
        starts_at=now + starts,
        ends_at=now + ends,
        ended_at=_at(now, ended),
    )


def add_flash_deal(
    variant: Variant,
    deal_price: int,
    *,
    quantity: int = 10,
    sold: int = 0,
    per_buyer_limit: int = 1,
    starts: timedelta = -timedelta(hours=1),
    ends: timedelta = timedelta(hours=6),
    ended: timedelta | None = None,
    now: datetime | None = None,
) -> FlashDeal:
    now = now or utcnow()
    return make_flash_deal(
        variant,
        deal_price,
        quantity=quantity,
        sold=sold,
        per_buyer_limit=per_buyer_limit,
        starts_at=now + starts,
        ends_at=now + ends,
        ended_at=_at(now, ended),
    )


def add_voucher(
    store: Store,
    *,
    public: bool = True,
    creator_id: int | None = None,
    starts: timedelta = -DAY,
    ends: timedelta = 5 * DAY,
    ended: timedelta | None = None,
    now: datetime | None = None,
    **options: object,
) -> Voucher:
    """A voucher of ``store``, public unless told otherwise; ``creator_id`` makes it a code of
    that creator. ``options`` go to ``make_voucher`` (value, cap, minimum spend, uses...)."""
    now = now or utcnow()
    voucher = make_voucher(
        store,
        public=public,
        starts_at=now + starts,
        ends_at=now + ends,
        ended_at=_at(now, ended),
        **options,  # type: ignore[arg-type]
    )
    if creator_id is not None:
        voucher.creator_id = creator_id
        db.session.commit()
    return voucher
