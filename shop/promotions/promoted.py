"""Which products a listing card may show an offer for: a superset kept per catalogue version.

Most products of a listing page have no offer, yet ``offers.product_offers`` asked the database
twice for every page (running discounts, running flash deals). The products that any product
discount or flash deal not yet ended names are few and change only by a write (which changes
the catalogue version), or by the clock, which only ends promotions: a set read at a moment
``t`` still holds every product with an offer running at any later moment under the same
version (a promotion starting later is in it already). So it is kept per version, with the
moment it was read at, and used only for moments at or after that one (a clock set back, as a
test may, reads live).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, union

from core.extensions import db
from core.types import utcnow
from core.web import fragments
from shop.catalog.models import Variant
from shop.promotions.models import FlashDeal, ProductDiscount, ProductDiscountTarget

_NAME = "promoted-products"
#: How far before the moment it is read the set holds (a promotion ended since stays in it).
MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Promoted:
    """Products named by a product discount or a flash deal not ended at ``read_at``."""

    read_at: datetime
    product_ids: frozenset[int]


def _not_ended(
    window: type[ProductDiscount] | type[FlashDeal], now: datetime
) -> tuple[ColumnElement[bool], ...]:
    return (window.ends_at > now, or_(window.ended_at.is_(None), window.ended_at > now))


def load(now: datetime | None = None) -> Promoted:
    """Read the set (one statement), as of ``MARGIN`` before ``now``: the request that reads it
    asks for a moment taken a little earlier, and so may a request that started just before."""
    now = (now or utcnow()) - MARGIN
    discounted = (
        select(ProductDiscountTarget.product_id)
        .join(ProductDiscount, ProductDiscount.id == ProductDiscountTarget.discount_id)
        .where(*_not_ended(ProductDiscount, now))
    )
    dealt = (
        select(Variant.product_id)
        .join(FlashDeal, FlashDeal.variant_id == Variant.id)
        .where(*_not_ended(FlashDeal, now))
    )
    ids = db.session.scalars(union(discounted, dealt)).all()
    return Promoted(now, frozenset(ids))


def promoted_products(now: datetime) -> frozenset[int] | None:
    """Every product that may have an offer running at ``now``; None: unknown, read live."""
    kept = fragments.versioned(_NAME, load)
    if kept is None or now < kept.read_at:
        return None
    return kept.product_ids
