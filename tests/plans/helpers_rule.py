"""Rows for the commission rule's tests, written directly with the models (no services).

Every helper flushes and never commits, so a test (or one hypothesis example) can throw its
plans away with ``db.session.rollback()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from affiliate.plans.models import (
    Plan,
    PlanKind,
    PlanMembership,
    PlanProduct,
    PlanRate,
    PlanStatus,
    ShowcaseItem,
)
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Product, Store

DAY = timedelta(days=1)

#: A plan's state, as the tables name them, and how to make it.
STATES = ("active", "paused", "ended", "not_started", "expired")


def make_plan(
    store: Store,
    kind: PlanKind,
    name: str,
    rate_bps: int,
    *,
    products: Iterable[Product] = (),
    state: str = "active",
    now: datetime | None = None,
    manual_approval: bool = False,
) -> Plan:
    """A plan in ``state`` whose rate has been ``rate_bps`` since it started."""
    now = now or utcnow()
    starts_at, ends_at, status = now - 30 * DAY, None, PlanStatus.ACTIVE.value
    if state == "paused":
        status = PlanStatus.PAUSED.value
    elif state == "ended":
        status = PlanStatus.ENDED.value
    elif state == "not_started":
        starts_at = now + DAY
    elif state == "expired":
        ends_at = now - DAY
    elif state != "active":
        raise ValueError(state)
    plan = Plan(
        store_id=store.id,
        kind=kind.value,
        name=name,
        status=status,
        starts_at=starts_at,
        ends_at=ends_at,
        manual_approval=manual_approval,
        created_at=starts_at,
    )
    db.session.add(plan)
    db.session.flush()
    products = list(products)
    for product in products:
        db.session.add(PlanProduct(plan_id=plan.id, product_id=product.id))
    set_rate(plan, rate_bps, effective_at=starts_at, products=products)
    return plan


def set_rate(
    plan: Plan, rate_bps: int, *, effective_at: datetime, products: Iterable[Product] = ()
) -> None:
    """A new rate from ``effective_at``: the default for a store plan, else per product."""
    if plan.kind == PlanKind.STORE.value:
        db.session.add(PlanRate(plan_id=plan.id, rate_bps=rate_bps, effective_at=effective_at))
    else:
        for product in products:
            db.session.add(
                PlanRate(
                    plan_id=plan.id,
                    product_id=product.id,
                    rate_bps=rate_bps,
                    effective_at=effective_at,
                )
            )
    db.session.flush()


def add_member(plan: Plan, creator_id: int, status: str) -> PlanMembership:
    membership = PlanMembership(plan_id=plan.id, creator_id=creator_id, status=status)
    db.session.add(membership)
    db.session.flush()
    return membership


def showcase(creator_id: int, product: Product) -> None:
    db.session.add(ShowcaseItem(creator_id=creator_id, product_id=product.id))
    db.session.flush()
