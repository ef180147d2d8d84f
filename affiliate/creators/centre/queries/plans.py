"""The creator's side of plans, as the centre's pages show it: invitations waiting for an answer
(with what each product would pay), the plans joined, and the showcase with its rates.

Each row says what the creator may do with it and what a sale pays, so the templates ask rather
than compare states or compute money.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import defer, raiseload

from affiliate.plans.commission.outlook import Prospect, RateOutlook, rate_outlooks
from affiliate.plans.commission.rule import AppliedRate, Standing
from affiliate.plans.models import (
    MembershipStatus,
    Plan,
    PlanMembership,
    PlanProduct,
    PlanRate,
    PlanStatus,
    ShowcaseItem,
)
from affiliate.plans.showcase import ShowcaseRow, WaitingRow
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Product

# ---------------------------------------------------------------------------- invitations


def _pending_invitations() -> Select:
    return (
        select(PlanMembership.id)
        .join(Plan, Plan.id == PlanMembership.plan_id)
        .where(
            PlanMembership.status == MembershipStatus.INVITED.value,
            Plan.status != PlanStatus.ENDED.value,
        )
    )


def pending_invitation_count(creator_id: int) -> int:
    """How many invitations wait for the creator's answer (the nav's badge)."""
    statement = _pending_invitations().where(PlanMembership.creator_id == creator_id)
    return db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0


@dataclass(frozen=True)
class InvitedProduct:
    """A product of a plan the creator is invited to, with the plan's rate in force, what a
    sale pays the creator now, and whether accepting would make the plan apply."""

    product: Product
    rate_bps: int | None
    plan_id: int = 0
    outlook: RateOutlook | None = None
    in_showcase: bool = False

    @property
    def if_accepted(self) -> Prospect | None:
        """The rate accepting would bring (None: another plan wins, or the plan is not
        running now)."""
        return self.outlook.if_granted(self.plan_id) if self.outlook is not None else None

    @property
    def now(self) -> AppliedRate | None:
        """What a sale pays now (showcased), or once added (``RateOutlook.by_adding``)."""
        if self.outlook is None:
            return None
        return self.outlook.now if self.in_showcase else self.outlook.by_adding

    @property
    def commission_if_accepted(self) -> int | None:
        """What one sale at the list price would pay once the creator accepts."""
        accepted = self.if_accepted
        return accepted.commission_on(self.product.price) if accepted is not None else None


def invitation_products(
    creator_id: int, plan_ids: Iterable[int], at: datetime | None = None
) -> dict[int, list[InvitedProduct]]:
    """The products of each plan with their rate in force now, and the creator's outlook on
    each (the rule's, as if showcased): two statements for all plans."""
    ids = list(plan_ids)
    if not ids:
        return {}
    at = at or utcnow()
    rate = (
        select(PlanRate.rate_bps)
        .where(
            PlanRate.plan_id == PlanProduct.plan_id,
            PlanRate.product_id == PlanProduct.product_id,
            PlanRate.effective_at <= at,
        )
        .order_by(PlanRate.effective_at.desc(), PlanRate.id.desc())
        .limit(1)
        .correlate(PlanProduct)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            PlanProduct.plan_id,
            Product,
            rate.label("rate_bps"),
            exists()
            .where(ShowcaseItem.creator_id == creator_id, ShowcaseItem.product_id == Product.id)
            .label("in_showcase"),
        )
        .join(Product, and_(Product.id == PlanProduct.product_id))
        .where(PlanProduct.plan_id.in_(ids), PlanProduct.removed_at.is_(None))
        .options(
            defer(Product.description, raiseload=True),
            raiseload(Product.store),
            raiseload(Product.category),
            raiseload(Product.variants),
            raiseload(Product.images),
        )
        .order_by(PlanProduct.plan_id, Product.title, Product.id)
    ).all()
    outlooks = rate_outlooks(creator_id, {row.Product.id for row in rows}, at, prospective=True)
    grouped: dict[int, list[InvitedProduct]] = {plan_id: [] for plan_id in ids}
    for row in rows:
        outlook = outlooks.get(row.Product.id)
        grouped[row.plan_id].append(
            InvitedProduct(row.Product, row.rate_bps, row.plan_id, outlook, bool(row.in_showcase))
        )
    return grouped


