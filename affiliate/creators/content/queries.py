"""What the content pages read: published content, yellow-cart cards, creators, lists of a
creator's videos and lives, and the state a live's viewers poll.

Reading is batched: ``product_cards`` answers for a whole page of contents in one query, so a
feed costs the same whatever its length. A product that left the showcase stays attached, but
its card is shown only while the product is on sale.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from affiliate.creators.content.exceptions import ContentNotFound
from affiliate.creators.content.models import (
    LIVE,
    Content,
    ContentKind,
    ContentProduct,
    ContentStatus,
    LiveState,
)
from affiliate.profiles.models import CreatorProfile
from core.extensions import db
from shop.catalog.models import Product, ProductStatus, Store, Variant
from shop.promotions.offers import ProductOffer, product_offers

# ---------------------------------------------------------------------------- content


def published_content(content_id: int, kind: ContentKind | None = None) -> Content | None:
    """A published content by id (of ``kind`` if given), or None."""
    if not 0 < content_id < 2**31:
        return None
    content = db.session.get(Content, content_id)
    if content is None or content.status != ContentStatus.PUBLISHED.value:
        return None
    if kind is not None and content.kind != kind.value:
        return None
    return content


def product_ids_of(content_id: int) -> list[int]:
    query = (
        select(ContentProduct.product_id)
        .where(ContentProduct.content_id == content_id)
        .order_by(ContentProduct.position)
    )
    return list(db.session.scalars(query))


def is_attached(content_id: int, product_id: int) -> bool:
    query = select(ContentProduct.id).where(
        ContentProduct.content_id == content_id, ContentProduct.product_id == product_id
    )
    return db.session.scalar(query) is not None


# ---------------------------------------------------------------------------- cards


@dataclass(frozen=True)
class ProductCard:
    """What a yellow-cart card shows, and what its buttons need."""

    content_id: int
    product_id: int
    title: str
    price: int
    compare_at_price: int | None
    currency: str
    thumb_path: str | None
    store_name: str
    variant_id: int | None  # the option "Add to cart" adds, when there is just one on sale
    option_count: int  # active options in stock; more than one opens the product to choose
    in_stock: bool

    @property
    def shows_saving(self) -> bool:
        """Whether the list price is struck through beside a lower price."""
        return bool(self.compare_at_price) and (self.compare_at_price or 0) > self.price


def product_cards(content_ids: Iterable[int]) -> dict[int, list[ProductCard]]:
    """Cards of the products on sale in each content's yellow cart: one query."""
    ids = list(dict.fromkeys(content_ids))
    if not ids:
        return {}
    on_sale = (
        select(
            Variant.product_id.label("product_id"),
            func.min(Variant.id).label("variant_id"),
            func.count(Variant.id).label("option_count"),
        )
        .where(Variant.active.is_(True), Variant.stock > 0)
        .group_by(Variant.product_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            ContentProduct.content_id,
            Product.id,
            Product.title,
            Product.price,
            Product.compare_at_price,
            Product.currency,
            Product.cover_thumb_path,
            Store.name,
            on_sale.c.variant_id,
            on_sale.c.option_count,
        )
        .join(Product, Product.id == ContentProduct.product_id)
        .join(Store, Store.id == Product.store_id)
        .outerjoin(on_sale, on_sale.c.product_id == Product.id)
        .where(
            ContentProduct.content_id.in_(ids),
            Product.status == ProductStatus.ACTIVE.value,
        )
        .order_by(ContentProduct.content_id, ContentProduct.position)
    ).all()
    offers = product_offers({row.id for row in rows})
    cards: dict[int, list[ProductCard]] = defaultdict(list)
    for row in rows:
        option_count = row.option_count or 0
        cards[row.content_id].append(
            ProductCard(
                content_id=row.content_id,
                product_id=row.id,
                title=row.title,
                price=row.price,
                compare_at_price=row.compare_at_price,
                currency=row.currency,
                thumb_path=row.cover_thumb_path,
                store_name=row.name,
                variant_id=row.variant_id if option_count == 1 else None,
                option_count=option_count,
                in_stock=option_count > 0,
            )
        )
    return {
        content_id: [_offered(card, offers) for card in row] for content_id, row in cards.items()
    }


def _offered(card: ProductCard, offers: dict[int, ProductOffer]) -> ProductCard:
    """The card at the price a running discount or flash deal gives (as checkout will charge),
    with the list price struck through."""
    offer = offers.get(card.product_id)
    if offer is None or not offer.has_saving:
        return card
    return replace(card, price=offer.price, compare_at_price=offer.list_price)


@dataclass(frozen=True)
class CreatorCard:
    creator_id: int
    handle: str
    display_name: str
    avatar_path: str | None


def creator_cards(creator_ids: Iterable[int]) -> dict[int, CreatorCard]:
    """Handle, name and avatar of each creator that has a profile: one query."""
    ids = list(dict.fromkeys(creator_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            CreatorProfile.user_id,
            CreatorProfile.handle,
            CreatorProfile.display_name,
            CreatorProfile.avatar_path,
        ).where(CreatorProfile.user_id.in_(ids))
    ).all()
    return {row.user_id: CreatorCard(*row) for row in rows}


# ---------------------------------------------------------------------------- videos


@dataclass(frozen=True)
class VideoRow:
    video: Content
    product_count: int


