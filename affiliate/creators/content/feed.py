"""The "For you" feed, and where a product was seen (videos and lives that feature it).

The order is explainable, never a black box. For a signed-in viewer, a video's **affinity** is
the number of its products (on sale) whose top-level category is one the viewer bought from
(lines of their orders that were paid, whatever happened next but a refund or cancellation)
or watched (their view events on videos carrying products of that category). Videos are
ordered by affinity, then **engagement** (views + 5 × clicks, the counters the rollup keeps),
then newest. Each item says why it is there: "Because you shop Kitchen", "Popular with
shoppers", "New from @handle".

A page costs a constant number of statements whatever its length: the viewer's categories
(one UNION), the page with its scores, the total, the product cards, the creators, and the
categories of the page's products when the viewer has affinities.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import case, func, literal, or_, select, union

from affiliate.creators.attribution.models import ContentEvent, EventKind
from affiliate.creators.attribution.tracking import visitor_key
from affiliate.creators.content.models import (
    Content,
    ContentKind,
    ContentProduct,
    ContentStatus,
    LiveState,
)
from affiliate.creators.content.queries import (
    CreatorCard,
    ProductCard,
    creator_cards,
    product_cards,
)
from affiliate.profiles.models import CreatorProfile
from core.extensions import db
from core.web.pagination import Page
from shop.catalog.models import Category, Product, ProductStatus
from shop.catalog.queries import CategoryTree, load_category_tree
from shop.orders.models import Order, OrderLine, OrderStatus

#: Orders that were paid and not undone: what a viewer "bought".
BOUGHT_STATUSES = (
    OrderStatus.PAID.value,
    OrderStatus.SHIPPED.value,
    OrderStatus.DELIVERED.value,
    OrderStatus.COMPLETED.value,
)
CLICK_WEIGHT = 5
#: Engagement (views + 5 × clicks) from which a video is "popular with shoppers".
POPULAR_ENGAGEMENT = 100
PREVIEW_SIZE = 6
SEEN_IN_LIMIT = 6


@dataclass(frozen=True)
class Affinity:
    """The categories a viewer bought from and watched: as found, and their top levels."""

    bought: frozenset[int] = frozenset()
    viewed: frozenset[int] = frozenset()
    bought_roots: frozenset[int] = frozenset()
    viewed_roots: frozenset[int] = frozenset()

    @property
    def roots(self) -> frozenset[int]:
        return self.bought_roots | self.viewed_roots


@dataclass(frozen=True)
class FeedItem:
    content: Content
    creator: CreatorCard | None
    cards: list[ProductCard]
    affinity: int
    engagement: int
    why: str

    @property
    def kind(self) -> str:
        return self.content.kind


def _root_of(category_id: int, by_id: dict[int, Category]) -> int:
    seen = set()
    current = by_id.get(category_id)
    while current is not None and current.parent_id is not None and current.id not in seen:
        seen.add(current.id)
        parent = by_id.get(current.parent_id)
        if parent is None:
            break
        current = parent
    return current.id if current is not None else category_id


def _by_id(tree: CategoryTree) -> dict[int, Category]:
    return {category.id: category for category in tree.by_slug.values()}


def viewer_affinity(viewer_id: int | None, tree: CategoryTree) -> Affinity:
    """The viewer's bought and watched top-level categories: one statement."""
    if viewer_id is None:
        return Affinity()
    bought = (
        select(literal("bought").label("how"), Product.category_id)
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(Order.buyer_id == viewer_id, Order.status.in_(BOUGHT_STATUSES))
    )
    viewed = (
        select(literal("viewed").label("how"), Product.category_id)
        .select_from(ContentEvent)
        .join(ContentProduct, ContentProduct.content_id == ContentEvent.content_id)
        .join(Product, Product.id == ContentProduct.product_id)
        .where(
            ContentEvent.kind == EventKind.VIEW.value,
            ContentEvent.visitor == visitor_key(viewer_id, ""),
        )
    )
    rows = db.session.execute(union(bought, viewed)).all()
    by_id = _by_id(tree)
    found: dict[str, set[int]] = {"bought": set(), "viewed": set()}
    for how, category_id in rows:
        found[how].add(category_id)
    return Affinity(
        bought=frozenset(found["bought"]),
        viewed=frozenset(found["viewed"]),
        bought_roots=frozenset(_root_of(c, by_id) for c in found["bought"]),
        viewed_roots=frozenset(_root_of(c, by_id) for c in found["viewed"]),
    )


def _published_videos() -> tuple:
    return (
        Content.kind == ContentKind.VIDEO.value,
        Content.status == ContentStatus.PUBLISHED.value,
    )