@dataclass(frozen=True)
class Invitation:
    """An invitation waiting for the creator, with its plan's products."""

    membership: PlanMembership
    products: list[InvitedProduct]

    @property
    def plan(self) -> Plan:
        return self.membership.plan

    @property
    def idle_note(self) -> str | None:
        """Why the plan pays nothing for now (paused or ended), or None while it runs."""
        status = self.plan.status
        return None if status == PlanStatus.ACTIVE.value else f"the plan is {status}"


def invitations(creator_id: int, memberships: Sequence[PlanMembership]) -> list[Invitation]:
    """The invitations with their products: two statements for all of them."""
    products = invitation_products(creator_id, (m.plan_id for m in memberships))
    return [Invitation(m, products.get(m.plan_id, [])) for m in memberships]


# ---------------------------------------------------------------------------- memberships


#: How each membership status reads to the creator, and its badge's colour.
MEMBERSHIP_LABELS = {
    MembershipStatus.INVITED: ("Waiting for your answer", "text-bg-warning"),
    MembershipStatus.ACCEPTED: ("Accepted", "text-bg-success"),
    MembershipStatus.DECLINED: ("Declined", "text-bg-secondary"),
    MembershipStatus.PENDING: ("Waiting for the seller", "text-bg-warning"),
    MembershipStatus.JOINED: ("Joined", "text-bg-success"),
    MembershipStatus.REJECTED: ("Not approved by the seller", "text-bg-danger"),
    MembershipStatus.LEFT: ("Left", "text-bg-secondary"),
}


@dataclass(frozen=True)
class MembershipRow:
    membership: PlanMembership

    @property
    def plan(self) -> Plan:
        return self.membership.plan

    @property
    def label(self) -> str:
        return MEMBERSHIP_LABELS[MembershipStatus(self.membership.status)][0]

    @property
    def badge(self) -> str:
        return MEMBERSHIP_LABELS[MembershipStatus(self.membership.status)][1]

    @property
    def can_answer(self) -> bool:
        return self.membership.status == MembershipStatus.INVITED.value

    @property
    def plan_note(self) -> str | None:
        """The plan's status when it does not run (paused, ended), else None."""
        status = self.plan.status
        return None if status == PlanStatus.ACTIVE.value else status


def membership_rows(memberships: Iterable[PlanMembership]) -> list[MembershipRow]:
    return [MembershipRow(membership) for membership in memberships]


# ---------------------------------------------------------------------------- showcase


@dataclass(frozen=True)
class ShowcaseEntry:
    """A product of the creator's showcase, with what a sale pays now and once an answer
    comes."""

    row: ShowcaseRow

    @property
    def product(self) -> Product:
        return self.row.product

    @property
    def applied(self) -> AppliedRate | None:
        return self.row.applied

    @property
    def next(self) -> Prospect | None:
        return self.row.next

    @property
    def commission_now(self) -> int | None:
        """One sale at the list price, under the plan that applies now."""
        applied = self.row.applied
        return applied.commission_on(self.product.price) if applied is not None else None

    @property
    def commission_next(self) -> int | None:
        """One sale at the list price, once the waited-for answer comes."""
        waiting = self.row.next
        return waiting.commission_on(self.product.price) if waiting is not None else None

    @property
    def awaits_approval(self) -> bool:
        return self.next is not None and self.next.standing is Standing.AWAITING_APPROVAL

    @property
    def can_answer_invitation(self) -> bool:
        return self.next is not None and self.next.standing is Standing.INVITED


def showcase_entries(rows: Iterable[ShowcaseRow]) -> list[ShowcaseEntry]:
    return [ShowcaseEntry(row) for row in rows]


@dataclass(frozen=True)
class WaitingEntry:
    """A product waiting for the seller's approval, with what a sale would pay once approved."""

    row: WaitingRow

    @property
    def product(self) -> Product:
        return self.row.product

    @property
    def plan(self) -> Plan:
        return self.row.plan

    @property
    def prospect(self) -> Prospect | None:
        return self.row.prospect

    @property
    def commission_if_approved(self) -> int | None:
        prospect = self.row.prospect
        return prospect.commission_on(self.product.price) if prospect is not None else None


def waiting_entries(rows: Iterable[WaitingRow]) -> list[WaitingEntry]:
    return [WaitingEntry(row) for row in rows]
