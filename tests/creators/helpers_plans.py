"""Plans for the creator pages' tests, written directly with the models (no seller pages).

Every helper commits, as the factories do, so that the requests of a test see the rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from affiliate.plans.models import (
    MembershipStatus,
    Plan,
    PlanKind,
    PlanMembership,
    PlanProduct,
    PlanRate,
    ShowcaseItem,
)
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Product, Store


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
