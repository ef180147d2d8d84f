"""The commission rule: which plan and rate apply to creator C selling product P at time T.

Among the plans that are active at T, include P, and are open to C, the most specific kind
wins (targeted > open > store); between plans of one kind the higher rate wins, then the
older plan. "Open to C" means: targeted, C accepted the invitation; open, C joined (and was
approved where the plan asks for it); store, C has P in their showcase. The rate is the
plan's latest rate effective at T.

With ``prospective=True`` the rule answers what a sale would pay C *now* once P is in the
showcase (the marketplace, and the check before adding to a showcase): store plans count as
if P were showcased, and open plans that take joiners at once count unless the seller
rejected C. A plan that waits for an answer never counts as the rate now: an open plan that
approves joiners counts only once C is approved, a targeted plan only once C accepts.

What a plan waiting for an answer *would become* is the rule's outlook
(``affiliate.plans.commission.outlook``): the same candidates, ranked the same way, each with C's
``Standing`` in it.

The rule is one SQL statement (a window over the candidate plans), used for a single product,
for a page of the marketplace, and as a subquery to sort and filter by rate. A plan's status
is read as it is now: the rule is asked at the moment the order is placed and the answer is
snapshotted on the order line (``shop.hooks``, answered by the creators' commissions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Select,
    and_,
    case,
    distinct,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.sql import Subquery

from affiliate.plans.models import (
    MembershipStatus,
    Plan,
    PlanKind,
    PlanMembership,
    PlanProduct,
    PlanRate,
    PlanRateTier,
    PlanStatus,
    ShowcaseItem,
)
from core.extensions import db
from core.money import percent_of
from core.types import utcnow
from shop.catalog.models import Product, ProductStatus
from shop.orders.models import Order, OrderLine

PRECEDENCE = case(
    (Plan.kind == PlanKind.TARGETED.value, 0),
    (Plan.kind == PlanKind.OPEN.value, 1),
    else_=2,
)


class Standing(StrEnum):
    """Where the creator stands with a plan that covers a product."""

    NOW = "now"  # a sale earns under it now
    AWAITING_APPROVAL = "awaiting_approval"  # asked to join an open plan; no answer yet
    NEEDS_APPROVAL = "needs_approval"  # an open plan that approves joiners; not asked yet
    INVITED = "invited"  # a targeted plan's invitation waits for the creator's answer

    @property
    def condition(self) -> str:
        """What must happen for the plan to apply: ``30% once approved``."""
        return {
            Standing.NOW: "now",
            Standing.AWAITING_APPROVAL: "once approved",
            Standing.NEEDS_APPROVAL: "if the seller approves you",
            Standing.INVITED: "if you accept",
        }[self]

    @property
    def asks_the_seller(self) -> bool:
        return self in (Standing.AWAITING_APPROVAL, Standing.NEEDS_APPROVAL)


@dataclass(frozen=True)
class Candidate:
    plan_id: int
    plan_name: str
    kind: PlanKind
    rate_bps: int
    tier_from: int | None = None  # the volume tier that raised the rate: from this many orders

    def describe(self) -> str:
        tier = f" (tier from {self.tier_from} orders)" if self.tier_from else ""
        return f"{self.kind.value} plan {self.plan_name}, {format_rate(self.rate_bps)}{tier}"


@dataclass(frozen=True)
class AppliedRate:
    """The winning plan for one product, and the plans it beat (best first)."""

    product_id: int
    plan_id: int
    plan_name: str
    kind: PlanKind
    rate_bps: int
    beaten: tuple[Candidate, ...] = ()
    tier_from: int | None = None  # the volume tier that applied (None: the plan's rate)

    def commission_on(self, amount: int) -> int:
        """Commission on an amount paid, rounded half-up to the cent."""
        return percent_of(amount, self.rate_bps)

    def explain(self) -> str:
        """Why this rate: ``targeted plan Spring, 25%, beats open plan Everyday, 15%``."""
        winner = Candidate(
            self.plan_id, self.plan_name, self.kind, self.rate_bps, self.tier_from
        ).describe()
        if not self.beaten:
            return winner
        return f"{winner}, beats " + "; ".join(c.describe() for c in self.beaten)


def format_rate(rate_bps: int) -> str:
    whole, rest = divmod(rate_bps, 100)
    return f"{whole}%" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0") + "%"


def _current_rate(at: datetime):
    """The plan's rate for the product effective at ``at`` (default rate for store plans)."""
    matches_product = or_(
        and_(Plan.kind != PlanKind.STORE.value, PlanRate.product_id == Product.id),
        and_(Plan.kind == PlanKind.STORE.value, PlanRate.product_id.is_(None)),
    )
    return (
        select(PlanRate.rate_bps)
        .where(PlanRate.plan_id == Plan.id, matches_product, PlanRate.effective_at <= at)
        .order_by(PlanRate.effective_at.desc(), PlanRate.id.desc())
        .limit(1)
        .correlate(Plan, Product)
        .scalar_subquery()
    )


