"""Live deals: a seller's deal price on one variant for the viewers of one creator's content.

The shop keeps the deal and its money rules (pricing by ``pricing.cart``, precedence by
``pricing.rules``, units by ``pricing.redemptions``); it knows the content only as the
attribution a cart line carries. Which content may have a deal, and when it opens and ends (a
live going on air, ending), is the affiliate side's to say through ``open_for_content`` and
``end_for_content``. The services flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.sql import ColumnElement

from core.extensions import db
from core.money import format_money
from core.types import utcnow
from shop.catalog.models import Product, ProductStatus, Store, Variant
from shop.promotions.exceptions import (
    AlreadyEnded,
    FlashDealOverlap,
    InvalidDealPrice,
    InvalidLimit,
    PromotionNotFound,
)
from shop.promotions.live_deal_models import LiveDeal
from shop.promotions.models import PromotionState
from shop.promotions.parsing import as_utc, parse_count, parse_money, parse_window

#: The longest window a live deal may have (a live is hours, not days).
MAX_LIVE_DEAL_LENGTH = timedelta(hours=12)
_MAX_KEY = 2**31 - 1


class LiveDealNotFound(PromotionNotFound):
    """No such deal, or a product or variant of another store (404: ids do not leak)."""


def store_variant(store: Store, variant_id: object) -> Variant:
    """The store's own variant on sale; another store's answers 404, one not on sale 400."""
    if isinstance(variant_id, bool) or not isinstance(variant_id, int):
        raise LiveDealNotFound("Choose the product option for the deal.", field="variant_id")
    if not 0 < variant_id <= _MAX_KEY:
        raise LiveDealNotFound("No such product option in your store.", field="variant_id")
    variant = db.session.scalar(
        select(Variant)
        .join(Product, Product.id == Variant.product_id)
        .where(Variant.id == variant_id, Product.store_id == store.id)
    )
    if variant is None:
        raise LiveDealNotFound("No such product option in your store.", field="variant_id")
    if not variant.active or variant.product.status != ProductStatus.ACTIVE.value:
        raise InvalidDealPrice("That product option is not on sale.", field="variant_id")
    return variant


def create_live_deal(
    store: Store,
    *,
    variant_id: object,
    creator_id: int,
    content_type: str,
    content_id: int,
    deal_price: str,
    quantity: object,
    per_buyer_limit: object,
    starts_at: datetime | None,
    ends_at: datetime | None,
    opened_at: datetime | None,
    now: datetime | None = None,
) -> LiveDeal:
    """A deal price on one of the store's variants for one content's viewers.

    The price is above zero and below the variant's price; the quantity and the per-buyer
    limit are whole numbers (the limit at most the quantity); the window ends after it starts,
    in the future, within ``MAX_LIVE_DEAL_LENGTH``. One deal per variant and content at a
    time. ``opened_at``: when the content opened (a live already on air), or None.
    """
    now = now or utcnow()
    variant = store_variant(store, variant_id)
    product = variant.product
    label = f"{product.title} ({variant.name})" if variant.option1 or variant.option2 else ""
    label = label or product.title
    price = parse_money(deal_price, store.currency, field="deal_price")
    if price >= variant.price:
        raise InvalidDealPrice(
            f"The deal price must be below the price of “{label}” "
            f"({format_money(variant.price, store.currency)})."
        )
    quantity = parse_count(quantity, "deal quantity", "quantity")
    per_buyer_limit = parse_count(per_buyer_limit, "limit per buyer", "per_buyer_limit")
    if per_buyer_limit > quantity:
        raise InvalidLimit(
            "The limit per buyer cannot be more than the deal quantity.", field="per_buyer_limit"
        )
    starts_at, ends_at = parse_window(starts_at, ends_at, now)
    if ends_at - starts_at > MAX_LIVE_DEAL_LENGTH:
        hours = int(MAX_LIVE_DEAL_LENGTH.total_seconds() // 3600)
        raise InvalidLimit(f"A live deal runs for {hours} hours at most.", field="ends_at")
    overlapping = db.session.scalar(
        select(LiveDeal.id).where(
            LiveDeal.variant_id == variant.id,
            LiveDeal.content_type == content_type,
            LiveDeal.content_id == content_id,
            LiveDeal.starts_at < ends_at,
            LiveDeal.ends_at > starts_at,
            or_(LiveDeal.ended_at.is_(None), LiveDeal.ended_at > now),
        )
    )
    if overlapping is not None:
        raise FlashDealOverlap(
            "This live already has a deal on that option for part of that time; end it first."
        )
    deal = LiveDeal(
        store_id=store.id,
        product_id=variant.product_id,
        variant_id=variant.id,
        creator_id=creator_id,
        content_type=content_type,
        content_id=content_id,
        deal_price=price,
        quantity=quantity,
        sold=0,
        per_buyer_limit=per_buyer_limit,
        starts_at=starts_at,
        ends_at=ends_at,
        opened_at=opened_at,
        created_at=now,
    )
    db.session.add(deal)
    db.session.flush()
    return deal


def get_live_deal(store: Store, deal_id: object) -> LiveDeal:
    """The store's own live deal; another store's answers ``LiveDealNotFound`` (404)."""
    if isinstance(deal_id, bool) or not isinstance(deal_id, int) or not 0 < deal_id <= _MAX_KEY:
        raise LiveDealNotFound("No such live deal.")
    deal = db.session.get(LiveDeal, deal_id)
    if deal is None or deal.store_id != store.id:
        raise LiveDealNotFound("No such live deal in your store.")
    return deal


def end_live_deal(store: Store, deal_id: object, *, now: datetime | None = None) -> LiveDeal:
    """End the store's live deal now; orders already placed keep what they paid."""
    now = now or utcnow()
    deal = get_live_deal(store, deal_id)
    if deal.state_at(now) is PromotionState.ENDED:
        raise AlreadyEnded("That live deal has already ended.")
    deal.ended_at = now
    db.session.flush()
    return deal


