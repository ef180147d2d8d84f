"""A store that sells in euros (``flask demo seed``), so that Cleo earns in two currencies.

Maison Lumière (maison@example.com) sells two products in EUR under a store plan; Cleo
showcases one and posts a video with it, and the demo fan buys through the video until her
euro wallet holds ``CLEO_EURO_TARGET``, settled the way any commission settles. Her wallet then
shows a USD and a EUR balance, each withdrawn on its own (nothing is converted).

Idempotent: the store, plan and video are made once, and the purchases happen on the first
run only.
"""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from affiliate.creators.content import videos
from affiliate.creators.content.models import Content, ContentKind
from affiliate.plans import services as plans
from affiliate.plans.commission.rule import applicable_rate
from core.accounts import services as accounts
from core.accounts.models import Role
from core.extensions import db
from core.ledger.models import AccountKind
from core.ledger.services import owner_balances
from core.money import format_money
from demo.catalogue import DemoProduct
from demo.creators import DEMO_MEDIA, showcase_products
from demo.payouts import CLEO, buy_through, demo_fan
from demo.shop import seed_store
from shop.catalog.models import Store, Variant

HANDLE = "maison-lumiere"
CURRENCY = "EUR"
STORE_RATE = 1_200  # 12%
CLEO_EURO_TARGET = 5_000  # €50.00
MAX_ORDERS = 12
CAPTION = "Paris in a bottle: the rose face mist I keep in my bag. #skincare"
STORE = (
    "maison@example.com",
    "Maison Lumière",
    "Parisian skincare, priced in euros.",
    (
        DemoProduct(
            "Rose Water Face Mist",
            "beauty-skincare",
            2_400,
            "A fine mist of Provence rose water to refresh and set make-up.",
            featured=True,
        ),
        DemoProduct(
            "Lavender Night Balm",
            "beauty-skincare",
            3_600,
            "A rich overnight balm with lavender oil and shea butter.",
        ),
    ),
)


def _euros(creator_id: int) -> int:
    return owner_balances(creator_id, CURRENCY).get(AccountKind.CREATOR_AVAILABLE, 0)


def _video(creator_id: int, store_id: int) -> Content | None:
    """Cleo's video with the mist (posted once, through the upload service)."""
    found = db.session.scalar(
        select(Content).where(
            Content.creator_id == creator_id,
            Content.kind == ContentKind.VIDEO.value,
            Content.title == CAPTION,
        )
    )
    if found is not None:
        return found
    product_ids = showcase_products(
        creator_id, store_id, ("Rose Water Face Mist", "Lavender Night Balm")
    )
    clip = DEMO_MEDIA / "glow-serum.mp4"
    if not product_ids or not clip.is_file():
        return None
    with clip.open("rb") as clip_file, clip.with_suffix(".jpg").open("rb") as poster:
        content = videos.create_video(
            creator_id,
            caption=CAPTION,
            product_ids=product_ids,
            upload=FileStorage(clip_file, filename=clip.name),
            external_url=None,
            poster=FileStorage(poster, filename=clip.with_suffix(".jpg").name),
        )
    db.session.commit()
    return content


def seed_euro_store() -> str:
    """Maison Lumière in EUR, its store plan, Cleo's video and her euro earnings."""
    first_run = seed_store(HANDLE, STORE, currency=CURRENCY) > 0
    db.session.commit()
    store = db.session.scalar(select(Store).where(Store.handle == HANDLE))
    cleo = accounts.find_by_email(CLEO)
    if store is None or cleo is None or not cleo.has_role(Role.CREATOR):
        return "demo euro store skipped (no Cleo)"
    if plans.get_store_plan(store.id) is None:
        plans.create_store_plan(store, STORE_RATE)
        db.session.commit()
    content = _video(cleo.id, store.id)
    orders = 0
    if first_run and content is not None:
        product_id = content.products[0].product_id if content.products else None
        price = db.session.scalar(
            select(Variant.price).where(Variant.product_id == product_id).limit(1)
        )
        rate = applicable_rate(cleo.id, product_id) if product_id else None
        per_unit = rate.commission_on(price) if rate and price else 0
        while per_unit and orders < MAX_ORDERS and _euros(cleo.id) < CLEO_EURO_TARGET:
            short = CLEO_EURO_TARGET - _euros(cleo.id)
            if not buy_through(demo_fan(), content, product_id, -(-short // per_unit)):
                break
            orders += 1
        db.session.commit()
    return (
        f"demo euro store ready (Maison Lumière sells in EUR; {orders} orders through Cleo's "
        f"video; she has {format_money(_euros(cleo.id), CURRENCY)} to withdraw)"
    )