def _orders_through_plan():
    """Paid orders of the product that came through the plan so far (what tiers count)."""
    return (
        select(func.count(distinct(OrderLine.order_id)))
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            OrderLine.commission_plan_id == Plan.id,
            OrderLine.product_id == Product.id,
            Order.paid_at.is_not(None),
        )
        .correlate(Plan, Product)
        .scalar_subquery()
    )


def _reached_tier(column):
    """``column`` of the highest volume tier the product has reached in the plan (NULL: none;
    a store plan has no tiers)."""
    return (
        select(column)
        .where(
            PlanRateTier.plan_id == Plan.id,
            PlanRateTier.product_id == Product.id,
            PlanRateTier.min_orders <= _orders_through_plan(),
        )
        .order_by(PlanRateTier.min_orders.desc())
        .limit(1)
        .correlate(Plan, Product)
        .scalar_subquery()
    )


def _standing(creator_id: int, prospective: bool):
    """The creator's ``Standing`` in the plan for the product (NULL: the plan is closed to
    them). ``PlanMembership`` is the creator's membership, outer-joined (at most one)."""
    status = PlanMembership.status
    in_plan = exists().where(
        PlanProduct.plan_id == Plan.id,
        PlanProduct.product_id == Product.id,
        PlanProduct.removed_at.is_(None),
    )
    if prospective:
        showcased = true()
    else:
        showcased = exists().where(
            ShowcaseItem.creator_id == creator_id, ShowcaseItem.product_id == Product.id
        )
    is_targeted = Plan.kind == PlanKind.TARGETED.value
    could_ask = literal(Standing.NEEDS_APPROVAL.value) if prospective else null()
    return case(
        (and_(Plan.kind == PlanKind.STORE.value, showcased), Standing.NOW.value),
        (Plan.kind == PlanKind.STORE.value, null()),
        (~in_plan, null()),
        (and_(is_targeted, status == MembershipStatus.ACCEPTED.value), Standing.NOW.value),
        (and_(is_targeted, status == MembershipStatus.INVITED.value), Standing.INVITED.value),
        (is_targeted, null()),
        # Open plans from here on.
        (status == MembershipStatus.JOINED.value, Standing.NOW.value),
        (status == MembershipStatus.REJECTED.value, null()),
        (Plan.manual_approval.is_(False), Standing.NOW.value if prospective else null()),
        (status == MembershipStatus.PENDING.value, Standing.AWAITING_APPROVAL.value),
        else_=could_ask,
    )


