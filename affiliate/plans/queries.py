"""What plan pages read: a store's plans with their counts, one plan's products, rates and
creators, what its seller may do with it, and a creator's invitations and memberships.

Each function is a fixed number of statements whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import raiseload

from affiliate.plans.models import (
    EARNING_STATUSES,
    PLAN_STATES,
    MembershipStatus,
    Plan,
    PlanKind,
    PlanMembership,
    PlanProduct,
    PlanRate,
    PlanStatus,
)
from affiliate.plans.rates import current_rates, scheduled_rates
from affiliate.profiles.models import CreatorProfile
from core.accounts.models import Role, User, UserRole
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Product, ProductStatus, Store

# ---------------------------------------------------------------------------------------------
# What the seller may do
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanActions:
    """What the seller may do with a plan now: its page shows these buttons and forms only."""

    pause: bool = False
    resume: bool = False
    end: bool = False
    change_rates: bool = False  # a running plan's rates change (with notice for a cut)
    change_products: bool = False  # open and targeted plans list their products
    invite: bool = False  # targeted plans invite creators
    #: Open and targeted plans list products (each at its rate) and creators; a store plan has
    #: one rate for every product, and any creator may promote them.
    lists_products: bool = False


def plan_actions(plan: Plan) -> PlanActions:
    allowed = PLAN_STATES.allowed(plan)
    running = not plan.has_ended
    listed = plan.kind != PlanKind.STORE.value
    return PlanActions(
        pause=PlanStatus.PAUSED in allowed,
        resume=PlanStatus.ACTIVE in allowed,
        end=PlanStatus.ENDED in allowed,
        change_rates=running,
        change_products=running and listed,
        invite=running and plan.kind == PlanKind.TARGETED.value,
        lists_products=listed,
    )


# ---------------------------------------------------------------------------------------------
# A store's plans
# ---------------------------------------------------------------------------------------------


def plans_of_store(store_id: int) -> list[Plan]:
    """The store's plans: the store plan first, then the newest."""
    query = (
        select(Plan)
        .where(Plan.store_id == store_id)
        .order_by(
            (Plan.kind == PlanKind.STORE.value).desc(), Plan.created_at.desc(), Plan.id.desc()
        )
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class PlanCounts:
    joined: int = 0
    pending: int = 0
    invited: int = 0
    products: int = 0


def plan_counts(plan_ids: list[int]) -> dict[int, PlanCounts]:
    """Creators joined (or accepted), waiting, invited, and products per plan (two queries)."""
    if not plan_ids:
        return {}
    tallies: dict[int, dict[str, int]] = {pid: {} for pid in plan_ids}
    members = db.session.execute(
        select(PlanMembership.plan_id, PlanMembership.status, func.count())
        .where(PlanMembership.plan_id.in_(plan_ids))
        .group_by(PlanMembership.plan_id, PlanMembership.status)
    )
    for plan_id, status, count in members:
        tallies[plan_id][status] = count
    products = db.session.execute(
        select(PlanProduct.plan_id, func.count())
        .where(PlanProduct.plan_id.in_(plan_ids), PlanProduct.removed_at.is_(None))
        .group_by(PlanProduct.plan_id)
    )
    for plan_id, count in products:
        tallies[plan_id]["products"] = count
    return {
        pid: PlanCounts(
            joined=t.get(MembershipStatus.JOINED.value, 0)
            + t.get(MembershipStatus.ACCEPTED.value, 0),
            pending=t.get(MembershipStatus.PENDING.value, 0),
            invited=t.get(MembershipStatus.INVITED.value, 0),
            products=t.get("products", 0),
        )
        for pid, t in tallies.items()
    }


@dataclass(frozen=True)
class StorePlanPanel:
    """The store plan (if any), its rate now and the cut announced last."""

    plan: Plan | None = None
    rate: PlanRate | None = None
    cut: PlanRate | None = None

    @property
    def earning(self) -> bool:
        """The store plan runs: creators earn its rate on new orders."""
        return self.plan is not None and self.plan.status == PlanStatus.ACTIVE.value

    @property
    def editable(self) -> bool:
        """The seller may start the store plan, or change its rate or turn it on or off."""
        return self.plan is None or not self.plan.has_ended


@dataclass(frozen=True)
class StorePlans:
    """The seller's plans page: the store plan, then the open and targeted plans."""

    store_plan: StorePlanPanel
    plans: list[Plan] = field(default_factory=list)
    counts: dict[int, PlanCounts] = field(default_factory=dict)


def store_plans(store: Store) -> StorePlans:
    plans = plans_of_store(store.id)
    store_plan = next((p for p in plans if p.kind == PlanKind.STORE.value), None)
    others = [p for p in plans if p.kind != PlanKind.STORE.value]
    panel = StorePlanPanel()
    if store_plan is not None:
        scheduled = scheduled_rates(store_plan)
        panel = StorePlanPanel(
            store_plan, current_rates(store_plan).get(None), scheduled[-1] if scheduled else None
        )
    return StorePlans(panel, others, plan_counts([p.id for p in others]))


# ---------------------------------------------------------------------------------------------
# One plan
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductRateRow:
    product: Product
    rate: PlanRate | None
    scheduled: list[PlanRate]


def plan_products(plan: Plan, at: datetime | None = None) -> list[ProductRateRow]:
    """The plan's products (a store plan: none) with their current and scheduled rates."""
    at = at or utcnow()
    ids = [pp.product_id for pp in plan.products if pp.removed_at is None]
    if not ids:
        return []
    products = db.session.scalars(
        select(Product)
        .where(Product.id.in_(ids))
        .order_by(Product.title, Product.id)
        .options(raiseload(Product.variants), raiseload(Product.images))
    ).all()
    current = current_rates(plan, at)
    upcoming: dict[int | None, list[PlanRate]] = {}
    for rate in scheduled_rates(plan, at):
        upcoming.setdefault(rate.product_id, []).append(rate)
    return [ProductRateRow(p, current.get(p.id), upcoming.get(p.id, [])) for p in products]


@dataclass(frozen=True)
class MemberRow:
    membership: PlanMembership
    user: User
    handle: str | None

    @property
    def since(self) -> datetime:
        return self.membership.responded_at or self.membership.created_at


def plan_members(plan: Plan) -> list[MemberRow]:
    """The plan's creators with their accounts and handles, oldest first (one query)."""
    rows = db.session.execute(
        select(PlanMembership, User, CreatorProfile.handle)
        .join(User, User.id == PlanMembership.creator_id)
        .outerjoin(CreatorProfile, CreatorProfile.user_id == User.id)
        .where(PlanMembership.plan_id == plan.id)
        .order_by(PlanMembership.created_at, PlanMembership.id)
    ).all()
    return [MemberRow(m, u, h) for m, u, h in rows]


@dataclass(frozen=True)
class MemberGroups:
    """A plan's creators by where they stand: earning, waiting for the seller, invited."""

    joined: list[MemberRow] = field(default_factory=list)
    pending: list[MemberRow] = field(default_factory=list)
    invited: list[MemberRow] = field(default_factory=list)
    other: list[MemberRow] = field(default_factory=list)  # declined, rejected or left


def members_by_standing(members: Iterable[MemberRow]) -> MemberGroups:
    groups = MemberGroups()
    for row in members:
        status = row.membership.status
        if status in EARNING_STATUSES:
            groups.joined.append(row)
        elif status == MembershipStatus.PENDING.value:
            groups.pending.append(row)
        elif status == MembershipStatus.INVITED.value:
            groups.invited.append(row)
        else:
            groups.other.append(row)
    return groups


def store_products(store: Store) -> list[Product]:
    """The store's products that a plan may take (not archived), by title."""
    query = (
        select(Product)
        .where(Product.store_id == store.id, Product.status != ProductStatus.ARCHIVED.value)
        .order_by(Product.title, Product.id)
        .options(raiseload(Product.variants), raiseload(Product.images))
    )
    return list(db.session.scalars(query))


def creators_by_ids(creator_ids: Iterable[int]) -> list[User]:
    """Creator accounts among ``creator_ids`` (for a form pre-filled from the directory)."""
    ids = {int(i) for i in creator_ids}
    if not ids:
        return []
    query = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.id.in_(ids), UserRole.role == Role.CREATOR.value)
        .order_by(User.display_name, User.id)
    )
    return list(db.session.scalars(query).unique())


