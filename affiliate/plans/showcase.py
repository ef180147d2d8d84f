"""Showcases: what a creator promotes, adding to one, and the products that wait for an open
plan's approval to join it.

A product joins the creator's showcase when a plan open to them covers it now (the rule's
rate now, ``prospective``). Where the plan that would apply is an open plan that approves its
joiners, adding asks to join that plan instead: the product waits as a ``ShowcaseRequest``,
is not promotable meanwhile, and joins the showcase when the seller approves the creator (or
goes when they decline). A product already in the showcase keeps earning the rate now while
its better plan waits for the seller.

Plain functions over ids; they flush, the caller commits. ``affiliate.plans.memberships``
calls them (adding joins a plan; approving or declining a joiner admits or drops their waiting
products), so this module never imports it. A creator's public page shows their showcase
through ``affiliate.profiles.hooks`` (``connect_profile_page``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from flask import Flask
from sqlalchemy import ColumnElement, delete, exists, select
from sqlalchemy.orm import raiseload

from affiliate.plans.commission.outlook import Prospect, RateOutlook, rate_outlooks
from affiliate.plans.commission.rule import AppliedRate, Standing
from affiliate.plans.exceptions import NoApplicablePlan, NotFound
from affiliate.plans.models import (
    MembershipStatus,
    Plan,
    PlanKind,
    PlanMembership,
    PlanStatus,
    ShowcaseItem,
    ShowcaseRequest,
)
from affiliate.profiles import hooks as profile_hooks
from affiliate.profiles.models import CreatorProfile
from core.extensions import db
from shop.catalog.models import Product, ProductStatus, Store


@dataclass(frozen=True)
class ShowcaseStep:
    """What adding a product will do, decided before anything is written."""

    product: Product
    item: ShowcaseItem | None  # in the showcase already
    now: AppliedRate | None  # the rate a sale would pay now, once showcased
    ask: Prospect | None = None  # an open plan to ask to join (it would apply once approved)
    join_plan_id: int | None = None  # an open plan to join first (at once, or asking)


@dataclass(frozen=True)
class ShowcaseAddition:
    """What adding did: the product is in the showcase (``item``), and/or waits for the
    seller to approve the creator for ``awaiting`` (then it joins, at that plan's rate)."""

    product: Product
    item: ShowcaseItem | None
    now: AppliedRate | None
    awaiting: Prospect | None = None


@dataclass(frozen=True)
class ShowcaseRow:
    item: ShowcaseItem
    product: Product
    applied: AppliedRate | None  # what a sale pays now
    next: Prospect | None = None  # what it would become once an answer comes


@dataclass(frozen=True)
class ShowcaseEntry:
    """A product on a creator's public page."""

    product_id: int
    title: str
    price: int
    currency: str
    thumb_path: str | None
    store_name: str
    store_handle: str


@dataclass(frozen=True)
class WaitingRow:
    """A product waiting for the seller's approval, with what it would earn once approved."""

    request: ShowcaseRequest
    product: Product
    plan: Plan
    prospect: Prospect | None


def _showcased(creator_id: int, product_id: int) -> ShowcaseItem | None:
    return db.session.scalar(
        select(ShowcaseItem).where(
            ShowcaseItem.creator_id == creator_id, ShowcaseItem.product_id == product_id
        )
    )


def _joined(plan_id: int, creator_id: int) -> bool:
    status = db.session.scalar(
        select(PlanMembership.status).where(
            PlanMembership.plan_id == plan_id, PlanMembership.creator_id == creator_id
        )
    )
    return status == MembershipStatus.JOINED.value


def _nothing_now(product: Product, outlook: RateOutlook | None) -> NoApplicablePlan:
    invited = outlook.next if outlook is not None else None
    if invited is not None and invited.standing is Standing.INVITED:
        return NoApplicablePlan(
            f"Accept the invitation to “{invited.plan_name}” first: “{product.title}” would "
            f"then earn you {invited.describe().removesuffix(' if you accept')}."
        )
    return NoApplicablePlan(f"No plan open to you covers “{product.title}” for now.")


def plan_addition(creator_id: int, product_id: int) -> ShowcaseStep:
    """Decide what adding ``product_id`` does; ``NotFound`` or ``NoApplicablePlan`` if nothing."""
    item = _showcased(creator_id, product_id)
    product = db.session.get(Product, product_id)
    if product is None or product.status != ProductStatus.ACTIVE.value:
        if item is not None and product is not None:
            return ShowcaseStep(product, item, None)
        raise NotFound("That product is not on sale.")
    outlook = rate_outlooks(creator_id, [product_id], prospective=True).get(product_id)
    now = outlook.now if outlook is not None else None
    ask = outlook.to_ask if outlook is not None else None
    if ask is not None:
        join = ask.plan_id if ask.standing is Standing.NEEDS_APPROVAL else None
        return ShowcaseStep(product, item, now, ask=ask, join_plan_id=join)
    if item is not None:
        return ShowcaseStep(product, item, now)
    if now is None:
        raise _nothing_now(product, outlook)
    join = None
    if now.kind is PlanKind.OPEN and not _joined(now.plan_id, creator_id):
        join = now.plan_id
    return ShowcaseStep(product, None, now, join_plan_id=join)


def complete_addition(creator_id: int, step: ShowcaseStep) -> ShowcaseAddition:
    """Write what ``plan_addition`` decided (after the caller joined ``join_plan_id``)."""
    product = step.product
    if step.ask is not None:
        if step.item is None:
            _queue(creator_id, product.id, step.ask.plan_id)
        awaiting = replace(step.ask, standing=Standing.AWAITING_APPROVAL)
        return ShowcaseAddition(product, step.item, step.now, awaiting=awaiting)
    item = step.item
    if item is None:
        item = ShowcaseItem(creator_id=creator_id, product_id=product.id)
        db.session.add(item)
        db.session.execute(
            delete(ShowcaseRequest).where(
                ShowcaseRequest.creator_id == creator_id, ShowcaseRequest.product_id == product.id
            )
        )
    db.session.flush()
    return ShowcaseAddition(product, item, step.now)


def _queue(creator_id: int, product_id: int, plan_id: int) -> ShowcaseRequest:
    request = db.session.scalar(
        select(ShowcaseRequest).where(
            ShowcaseRequest.creator_id == creator_id, ShowcaseRequest.product_id == product_id
        )
    )
    if request is None:
        request = ShowcaseRequest(creator_id=creator_id, product_id=product_id, plan_id=plan_id)
        db.session.add(request)
    else:
        request.plan_id = plan_id  # asked again: through the plan that would apply now
    db.session.flush()
    return request


def admit_requests(plan_id: int, creator_id: int) -> int:
    """The seller approved the creator: their products waiting for the plan join the
    showcase. Returns how many joined."""
    waiting = list(
        db.session.scalars(
            select(ShowcaseRequest.product_id).where(
                ShowcaseRequest.plan_id == plan_id, ShowcaseRequest.creator_id == creator_id
            )
        )
    )
    if not waiting:
        return 0
    showcased = set(
        db.session.scalars(
            select(ShowcaseItem.product_id).where(
                ShowcaseItem.creator_id == creator_id, ShowcaseItem.product_id.in_(waiting)
            )
        )
    )
    joined = [pid for pid in waiting if pid not in showcased]
    for product_id in joined:
        db.session.add(ShowcaseItem(creator_id=creator_id, product_id=product_id))
    drop_requests(plan_id, creator_id)
    return len(joined)


def drop_requests(plan_id: int, creator_id: int) -> None:
    """Forget the creator's products waiting for the plan (declined, or admitted)."""
    db.session.execute(
        delete(ShowcaseRequest).where(
            ShowcaseRequest.plan_id == plan_id, ShowcaseRequest.creator_id == creator_id
        )
    )
    db.session.flush()


def awaiting_approval(creator_id: int, product_id: Any) -> ColumnElement[bool]:
    """An ``EXISTS`` clause: ``product_id`` (a column or an id) waits in the creator's
    showcase requests for a plan that has not answered yet."""
    return exists().where(
        ShowcaseRequest.creator_id == creator_id,
        ShowcaseRequest.product_id == product_id,
        PlanMembership.plan_id == ShowcaseRequest.plan_id,
        PlanMembership.creator_id == creator_id,
        PlanMembership.status == MembershipStatus.PENDING.value,
        Plan.id == ShowcaseRequest.plan_id,
        Plan.status != PlanStatus.ENDED.value,
    )


def waiting_of(creator_id: int) -> list[WaitingRow]:
    """The creator's products waiting for a seller's approval, newest first (two queries)."""
    rows = db.session.execute(
        select(ShowcaseRequest, Product, Plan)
        .join(Product, Product.id == ShowcaseRequest.product_id)
        .join(Plan, Plan.id == ShowcaseRequest.plan_id)
        .join(
            PlanMembership,
            (PlanMembership.plan_id == Plan.id) & (PlanMembership.creator_id == creator_id),
        )
        .where(
            ShowcaseRequest.creator_id == creator_id,
            PlanMembership.status == MembershipStatus.PENDING.value,
            Plan.status != PlanStatus.ENDED.value,
        )
        .order_by(ShowcaseRequest.created_at.desc(), ShowcaseRequest.id.desc())
        .options(raiseload(Product.variants), raiseload(Product.images))
    ).all()
    outlooks = rate_outlooks(creator_id, [product.id for _, product, _ in rows], prospective=True)
    result = []
    for request, product, plan in rows:
        outlook = outlooks.get(product.id)
        prospect = outlook.if_granted(plan.id) if outlook is not None else None
        result.append(WaitingRow(request, product, plan, prospect))
    return result


def remove_from_showcase(creator_id: int, product_id: int) -> bool:
    """Take a product out of the showcase; False if it was not there."""
    result = db.session.execute(
        delete(ShowcaseItem).where(
            ShowcaseItem.creator_id == creator_id, ShowcaseItem.product_id == product_id
        )
    )
    db.session.flush()
    return bool(result.rowcount)


def showcase_of(creator_id: int) -> list[ShowcaseRow]:
    """The creator's showcase, newest first, each with the rate that applies now and what a
    plan waiting for an answer would make it (2 queries).

    Products come with their store and category; variants and images are not loaded (use
    ``cover_thumb_path`` and ``price``).
    """
    rows = db.session.execute(
        select(ShowcaseItem, Product)
        .join(Product, Product.id == ShowcaseItem.product_id)
        .where(ShowcaseItem.creator_id == creator_id)
        .order_by(ShowcaseItem.added_at.desc(), ShowcaseItem.id.desc())
        .options(raiseload(Product.variants), raiseload(Product.images))
    ).all()
    outlooks = rate_outlooks(creator_id, [product.id for _, product in rows])
    result = []
    for item, product in rows:
        outlook = outlooks.get(product.id) or RateOutlook(product.id, None)
        result.append(ShowcaseRow(item, product, outlook.now, outlook.next))
    return result


def public_showcase(creator_id: int) -> list[ShowcaseEntry]:
    """The creator's showcased products that are on sale, newest first: one query."""
    rows = db.session.execute(
        select(
            Product.id,
            Product.title,
            Product.price,
            Product.currency,
            Product.cover_thumb_path,
            Store.name,
            Store.handle,
        )
        .select_from(ShowcaseItem)
        .join(Product, Product.id == ShowcaseItem.product_id)
        .join(Store, Store.id == Product.store_id)
        .where(
            ShowcaseItem.creator_id == creator_id,
            Product.status == ProductStatus.ACTIVE.value,
        )
        .order_by(ShowcaseItem.added_at.desc(), ShowcaseItem.id.desc())
    ).all()
    return [ShowcaseEntry(*row) for row in rows]


def profile_section(profile: CreatorProfile, viewer: Any) -> Mapping[str, Any]:
    """The showcase on the creator's public page."""
    return {"showcase": public_showcase(profile.user_id)}


def connect_profile_page(app: Flask) -> None:
    """Show creators' showcases on their public pages."""
    profile_hooks.add_profile_section(app, profile_section)
