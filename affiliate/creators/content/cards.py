"""What videos and lives share: their yellow-cart products, and reading them back as cards.

A content's products come from its creator's showcase (at most ``MAX_CONTENT_PRODUCTS``, in
the order chosen, each once); a product that left the showcase stays attached but a card is
shown only while the product is on sale. Reading is batched: ``product_cards`` answers for a
whole page of contents in one query, so a feed costs the same whatever its length.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func, select

from affiliate.creators.content.models import (
    MAX_CONTENT_PRODUCTS,
    Content,
    ContentKind,
    ContentProduct,
    ContentStatus,
)
from affiliate.plans.models import ShowcaseItem
from affiliate.profiles.models import CreatorProfile
from core.extensions import db
from shop.catalog.models import Product, ProductStatus, Store, Variant
from shop.promotions.display import ProductOffer, product_offers


class ContentError(Exception):
    """Bad input about content: shown to the creator as it is (HTTP 400)."""

    status = 400


class ContentNotFound(ContentError):
    status = 404


class NotInShowcase(ContentError):
    pass


class TooManyProducts(ContentError):
    pass


class NotYours(ContentError):
    """Another creator's content: answered as missing (404) so ids do not leak."""

    status = 404


class InvalidLive(ContentError):
    """A live's title, time or stream URL is not acceptable."""


class IllegalLiveMove(ContentError):
    """A live cannot do that in its state (start twice, pin while scheduled...)."""

    status = 409


class NotOnLive(ContentError):
    """The product to pin is not in the live's yellow cart."""


class InvalidVideo(ContentError):
    """A video's caption or source is wrong; ``field`` names the form field it belongs to."""

    field = ""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


class InvalidUpload(InvalidVideo):
    """The uploaded file is not an mp4 or webm video (judged by its bytes)."""

    field = "file"


class TooLarge(InvalidUpload):
    status = 413


# ---------------------------------------------------------------------------- products


def clean_product_ids(creator_id: int, product_ids: Iterable[object]) -> list[int]:
    """The chosen products, de-duplicated in order, each checked against the showcase."""
    chosen: list[int] = []
    for raw in product_ids:
        try:
            product_id = int(str(raw))
        except ValueError:
            raise NotInShowcase("Choose products from your showcase.") from None
        if not 0 < product_id < 2**31:
            raise NotInShowcase("Choose products from your showcase.")
        if product_id not in chosen:
            chosen.append(product_id)
    if len(chosen) > MAX_CONTENT_PRODUCTS:
        raise TooManyProducts(f"Attach at most {MAX_CONTENT_PRODUCTS} products.")
    if not chosen:
        return []
    showcased = set(
        db.session.scalars(
            select(ShowcaseItem.product_id)
            .join(Product, Product.id == ShowcaseItem.product_id)
            .where(
                ShowcaseItem.creator_id == creator_id,
                ShowcaseItem.product_id.in_(chosen),
                Product.status == ProductStatus.ACTIVE.value,
            )
        )
    )
    missing = [product_id for product_id in chosen if product_id not in showcased]
    if missing:
        raise NotInShowcase(
            "Only products in your showcase can go in the yellow cart; add them there first."
        )
    return chosen


def set_products(content: Content, product_ids: Sequence[int]) -> None:
    """Replace the content's yellow cart with ``product_ids`` (already cleaned)."""
    content.products.clear()
    db.session.flush()
    for position, product_id in enumerate(product_ids):
        content.products.append(ContentProduct(product_id=product_id, position=position))
    db.session.flush()


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


# ---------------------------------------------------------------------------- reading


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


def own_content(creator_id: int, content_id: int, kind: ContentKind) -> Content:
    """The creator's own content of ``kind``, or ``NotYours`` (read as 404)."""
    content = published_content(content_id, kind)
    if content is None or content.creator_id != creator_id:
        raise NotYours("No such content.")
    return content


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
