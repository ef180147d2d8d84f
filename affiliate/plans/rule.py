"""The commission rule: which plan and rate apply to creator C selling product P at time T.

Among the plans that are active at T, include P, and are open to C, the most specific kind
wins (targeted > open > store); between plans of one kind the higher rate wins, then the
older plan. "Open to C" means: targeted, C accepted the invitation; open, C joined (and was
approved where the plan asks for it); store, C has P in their showcase. The rate is the
plan's latest rate effective at T.

With ``prospective=True`` the rule answers what C *could* earn (the marketplace, and the check
before adding to a showcase): store plans count as if P were showcased, and open plans count
unless the seller rejected C; targeted plans still need an accepted invitation.

The rule is one SQL statement (a window over the candidate plans), used for a single product,
for a page of the marketplace, and as a subquery to sort and filter by rate. A plan's status
is read as it is now: the rule is asked at the moment of the sale and the answer is
snapshotted on the order line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, case, exists, func, literal, or_, select, true
from sqlalchemy.sql import Subquery

from affiliate.extensions import db
from affiliate.money import percent_of
from affiliate.plans.models import (
    MembershipStatus,
    Plan,
    PlanKind,
    PlanMembership,
    PlanProduct,
    PlanRate,
    PlanStatus,
    ShowcaseItem,
)
from affiliate.types import utcnow
from shop.catalog.models import Product, ProductStatus

PRECEDENCE = case(
    (Plan.kind == PlanKind.TARGETED.value, 0),
    (Plan.kind == PlanKind.OPEN.value, 1),
    else_=2,
)


@dataclass(frozen=True)
class Candidate:
    plan_id: int
    plan_name: str
    kind: PlanKind
    rate_bps: int

    def describe(self) -> str:
        return f"{self.kind.value} plan {self.plan_name}, {format_rate(self.rate_bps)}"


@dataclass(frozen=True)
class AppliedRate:
    """The winning plan for one product, and the plans it beat (best first)."""

    product_id: int
    plan_id: int
    plan_name: str
    kind: PlanKind
    rate_bps: int
    beaten: tuple[Candidate, ...] = ()

    def commission_on(self, amount: int) -> int:
        """Commission on an amount paid, rounded half-up to the cent."""
        return percent_of(amount, self.rate_bps)

    def explain(self) -> str:
        """Why this rate: ``targeted plan Spring, 25%, beats open plan Everyday, 15%``."""
        winner = Candidate(self.plan_id, self.plan_name, self.kind, self.rate_bps).describe()
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


def _membership(creator_id: int, *statuses: str):
    return exists().where(
        PlanMembership.plan_id == Plan.id,
        PlanMembership.creator_id == creator_id,
        PlanMembership.status.in_(statuses),
    )


def _open_to_creator(creator_id: int, prospective: bool):
    in_plan = exists().where(
        PlanProduct.plan_id == Plan.id,
        PlanProduct.product_id == Product.id,
        PlanProduct.removed_at.is_(None),
    )
    accepted = _membership(creator_id, MembershipStatus.ACCEPTED.value)
    if prospective:
        showcased = true()
        open_member = ~_membership(creator_id, MembershipStatus.REJECTED.value)
    else:
        showcased = exists().where(
            ShowcaseItem.creator_id == creator_id, ShowcaseItem.product_id == Product.id
        )
        open_member = _membership(creator_id, MembershipStatus.JOINED.value)
    return or_(
        and_(Plan.kind == PlanKind.STORE.value, showcased),
        and_(Plan.kind == PlanKind.TARGETED.value, in_plan, accepted),
        and_(Plan.kind == PlanKind.OPEN.value, in_plan, open_member),
    )


def candidates_query(creator_id: int, at: datetime, *, prospective: bool = False) -> Select:
    """Every plan open to the creator per active product, with its rate and rank (1 wins)."""
    rate = _current_rate(at).label("rate_bps")
    ranked = (
        select(
            Product.id.label("product_id"),
            Plan.id.label("plan_id"),
            Plan.name.label("plan_name"),
            Plan.kind.label("kind"),
            rate,
            PRECEDENCE.label("precedence"),
        )
        .join(Plan, Plan.store_id == Product.store_id)
        .where(
            Product.status == ProductStatus.ACTIVE.value,
            Plan.status == PlanStatus.ACTIVE.value,
            Plan.starts_at <= at,
            or_(Plan.ends_at.is_(None), Plan.ends_at > at),
            _open_to_creator(creator_id, prospective),
        )
        .subquery("candidate")
    )
    return select(
        ranked,
        func.row_number()
        .over(
            partition_by=ranked.c.product_id,
            order_by=(ranked.c.precedence, ranked.c.rate_bps.desc(), ranked.c.plan_id),
        )
        .label("rank"),
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
    ids = list(product_ids)
    if not ids:
        return {}
    query = candidates_query(creator_id, at or utcnow(), prospective=prospective)
    ranked = query.subquery()
    rows = db.session.execute(
        select(ranked).where(ranked.c.product_id.in_(ids)).order_by(ranked.c.product_id, "rank")
    ).all()
    return _assemble(rows)


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


def _assemble(rows: Sequence) -> dict[int, AppliedRate]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.product_id, []).append(row)
    result = {}
    for product_id, group in grouped.items():
        best, *rest = group
        result[product_id] = AppliedRate(
            product_id=product_id,
            plan_id=best.plan_id,
            plan_name=best.plan_name,
            kind=PlanKind(best.kind),
            rate_bps=best.rate_bps,
            beaten=tuple(
                Candidate(r.plan_id, r.plan_name, PlanKind(r.kind), r.rate_bps) for r in rest
            ),
        )
    return result