def own_videos(creator_id: int) -> list[VideoRow]:
    """The creator's published videos, newest first, with their product counts: one query."""
    counts = (
        select(ContentProduct.content_id, func.count(ContentProduct.id).label("n"))
        .group_by(ContentProduct.content_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Content, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.content_id == Content.id)
        .where(
            Content.creator_id == creator_id,
            Content.kind == ContentKind.VIDEO.value,
            Content.status == ContentStatus.PUBLISHED.value,
        )
        .order_by(Content.created_at.desc(), Content.id.desc())
    ).all()
    return [VideoRow(video, int(count)) for video, count in rows]


def published_videos_of(creator_id: int, limit: int = 24) -> list[Content]:
    """A creator's published videos for their profile, newest first: one query."""
    return list(
        db.session.scalars(
            select(Content)
            .where(
                Content.creator_id == creator_id,
                Content.kind == ContentKind.VIDEO.value,
                Content.status == ContentStatus.PUBLISHED.value,
            )
            .order_by(Content.created_at.desc(), Content.id.desc())
            .limit(limit)
        )
    )


# ---------------------------------------------------------------------------- lives


def is_cancelled(live: Content) -> bool:
    """An ended live that never started."""
    return live.live_state == LiveState.ENDED.value and live.started_at is None


@dataclass(frozen=True)
class LiveStatus:
    """Where a live stands and what its creator may do now, for the pages to ask (the state
    table decides, never a template)."""

    state: LiveState
    cancelled: bool
    can_start: bool
    can_end: bool  # ends a live on air, cancels a scheduled one
    can_edit: bool
    can_pin: bool
    can_unpin: bool
    can_pin_voucher: bool

    @property
    def is_on_air(self) -> bool:
        return self.state is LiveState.LIVE

    @property
    def is_scheduled(self) -> bool:
        return self.state is LiveState.SCHEDULED

    @property
    def is_over(self) -> bool:
        return self.state is LiveState.ENDED

    @property
    def label(self) -> str:
        if self.cancelled:
            return "Cancelled"
        return {LiveState.LIVE: "Live", LiveState.SCHEDULED: "Scheduled"}.get(self.state, "Ended")


def live_status(live: Content) -> LiveStatus:
    state = LiveState(live.live_state)
    on_air = state is LiveState.LIVE
    return LiveStatus(
        state=state,
        cancelled=is_cancelled(live),
        can_start=LIVE.can_move(live, LiveState.LIVE),
        can_end=LIVE.can_move(live, LiveState.ENDED),
        can_edit=state is LiveState.SCHEDULED,
        can_pin=on_air,
        can_unpin=on_air and live.pinned_product_id is not None,
        can_pin_voucher=not LIVE.is_final(state),
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def version_of(live: Content) -> int:
    """The time of the live's latest change, in microseconds since the epoch."""
    latest = max(
        stamp
        for stamp in (live.created_at, live.started_at, live.ended_at, live.pinned_at)
        if stamp is not None
    )
    return (latest - _EPOCH) // timedelta(microseconds=1)


def pinned_card(live: Content, cards: Sequence[ProductCard]) -> ProductCard | None:
    """The card of the product pinned on top while the live is on, if it is on sale."""
    if live.live_state != LiveState.LIVE.value or live.pinned_product_id is None:
        return None
    return next((card for card in cards if card.product_id == live.pinned_product_id), None)


def pinned_state(content_id: int) -> dict[str, Any]:
    """What a viewer's page polls: state, pinned card (or None), pin time and version.

    Two queries: the live, and (only while a product is pinned) the live's product cards.
    The card is ``ProductCard`` as a dict; the view adds its URLs.
    """
    live = published_content(content_id, ContentKind.LIVE)
    if live is None:
        raise ContentNotFound("No such live.")
    pinned = None
    if live.live_state == LiveState.LIVE.value and live.pinned_product_id is not None:
        card = pinned_card(live, product_cards([live.id]).get(live.id, []))
        pinned = asdict(card) if card is not None else None
    return {
        "state": LiveState(live.live_state).value,
        "pinned": pinned,
        "pinned_at": live.pinned_at.isoformat() if pinned and live.pinned_at else None,
        "version": version_of(live),
    }


@dataclass(frozen=True)
class CreatorLives:
    """A creator's lives by state: on air, coming (soonest first), past (latest first)."""

    live: list[Content]
    scheduled: list[Content]
    ended: list[Content]
    product_counts: dict[int, int]

    @property
    def any(self) -> bool:
        return bool(self.live or self.scheduled or self.ended)


def lives_of(creator_id: int) -> CreatorLives:
    """The creator's published lives and how many products each carries (two queries)."""
    lives = list(
        db.session.scalars(
            select(Content)
            .where(
                Content.creator_id == creator_id,
                Content.kind == ContentKind.LIVE.value,
                Content.status == ContentStatus.PUBLISHED.value,
            )
            .order_by(Content.scheduled_at, Content.id)
        )
    )
    counts: dict[int, int] = {}
    if lives:
        rows = db.session.execute(
            select(ContentProduct.content_id, func.count(ContentProduct.id))
            .where(ContentProduct.content_id.in_([live.id for live in lives]))
            .group_by(ContentProduct.content_id)
        ).all()
        counts = {int(content_id): int(count) for content_id, count in rows}
    by_state: dict[str, list[Content]] = {state.value: [] for state in LiveState}
    for live in lives:
        by_state[live.live_state or LiveState.ENDED.value].append(live)
    ended = sorted(
        by_state[LiveState.ENDED.value],
        key=lambda live: (live.ended_at or live.scheduled_at or live.created_at, live.id),
        reverse=True,
    )
    return CreatorLives(
        live=by_state[LiveState.LIVE.value],
        scheduled=by_state[LiveState.SCHEDULED.value],
        ended=ended,
        product_counts=counts,
    )