# ---------------------------------------------------------------------------------------------
# A creator's plans
# ---------------------------------------------------------------------------------------------


def invitations_for(creator_id: int) -> list[PlanMembership]:
    """Invitations waiting for the creator, newest first (one query).

    Each membership's ``plan`` is loaded, and carries its ``store`` as a plain attribute
    (``membership.plan.store``), loaded by the same query.
    """
    rows = db.session.execute(
        select(PlanMembership, Store)
        .join(Plan, Plan.id == PlanMembership.plan_id)
        .join(Store, Store.id == Plan.store_id)
        .where(
            PlanMembership.creator_id == creator_id,
            PlanMembership.status == MembershipStatus.INVITED.value,
            Plan.status != PlanStatus.ENDED.value,
        )
        .order_by(PlanMembership.created_at.desc(), PlanMembership.id.desc())
    ).all()
    return [_with_store(membership, store) for membership, store in rows]


def memberships_for(creator_id: int) -> list[PlanMembership]:
    """Every plan the creator was invited to or joined, newest first, plan and store loaded."""
    rows = db.session.execute(
        select(PlanMembership, Store)
        .join(Plan, Plan.id == PlanMembership.plan_id)
        .join(Store, Store.id == Plan.store_id)
        .where(PlanMembership.creator_id == creator_id)
        .order_by(PlanMembership.created_at.desc(), PlanMembership.id.desc())
    ).all()
    return [_with_store(membership, store) for membership, store in rows]


def _with_store(membership: PlanMembership, store: Store) -> PlanMembership:
    membership.plan.store = store  # type: ignore[attr-defined]  # Plan has no store relationship
    return membership