def feed(
    viewer_id: int | None,
    page: int,
    per_page: int = 10,
    *,
    tree: CategoryTree | None = None,
    with_total: bool = True,
) -> Page[FeedItem]:
    """Published videos ordered for the viewer (see the module's docstring)."""
    tree = tree if tree is not None else load_category_tree()
    page = max(page, 1)
    affinity = viewer_affinity(viewer_id, tree)
    affine_ids = sorted(
        {cid for root in affinity.roots for cid in _subtree(tree, root)} if affinity.roots else ()
    )
    if affine_ids:
        score = (
            select(func.count(ContentProduct.id))
            .join(Product, Product.id == ContentProduct.product_id)
            .where(
                ContentProduct.content_id == Content.id,
                Product.category_id.in_(affine_ids),
                Product.status == ProductStatus.ACTIVE.value,
            )
            .correlate(Content)
            .scalar_subquery()
        )
    else:
        score = literal(0)
    engagement = Content.view_count + CLICK_WEIGHT * Content.click_count
    rows = db.session.execute(
        select(Content, score.label("affinity"), engagement.label("engagement"))
        .where(*_published_videos())
        .order_by(score.desc(), engagement.desc(), Content.created_at.desc(), Content.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    if with_total:
        total = db.session.scalar(select(func.count(Content.id)).where(*_published_videos())) or 0
    else:
        total = len(rows)
    videos = [row[0] for row in rows]
    ids = [video.id for video in videos]
    cards = product_cards(ids)
    creators = creator_cards(video.creator_id for video in videos)
    reasons = _affinity_reasons(
        [row[0].id for row in rows if row[1]], affinity, tree, set(affine_ids)
    )
    items = []
    for video, matched, engaged in rows:
        creator = creators.get(video.creator_id)
        items.append(
            FeedItem(
                content=video,
                creator=creator,
                cards=cards.get(video.id, []),
                affinity=int(matched or 0),
                engagement=int(engaged or 0),
                why=_why(video, int(matched or 0), int(engaged or 0), creator, reasons),
            )
        )
    return Page(items=items, page=page, per_page=per_page, total=max(total, len(items)))


def _subtree(tree: CategoryTree, root_id: int) -> tuple[int, ...]:
    root = _by_id(tree).get(root_id)
    return tree.subtree_ids(root) if root is not None else (root_id,)


def _affinity_reasons(
    content_ids: list[int], affinity: Affinity, tree: CategoryTree, affine_ids: set[int]
) -> dict[int, str]:
    """For each content with affinity, the line naming its best category: one statement.

    The most specific reason wins: a category the viewer bought from, then the top level of
    one, then a category watched, then its top level; among equals, the one with the most of
    the video's products.
    """
    if not content_ids:
        return {}
    rows = db.session.execute(
        select(ContentProduct.content_id, Product.category_id)
        .join(Product, Product.id == ContentProduct.product_id)
        .where(
            ContentProduct.content_id.in_(content_ids),
            Product.category_id.in_(affine_ids),
            Product.status == ProductStatus.ACTIVE.value,
        )
        .order_by(ContentProduct.content_id, ContentProduct.position)
    ).all()
    by_id = _by_id(tree)
    candidates: dict[int, Counter[tuple[int, str, int]]] = {}
    for content_id, category_id in rows:
        root = _root_of(category_id, by_id)
        for rank, how, named, known in (
            (4, "shop", category_id, affinity.bought),
            (3, "shop", root, affinity.bought_roots),
            (2, "watched videos about", category_id, affinity.viewed),
            (1, "watched videos about", root, affinity.viewed_roots),
        ):
            if named in known:
                candidates.setdefault(content_id, Counter())[(rank, how, named)] += 1
                break
    reasons = {}
    for content_id, counted in candidates.items():
        rank, how, named = max(counted, key=lambda key: (key[0], counted[key]))
        name = by_id[named].name if named in by_id else "this category"
        reasons[content_id] = f"Because you {how} {name}"
    return reasons


def _why(
    video: Content,
    matched: int,
    engaged: int,
    creator: CreatorCard | None,
    reasons: dict[int, str],
) -> str:
    if matched and video.id in reasons:
        return reasons[video.id]
    if engaged >= POPULAR_ENGAGEMENT:
        return "Popular with shoppers"
    return f"New from @{creator.handle}" if creator else "New on Yellowcart"


def feed_preview(viewer_id: int | None, tree: CategoryTree | None = None) -> list[FeedItem]:
    """The first few feed items, for the shop's home page (no total counted)."""
    return feed(viewer_id, 1, PREVIEW_SIZE, tree=tree, with_total=False).items


# ---------------------------------------------------------------------------- seen in


@dataclass(frozen=True)
class SeenIn:
    content_id: int
    kind: str
    title: str
    poster_path: str | None
    live_state: str | None
    handle: str | None

    @property
    def is_live_now(self) -> bool:
        return self.live_state == LiveState.LIVE.value


def seen_in(product_id: int, limit: int = SEEN_IN_LIMIT) -> list[SeenIn]:
    """Published videos and lives featuring the product, live ones first: one statement."""
    if not 0 < product_id < 2**31:
        return []
    live_first = case((Content.live_state == LiveState.LIVE.value, 0), else_=1)
    rows = db.session.execute(
        select(
            Content.id,
            Content.kind,
            Content.title,
            Content.poster_path,
            Content.live_state,
            CreatorProfile.handle,
        )
        .join(ContentProduct, ContentProduct.content_id == Content.id)
        .outerjoin(CreatorProfile, CreatorProfile.user_id == Content.creator_id)
        .where(
            ContentProduct.product_id == product_id,
            Content.status == ContentStatus.PUBLISHED.value,
            or_(Content.kind == ContentKind.VIDEO.value, Content.live_state.is_not(None)),
        )
        .order_by(live_first, Content.created_at.desc(), Content.id.desc())
        .limit(limit)
    ).all()
    return [SeenIn(*row) for row in rows]
