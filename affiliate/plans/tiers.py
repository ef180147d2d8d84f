"""Volume tiers: a product's rate in an open or targeted plan rises once enough paid orders of
it have come through the plan ("10% for the first 100 orders, then 15%").

Tiers only rise: each is above the product's rate and above every tier with a lower threshold,
below every tier with a higher one. The commission rule reads them (``commission.rule``) and
the order line snapshots the tier that applied, in its rate and its explanation. A tier that has
been reached is what creators earn now, so it cannot be removed (a cut goes through the rate and
its notice period); one not yet reached can.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import distinct, func, select, tuple_

from affiliate.plans import notices
from affiliate.plans.commission.rule import format_rate
from affiliate.plans.exceptions import InvalidTier, PlanEnded, TierNotFound
from affiliate.plans.models import MAX_TIERS, Plan, PlanKind, PlanRateTier
from affiliate.plans.rates import check_rate, current_rates, listed_product
from core.extensions import db
from shop.orders.models import Order, OrderLine

MAX_THRESHOLD = 1_000_000


@dataclass(frozen=True)
class Tier:
    """A tier as the pages show it: "15% from 100 orders"."""

    id: int
    product_id: int
    min_orders: int
    rate_bps: int

    def describe(self) -> str:
        return f"{format_rate(self.rate_bps)} from {self.min_orders} orders"


def orders_through(plan_id: int, product_id: int) -> int:
    """Paid orders of the product that came through the plan (what its tiers count)."""
    return (
        db.session.scalar(
            select(func.count(distinct(OrderLine.order_id)))
            .join(Order, Order.id == OrderLine.order_id)
            .where(
                OrderLine.commission_plan_id == plan_id,
                OrderLine.product_id == product_id,
                Order.paid_at.is_not(None),
            )
        )
        or 0
    )


def tiers_for(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], list[Tier]]:
    """The tiers of each (plan, product), lowest threshold first: one statement."""
    wanted = list(set(pairs))
    if not wanted:
        return {}
    rows = db.session.scalars(
        select(PlanRateTier)
        .where(tuple_(PlanRateTier.plan_id, PlanRateTier.product_id).in_(wanted))
        .order_by(PlanRateTier.plan_id, PlanRateTier.product_id, PlanRateTier.min_orders)
    )
    found: dict[tuple[int, int], list[Tier]] = {}
    for row in rows:
        found.setdefault((row.plan_id, row.product_id), []).append(
            Tier(row.id, row.product_id, row.min_orders, row.rate_bps)
        )
    return found


def tiers_of(plan: Plan) -> dict[int, list[Tier]]:
    """The plan's tiers per product, lowest threshold first."""
    rows = db.session.scalars(
        select(PlanRateTier)
        .where(PlanRateTier.plan_id == plan.id)
        .order_by(PlanRateTier.product_id, PlanRateTier.min_orders)
    )
    found: dict[int, list[Tier]] = {}
    for row in rows:
        found.setdefault(row.product_id, []).append(
            Tier(row.id, row.product_id, row.min_orders, row.rate_bps)
        )
    return found


def _check_threshold(min_orders: object) -> int:
    if isinstance(min_orders, bool) or not isinstance(min_orders, int):
        raise InvalidTier("Enter the number of orders as a whole number, such as 100.")
    if not 1 <= min_orders <= MAX_THRESHOLD:
        raise InvalidTier(f"A tier starts between 1 and {MAX_THRESHOLD:,} orders.")
    return min_orders


def add_tier(
    plan: Plan, product_id: int, min_orders: int, rate_bps: int, *, actor_id: int | None = None
) -> PlanRateTier:
    """A new tier: from ``min_orders`` paid orders of the product through the plan, the rate
    is ``rate_bps``. Refused unless it rises (see the module's docstring)."""
    _check_threshold(min_orders)
    check_rate(rate_bps)
    if plan.has_ended:
        raise PlanEnded(plan.name)
    if plan.kind == PlanKind.STORE.value:
        raise InvalidTier(
            "A store plan has one rate for every product: tiers are for open and targeted plans."
        )
    listed_product(plan, product_id)
    existing = tiers_of(plan).get(product_id, [])
    if len(existing) >= MAX_TIERS:
        raise InvalidTier(f"A product has at most {MAX_TIERS} tiers in a plan.")
    if any(t.min_orders == min_orders for t in existing):
        raise InvalidTier(f"There is already a tier from {min_orders} orders.")
    current = current_rates(plan).get(product_id)
    if current is not None and rate_bps <= current.rate_bps:
        raise InvalidTier(
            f"A tier raises the rate: {format_rate(rate_bps)} is not above the product's "
            f"{format_rate(current.rate_bps)}.",
            field="rate",
        )
    below = [t for t in existing if t.min_orders < min_orders]
    above = [t for t in existing if t.min_orders > min_orders]
    if below and rate_bps <= max(t.rate_bps for t in below):
        top = max(below, key=lambda t: t.rate_bps)
        raise InvalidTier(
            f"Tiers only rise: {format_rate(rate_bps)} is not above {top.describe()}.", field="rate"
        )
    if above and rate_bps >= min(t.rate_bps for t in above):
        low = min(above, key=lambda t: t.rate_bps)
        raise InvalidTier(
            f"Tiers only rise: {format_rate(rate_bps)} is not below {low.describe()}.", field="rate"
        )
    tier = PlanRateTier(
        plan_id=plan.id, product_id=product_id, min_orders=min_orders, rate_bps=rate_bps
    )
    db.session.add(tier)
    notices.audit(
        plan,
        "rate_tier_added",
        actor_id,
        to_state=format_rate(rate_bps),
        reason=f"product #{product_id}, from {min_orders} orders",
    )
    db.session.flush()
    return tier


def remove_tier(plan: Plan, tier_id: int, *, actor_id: int | None = None) -> None:
    """Remove a tier not reached yet (a reached one is what creators earn now)."""
    tier = db.session.get(PlanRateTier, tier_id)
    if tier is None or tier.plan_id != plan.id:
        raise TierNotFound("That tier is not in this plan.")
    if plan.has_ended:
        raise PlanEnded(plan.name)
    if orders_through(plan.id, tier.product_id) >= tier.min_orders:
        raise InvalidTier(
            "This tier has been reached: creators earn it now. To lower what they earn, change "
            "the rate, which gives them notice.",
            field=None,
        )
    notices.audit(
        plan,
        "rate_tier_removed",
        actor_id,
        from_state=format_rate(tier.rate_bps),
        reason=f"product #{tier.product_id}, from {tier.min_orders} orders",
    )
    db.session.delete(tier)
    db.session.flush()
