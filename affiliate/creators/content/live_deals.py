"""Live flash deals, the affiliate side: which lives a seller may give a deal to, and the deal
as its viewers see it.

The deal itself, its price, units, limits and precedence, is the shop's
(``shop.promotions.live_deals``); this module says which content it is for. A seller gives a
deal on one of their own variants to a live that is scheduled or on air, that carries the
product in its yellow cart, of a creator who has the product in their showcase. Its window
lies inside the live: it starts no earlier than the live's scheduled time (or now, for a live
on air), and it runs only once the live is on air (``lives.start_live`` opens it) and ends when
the live ends (``lives.end_live`` ends it). Viewers of that live buy at the deal price, because
the yellow cart puts the live on their cart line; the commission is the creator's rate × the
line's amount paid, as for any attributed line (``attribution.commissions.earn``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select

from affiliate.creators.content.exceptions import ContentError, ContentNotFound
from affiliate.creators.content.lives import DEAL_CONTENT_TYPE
from affiliate.creators.content.models import (
    Content,
    ContentKind,
    ContentProduct,
    ContentStatus,
    LiveState,
)
from affiliate.creators.content.queries import ProductCard
from affiliate.plans.models import ShowcaseItem
from affiliate.profiles.models import CreatorProfile
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Product, ProductStatus, Store
from shop.promotions import live_deals
from shop.promotions.live_deal_models import LiveDeal
from shop.promotions.live_deals import LiveDealView
from shop.promotions.parsing import as_utc

_OPEN_STATES = (LiveState.SCHEDULED.value, LiveState.LIVE.value)


class LiveEnded(ContentError):
    status_code = 409


class LiveDealWindow(ContentError):
    field = "starts_at"


@dataclass(frozen=True)
class DealableLive:
    """A live a seller may give a deal to, and which of the store's products it carries."""

    live_id: int
    title: str
    state: str
    scheduled_at: datetime | None
    creator_id: int
    handle: str | None
    product_ids: tuple[int, ...]


def _dealable_rows(store_id: int, content_id: int | None = None) -> list[DealableLive]:
    """Open lives carrying the store's active products in their creators' showcases (one
    statement)."""
    query = (
        select(
            Content.id,
            Content.title,
            Content.live_state,
            Content.scheduled_at,
            Content.creator_id,
            CreatorProfile.handle,
            Product.id,
        )
        .join(ContentProduct, ContentProduct.content_id == Content.id)
        .join(Product, Product.id == ContentProduct.product_id)
        .join(
            ShowcaseItem,
            (ShowcaseItem.product_id == Product.id)
            & (ShowcaseItem.creator_id == Content.creator_id),
        )
        .outerjoin(CreatorProfile, CreatorProfile.user_id == Content.creator_id)
        .where(
            Content.kind == ContentKind.LIVE.value,
            Content.status == ContentStatus.PUBLISHED.value,
            Content.live_state.in_(_OPEN_STATES),
            Product.store_id == store_id,
            Product.status == ProductStatus.ACTIVE.value,
        )
        .order_by(Content.scheduled_at, Content.id, ContentProduct.position)
    )
    if content_id is not None:
        query = query.where(Content.id == content_id)
    found: dict[int, DealableLive] = {}
    for live_id, title, state, scheduled_at, creator_id, handle, product_id in db.session.execute(
        query
    ):
        known = found.get(live_id)
        products = (*known.product_ids, product_id) if known else (product_id,)
        found[live_id] = DealableLive(
            live_id, title, state, scheduled_at, creator_id, handle, products
        )
    return list(found.values())


def dealable_lives(store: Store) -> list[DealableLive]:
    """The lives the store may give a deal to, soonest first."""
    return _dealable_rows(store.id)


def give_live_deal(
    store: Store,
    *,
    content_id: object,
    variant_id: object,
    deal_price: str,
    quantity: object,
    per_buyer_limit: object,
    starts_at: datetime | None,
    ends_at: datetime | None,
    now: datetime | None = None,
) -> LiveDeal:
    """Give a live a deal on one of the store's variants (see the module's rules).

    Another store's variant, or a live that is not there for this store's product, answers
    404; an ended live 409; bad values 400 (``shop.promotions.live_deals``' checks).
    """
    now = now or utcnow()
    variant = live_deals.store_variant(store, variant_id)
    if isinstance(content_id, bool) or not isinstance(content_id, int):
        raise ContentNotFound("Choose the live for the deal.", field="content_id")
    live = db.session.get(Content, content_id) if 0 < content_id < 2**31 else None
    if live is None or live.kind != ContentKind.LIVE.value:
        raise ContentNotFound("No such live.", field="content_id")
    if live.live_state == LiveState.ENDED.value:
        raise LiveEnded("That live has ended; give the deal to a live to come.")
    rows = _dealable_rows(store.id, live.id)
    if not rows or variant.product_id not in rows[0].product_ids:
        raise ContentNotFound(
            "That live does not carry this product from its creator's showcase.",
            field="content_id",
        )
    on_air = live.live_state == LiveState.LIVE.value
    earliest = now if on_air or live.scheduled_at is None else as_utc(live.scheduled_at)
    starts_at = as_utc(starts_at) if starts_at is not None else earliest
    if not on_air and live.scheduled_at is not None and starts_at < as_utc(live.scheduled_at):
        raise LiveDealWindow(
            f"The deal starts inside the live: from {as_utc(live.scheduled_at):%d %b %Y, %H:%M}"
            " UTC, when it is scheduled."
        )
    return live_deals.create_live_deal(
        store,
        variant_id=variant.id,
        creator_id=live.creator_id,
        content_type=DEAL_CONTENT_TYPE,
        content_id=live.id,
        deal_price=deal_price,
        quantity=quantity,
        per_buyer_limit=per_buyer_limit,
        starts_at=starts_at,
        ends_at=ends_at,
        opened_at=live.started_at if on_air else None,
        now=now,
    )


def deals_of_live(content_id: int, now: datetime | None = None) -> list[LiveDealView]:
    """The live's deals as viewers see them (one statement)."""
    return live_deals.deals_for_content(DEAL_CONTENT_TYPE, content_id, now)


def deal_json(deal: LiveDealView, now: datetime) -> dict[str, object]:
    """What ``live.js`` needs to redraw a deal: its state, units left, seconds to its end."""
    return {
        "id": deal.id,
        "product_id": deal.product_id,
        "state": deal.state,
        "left": deal.left,
        "ends_at": deal.ends_at.isoformat(),
        "starts_at": deal.starts_at.isoformat(),
        "seconds_left": max(int((deal.ends_at - now).total_seconds()), 0),
    }


def with_deal_prices(
    cards: Sequence[ProductCard], deals: Sequence[LiveDealView]
) -> list[ProductCard]:
    """Cards at the running deal's price where the card adds the deal's option (what checkout
    will charge for a line added from this live), the list price struck through."""
    running = {deal.variant_id: deal for deal in deals if deal.is_running}
    return [
        replace(
            card,
            price=running[card.variant_id].deal_price,
            compare_at_price=running[card.variant_id].list_price,
        )
        if card.variant_id in running
        else card
        for card in cards
    ]


def live_titles(content_ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    """Title and creator handle of each live (one statement)."""
    ids = sorted(set(content_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Content.id, Content.title, CreatorProfile.handle)
        .outerjoin(CreatorProfile, CreatorProfile.user_id == Content.creator_id)
        .where(Content.id.in_(ids))
    ).all()
    return {content_id: (title, handle) for content_id, title, handle in rows}
