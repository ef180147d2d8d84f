"""Demo live deals and scheduled lives: Glow & Co gives Cleo's live on air a flash deal on its
pinned product, and Cleo schedules an evening Q&A (with a cover) half an hour from seeding,
for viewers to set a reminder on.

Idempotent: the Q&A is made once (by its title); the deal is given again only when the live
has no deal still to run (a demo seeded days ago gets a fresh one).
"""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from pathlib import Path

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from affiliate.creators.content import lives
from affiliate.creators.content.exceptions import ContentError
from affiliate.creators.content.live_deals import give_live_deal
from affiliate.creators.content.models import Content, ContentKind, ContentProduct, LiveState
from core.accounts import services as accounts
from core.exceptions import DomainError
from core.extensions import db
from core.types import utcnow
from demo.creators import DEMO_LIVES, LIVES_STORE_HANDLE
from shop.catalog.models import Product, Store, Variant
from shop.promotions.live_deal_models import LiveDeal

CLEO = "creator@example.com"
QA_TITLE = "Evening Q&A: your skincare questions, live"
QA_STREAM = "https://stream.example.com/cleo/evening-qa"
QA_IN = timedelta(minutes=30)
QA_COVER = Path(__file__).resolve().parent / "media" / "morning-routine.jpg"
DEAL_PERCENT = 70  # the deal price, as a percentage of the list price
DEAL_LENGTH = timedelta(hours=3)


def _cleo_on_air() -> Content | None:
    title = next(title for email, title, on_air, *_ in DEMO_LIVES if email == CLEO and on_air)
    creator = accounts.find_by_email(CLEO)
    if creator is None:
        return None
    return db.session.scalar(
        select(Content).where(
            Content.creator_id == creator.id,
            Content.kind == ContentKind.LIVE.value,
            Content.title == title,
            Content.live_state == LiveState.LIVE.value,
        )
    )


def _seed_deal(store: Store) -> int:
    live = _cleo_on_air()
    if live is None:
        return 0
    now = utcnow()
    still_to_run = db.session.scalar(
        select(LiveDeal.id).where(
            LiveDeal.content_type == ContentKind.LIVE.value,
            LiveDeal.content_id == live.id,
            LiveDeal.ends_at > now,
            LiveDeal.ended_at.is_(None),
        )
    )
    if still_to_run is not None:
        return 0
    product_id = live.pinned_product_id or db.session.scalar(
        select(ContentProduct.product_id)
        .where(ContentProduct.content_id == live.id)
        .order_by(ContentProduct.position)
    )
    variant = db.session.scalar(
        select(Variant)
        .join(Product, Product.id == Variant.product_id)
        .where(Product.id == product_id, Product.store_id == store.id, Variant.active.is_(True))
        .order_by(Variant.position, Variant.id)
    )
    if variant is None:
        return 0
    price = variant.price * DEAL_PERCENT // 100
    try:
        with db.session.begin_nested():
            give_live_deal(
                store,
                content_id=live.id,
                variant_id=variant.id,
                deal_price=f"{price // 100}.{price % 100:02d}",
                quantity=20,
                per_buyer_limit=2,
                starts_at=now,
                ends_at=now + DEAL_LENGTH,
                now=now,
            )
    except DomainError:
        return 0
    return 1


def _seed_qa(store: Store) -> int:
    creator = accounts.find_by_email(CLEO)
    if creator is None:
        return 0
    exists = db.session.scalar(
        select(Content.id).where(Content.creator_id == creator.id, Content.title == QA_TITLE)
    )
    if exists is not None:
        return 0
    product_ids = list(
        db.session.scalars(
            select(ContentProduct.product_id)
            .join(Content, Content.id == ContentProduct.content_id)
            .join(Product, Product.id == ContentProduct.product_id)
            .where(Content.creator_id == creator.id, Product.store_id == store.id)
            .distinct()
            .limit(3)
        )
    )
    if not product_ids:
        return 0
    now = utcnow()
    cover = (
        FileStorage(stream=BytesIO(QA_COVER.read_bytes()), filename=QA_COVER.name)
        if QA_COVER.is_file()
        else None
    )
    try:
        with db.session.begin_nested():
            lives.schedule_live(
                creator.id,
                title=QA_TITLE,
                scheduled_at=now + QA_IN,
                stream_url=QA_STREAM,
                product_ids=product_ids,
                cover=cover,
                now=now,
            )
    except ContentError:
        return 0
    return 1


def seed_live_deals() -> str:
    """A Glow & Co deal on Cleo's live on air, and Cleo's Q&A in 30 minutes (see the module)."""
    store = db.session.scalar(select(Store).where(Store.handle == LIVES_STORE_HANDLE))
    if store is None:
        return "demo live deals skipped (no Glow & Co store)"
    deals = _seed_deal(store)
    db.session.commit()
    scheduled = _seed_qa(store)
    db.session.commit()
    return f"demo live deals ready ({deals} deal, {scheduled} scheduled live created)"