def candidates_query(
    creator_id: int, at: datetime, *, prospective: bool = False, outlook: bool = False
) -> Select:
    """Every plan open to the creator per active product, with its rate and rank (1 wins).

    With ``outlook``, also the plans waiting for an answer: ``rank`` ranks them all,
    ``rank_now`` ranks each standing's plans among themselves (``standing = 'now'`` and
    ``rank_now = 1`` is the plan that applies now), ``rank_uninvited`` ranks those that wait
    for no invitation (``rank_uninvited = 1`` and not ``now``: the open plan to ask to join).
    """
    standing = _standing(creator_id, prospective)
    membership = and_(PlanMembership.plan_id == Plan.id, PlanMembership.creator_id == creator_id)
    found = (
        select(
            Product.id.label("product_id"),
            Plan.id.label("plan_id"),
            Plan.name.label("plan_name"),
            Plan.kind.label("kind"),
            _current_rate(at).label("base_bps"),
            _reached_tier(PlanRateTier.rate_bps).label("tier_bps"),
            _reached_tier(PlanRateTier.min_orders).label("tier_orders"),
            PRECEDENCE.label("precedence"),
            standing.label("standing"),
        )
        .join(Plan, Plan.store_id == Product.store_id)
        .outerjoin(PlanMembership, membership)
        .where(
            Product.status == ProductStatus.ACTIVE.value,
            Plan.status == PlanStatus.ACTIVE.value,
            Plan.starts_at <= at,
            or_(Plan.ends_at.is_(None), Plan.ends_at > at),
            standing.is_not(None) if outlook else standing == Standing.NOW.value,
        )
        .subquery("found")
    )
    # A tier raises the rate only above the plan's rate for the product (tiers only rise).
    tier_applies = and_(found.c.tier_bps.is_not(None), found.c.tier_bps > found.c.base_bps)
    ranked = select(
        found.c.product_id,
        found.c.plan_id,
        found.c.plan_name,
        found.c.kind,
        case((tier_applies, found.c.tier_bps), else_=found.c.base_bps).label("rate_bps"),
        case((tier_applies, found.c.tier_orders), else_=null()).label("tier_from"),
        found.c.precedence,
        found.c.standing,
    ).subquery("candidate")
    order = (ranked.c.precedence, ranked.c.rate_bps.desc(), ranked.c.plan_id)
    return select(
        ranked,
        func.row_number().over(partition_by=ranked.c.product_id, order_by=order).label("rank"),
        func.row_number()
        .over(partition_by=(ranked.c.product_id, ranked.c.standing), order_by=order)
        .label("rank_now"),
        func.row_number()
        .over(
            partition_by=(ranked.c.product_id, ranked.c.standing == Standing.INVITED.value),
            order_by=order,
        )
        .label("rank_uninvited"),
    ).where(ranked.c.rate_bps.is_not(None))


def winning_rates(
    creator_id: int, at: datetime | None = None, *, prospective: bool = False
) -> Subquery:
    """A subquery of ``(product_id, plan_id, plan_name, kind, rate_bps)``: one row per product
    the creator may promote, with the plan that applies. Join products to it to list, filter
    or sort by rate in the database."""
    at = at or utcnow()
    ranked = candidates_query(creator_id, at, prospective=prospective).subquery()
    return (
        select(
            ranked.c.product_id,
            ranked.c.plan_id,
            ranked.c.plan_name,
            ranked.c.kind,
            ranked.c.rate_bps,
        )
        .where(ranked.c.rank == literal(1))
        .subquery("winning_rate")
    )


def applicable_rates(
    creator_id: int,
    product_ids: Iterable[int],
    at: datetime | None = None,
    *,
    prospective: bool = False,
) -> dict[int, AppliedRate]:
    """The applied rate (with the plans it beat) for each product that has one: one query."""
    rows = ranked_rows(creator_id, product_ids, at, prospective=prospective, outlook=False)
    return {product_id: applied_from(product_id, group) for product_id, group in rows.items()}


def applicable_rate(
    creator_id: int,
    product_id: int,
    at: datetime | None = None,
    *,
    prospective: bool = False,
) -> AppliedRate | None:
    """Which plan and rate apply to ``creator_id`` selling ``product_id`` at ``at``; or None."""
    rates = applicable_rates(creator_id, [product_id], at, prospective=prospective)
    return rates.get(product_id)


def ranked_rows(
    creator_id: int,
    product_ids: Iterable[int],
    at: datetime | None,
    *,
    prospective: bool,
    outlook: bool,
) -> dict[int, list]:
    """The candidate rows of each product, best first (``candidates_query``): one query."""
    ids = list(product_ids)
    if not ids:
        return {}
    query = candidates_query(creator_id, at or utcnow(), prospective=prospective, outlook=outlook)
    ranked = query.subquery()
    rows = db.session.execute(
        select(ranked).where(ranked.c.product_id.in_(ids)).order_by(ranked.c.product_id, "rank")
    ).all()
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.product_id, []).append(row)
    return grouped


def applied_from(product_id: int, rows: Sequence) -> AppliedRate:
    """The first of ``rows`` (best first) as the applied rate, beating the rest."""
    best, *rest = rows
    return AppliedRate(
        product_id=product_id,
        plan_id=best.plan_id,
        plan_name=best.plan_name,
        kind=PlanKind(best.kind),
        rate_bps=best.rate_bps,
        beaten=tuple(
            Candidate(r.plan_id, r.plan_name, PlanKind(r.kind), r.rate_bps, r.tier_from)
            for r in rest
        ),
        tier_from=best.tier_from,
    )