def _of_content(content_type: str, content_id: int) -> ColumnElement[bool]:
    return and_(LiveDeal.content_type == content_type, LiveDeal.content_id == content_id)


def open_for_content(content_type: str, content_id: int, now: datetime) -> int:
    """The content opened (a live went on air): its deals may run from ``now``."""
    result = db.session.execute(
        update(LiveDeal)
        .where(_of_content(content_type, content_id), LiveDeal.opened_at.is_(None))
        .values(opened_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def end_for_content(content_type: str, content_id: int, now: datetime) -> int:
    """The content closed (a live ended): every deal of it not ended yet ends ``now``."""
    result = db.session.execute(
        update(LiveDeal)
        .where(
            _of_content(content_type, content_id),
            LiveDeal.ended_at.is_(None),
            LiveDeal.ends_at > now,
        )
        .values(ended_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class LiveDealView:
    """What a viewer's page shows of a live deal, and what ``live.js`` redraws."""

    id: int
    product_id: int
    variant_id: int
    deal_price: int
    list_price: int
    currency: str
    left: int
    quantity: int
    per_buyer_limit: int
    starts_at: datetime
    ends_at: datetime  # the early end if it ended early
    state: str  # scheduled (waiting for its window or the live), running, sold_out, ended

    @property
    def is_running(self) -> bool:
        return self.state == "running"


def deals_for_content(
    content_type: str, content_id: int, now: datetime | None = None
) -> list[LiveDealView]:
    """The content's live deals (not yet ended or ended within the hour), soonest first: one
    statement."""
    now = now or utcnow()
    rows = db.session.execute(
        select(LiveDeal, Variant.price, Store.currency)
        .join(Variant, Variant.id == LiveDeal.variant_id)
        .join(Store, Store.id == LiveDeal.store_id)
        .where(
            _of_content(content_type, content_id),
            LiveDeal.ends_at > now - timedelta(hours=1),
            or_(LiveDeal.ended_at.is_(None), LiveDeal.ended_at > now - timedelta(hours=1)),
        )
        .order_by(LiveDeal.starts_at, LiveDeal.id)
    ).all()
    found = []
    for deal, list_price, currency in rows:
        state = deal.state_at(now)
        label = state.value
        if state is PromotionState.RUNNING and deal.left <= 0:
            label = "sold_out"
        end = as_utc(deal.ended_at) if deal.ended_at else as_utc(deal.ends_at)
        found.append(
            LiveDealView(
                id=deal.id,
                product_id=deal.product_id,
                variant_id=deal.variant_id,
                deal_price=deal.deal_price,
                list_price=list_price,
                currency=currency,
                left=deal.left,
                quantity=deal.quantity,
                per_buyer_limit=deal.per_buyer_limit,
                starts_at=as_utc(deal.starts_at),
                ends_at=min(end, as_utc(deal.ends_at)),
                state=label,
            )
        )
    return found


@dataclass(frozen=True)
class StoreLiveDeal:
    deal: LiveDeal
    product_title: str
    option: str  # the variant's options ("Red · M"), empty for a single-option product
    currency: str

    def state_at(self, now: datetime) -> str:
        state = self.deal.state_at(now)
        if state is PromotionState.RUNNING and self.deal.left <= 0:
            return "sold out"
        if state is PromotionState.SCHEDULED and self.deal.opened_at is None:
            return "waiting for the live"
        return state.value


def store_live_deals(store_id: int, limit: int = 100) -> list[StoreLiveDeal]:
    """The store's latest live deals, newest first, with their product (one statement)."""
    rows = db.session.execute(
        select(LiveDeal, Product.title, Variant.option1, Variant.option2, Store.currency)
        .join(Product, Product.id == LiveDeal.product_id)
        .join(Variant, Variant.id == LiveDeal.variant_id)
        .join(Store, Store.id == LiveDeal.store_id)
        .where(LiveDeal.store_id == store_id)
        .order_by(LiveDeal.created_at.desc(), LiveDeal.id.desc())
        .limit(limit)
    ).all()
    return [
        StoreLiveDeal(deal, title, " · ".join(o for o in (o1, o2) if o), currency)
        for deal, title, o1, o2, currency in rows
    ]
