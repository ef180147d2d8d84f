"""Test data for the creators' packages (and the plans and profiles they stand on), written
directly with the models: profiles, plans and showcases, videos, lives and other content,
and commissions. Every factory commits, so that the requests of a test see the rows.

Commission rows are the commissions service's to create; tests that only read them use
``make_commission``, which writes one (with an order to hang from) without the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import factory

from affiliate.creators.attribution.models import Commission, CommissionState
from affiliate.creators.content.models import (
    Content,
    ContentKind,
    ContentProduct,
    ContentStatus,
)
from affiliate.plans.models import (
    MembershipStatus,
    Plan,
    PlanKind,
    PlanMembership,
    PlanProduct,
    PlanRate,
    ShowcaseItem,
)
from affiliate.profiles.models import CreatorCategory, CreatorProfile
from core.accounts.models import Role, User
from core.extensions import db
from core.money import percent_of
from core.types import utcnow
from shop.catalog.models import Product, Store
from shop.orders.models import OrderStatus
from tests.factories import BaseFactory, make_user
from tests.shop.factories import category, make_order

# ---------------------------------------------------------------------------- profiles


class CreatorProfileFactory(BaseFactory):
    class Meta:
        model = CreatorProfile

    user_id = factory.LazyFunction(lambda: make_user(Role.CREATOR).id)
    handle = factory.Sequence(lambda n: f"creator_{n}")
    display_name = factory.Sequence(lambda n: f"Creator {n}")
    bio = "Makes videos for the tests."
    follower_count = 1000
    avg_views = 100


def make_profile(*category_slugs: str, **kwargs: object) -> CreatorProfile:
    profile = CreatorProfileFactory(**kwargs)
    for slug in category_slugs:
        db.session.add(CreatorCategory(profile_id=profile.id, category_id=category(slug).id))
    db.session.commit()
    return profile


# ---------------------------------------------------------------------------- plans


def make_plan(
    store: Store,
    kind: PlanKind,
    name: str,
    rate_bps: int,
    products: Iterable[Product] = (),
    *,
    message: str = "",
    manual_approval: bool = False,
) -> Plan:
    """An active plan whose rate has been ``rate_bps`` since yesterday."""
    since = utcnow() - timedelta(days=1)
    plan = Plan(
        store_id=store.id,
        kind=kind.value,
        name=name,
        message=message,
        starts_at=since,
        manual_approval=manual_approval,
    )
    db.session.add(plan)
    db.session.flush()
    if kind is PlanKind.STORE:
        db.session.add(PlanRate(plan_id=plan.id, rate_bps=rate_bps, effective_at=since))
    for product in products:
        db.session.add(PlanProduct(plan_id=plan.id, product_id=product.id))
        db.session.add(
            PlanRate(plan_id=plan.id, product_id=product.id, rate_bps=rate_bps, effective_at=since)
        )
    db.session.commit()
    return plan


def store_plan(store: Store, rate_bps: int, name: str = "Store default") -> Plan:
    return make_plan(store, PlanKind.STORE, name, rate_bps)


def open_plan(
    store: Store,
    rate_bps: int,
    products: Iterable[Product],
    name: str = "Everyday",
    *,
    manual_approval: bool = False,
) -> Plan:
    return make_plan(
        store, PlanKind.OPEN, name, rate_bps, products, manual_approval=manual_approval
    )


def targeted_plan(
    store: Store,
    rate_bps: int,
    products: Iterable[Product],
    name: str = "Spring launch",
    message: str = "We love your videos.",
) -> Plan:
    return make_plan(store, PlanKind.TARGETED, name, rate_bps, products, message=message)


def member(
    plan: Plan, creator_id: int, status: MembershipStatus = MembershipStatus.INVITED
) -> PlanMembership:
    membership = PlanMembership(plan_id=plan.id, creator_id=creator_id, status=status.value)
    db.session.add(membership)
    db.session.commit()
    return membership


def showcase(creator_id: int, product: Product) -> ShowcaseItem:
    item = ShowcaseItem(creator_id=creator_id, product_id=product.id)
    db.session.add(item)
    db.session.commit()
    return item


# ---------------------------------------------------------------------------- content


def make_video(
    creator_id: int,
    products: Sequence[Product] = (),
    *,
    title: str = "My morning routine",
    external_url: str | None = "https://videos.example.com/routine",
    video_path: str | None = None,
    video_mime: str | None = None,
    **kwargs: object,
) -> Content:
    """A published video of ``creator_id`` with ``products`` in its yellow cart, written
    directly (no showcase check, no file unless ``video_path`` names one)."""
    video = Content(
        creator_id=creator_id,
        kind=ContentKind.VIDEO.value,
        title=title,
        external_url=None if video_path else external_url,
        video_path=video_path,
        video_mime=video_mime,
        **kwargs,
    )
    video.products = [ContentProduct(product_id=p.id, position=i) for i, p in enumerate(products)]
    db.session.add(video)
    db.session.commit()
    return video


def make_live(
    creator_id: int,
    products: Sequence[Product] = (),
    *,
    state: str = "scheduled",
    title: str = "Morning routine, live",
    stream_url: str = "https://stream.example.com/cleo",
    pinned: Product | None = None,
    **kwargs: object,
) -> Content:
    """A live of ``creator_id`` in ``state`` with ``products`` in its yellow cart, written
    directly (no showcase check); ``pinned`` must be one of them and the state ``live``."""
    now = utcnow()
    live = Content(
        creator_id=creator_id,
        kind=ContentKind.LIVE.value,
        title=title,
        stream_url=stream_url,
        live_state=state,
        scheduled_at=kwargs.pop("scheduled_at", now + timedelta(days=1)),
        created_at=now - timedelta(hours=1),
        **kwargs,
    )
    if state in ("live", "ended"):
        live.started_at = live.started_at or now - timedelta(minutes=30)
    if state == "ended":
        live.ended_at = live.ended_at or now - timedelta(minutes=1)
    if pinned is not None:
        live.pinned_product_id = pinned.id
        live.pinned_at = now - timedelta(minutes=5)
    live.products = [ContentProduct(product_id=p.id, position=i) for i, p in enumerate(products)]
    db.session.add(live)
    db.session.commit()
    return live


def make_content(
    creator: User,
    products: Iterable[Product] = (),
    *,
    title: str = "My morning routine",
    kind: ContentKind = ContentKind.VIDEO,
    status: ContentStatus = ContentStatus.PUBLISHED,
) -> Content:
    content = Content(
        creator_id=creator.id,
        kind=kind.value,
        title=title,
        status=status.value,
        external_url="https://video.example.com/clip.mp4" if kind is ContentKind.VIDEO else None,
        live_state="scheduled" if kind is ContentKind.LIVE else None,
    )
    content.products = [
        ContentProduct(product_id=product.id, position=index)
        for index, product in enumerate(products)
    ]
    db.session.add(content)
    db.session.commit()
    return content


def make_commission(
    creator: User,
    product: Product,
    *,
    content: Content | None = None,
    plan: Plan | None = None,
    rate_bps: int = 1000,
    quantity: int = 1,
    state: CommissionState = CommissionState.PENDING,
    reversed_amount: int | None = None,
    order_status: OrderStatus = OrderStatus.PAID,
    created_at: datetime | None = None,
    buyer: User | None = None,
) -> Commission:
    """A paid order of ``quantity`` × ``product`` through ``content``, and its commission."""
    plan = plan or make_plan(product.store, PlanKind.OPEN, "Everyday", rate_bps, [product])
    buyer = buyer or make_user(Role.BUYER)
    order = make_order(buyer, [(product.variants[0], quantity)], status=order_status)
    line = order.lines[0]
    amount = percent_of(line.amount, rate_bps)
    if reversed_amount is None:
        reversed_amount = amount if state is CommissionState.REVERSED else 0
    commission = Commission(
        order_line_id=line.id,
        order_id=order.id,
        store_id=product.store_id,
        creator_id=creator.id,
        product_id=product.id,
        content_id=content.id if content else None,
        plan_id=plan.id,
        plan_kind=plan.kind,
        rate_bps=rate_bps,
        base_amount=line.amount,
        amount=amount,
        reversed_amount=reversed_amount,
        currency=order.currency,
        state=state.value,
        created_at=created_at or utcnow(),
    )
    db.session.add(commission)
    db.session.commit()
    return commission


def days_ago(days: int, hours: int = 0) -> datetime:
    return utcnow() - timedelta(days=days, hours=hours)
