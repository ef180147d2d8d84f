"""Affiliate plans: creating and running them, invitations and joins, and creators' showcases.

Plain functions over ids and objects. They validate, change rows and flush; the caller (a
view, a job, the demo seeder) commits, so one action is one transaction. A refused change
raises a ``PlanError`` subclass before anything is written.

Rates are never edited in place: each change is a new ``PlanRate`` row with the moment it takes
effect. A raise applies at once; a cut for a product that some creator has in their showcase
waits out the notice period. A newer change supersedes a change that has not taken effect yet
(that row is deleted: it never applied to any order).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import raiseload

from affiliate.plans import notices, rule, showcase
from affiliate.plans.exceptions import (
    IllegalPlanTransition,
    InvalidRate,
    InvalidWindow,
    NotACreator,
    NotFound,
    NotInvited,
    PlanError,
    PlanNotJoinable,
    ProductNotInStore,
    StorePlanExists,
)
from affiliate.plans.models import (
    MAX_RATE_BPS,
    MIN_RATE_BPS,
    MembershipStatus,
    Plan,
    PlanKind,
    PlanMembership,
    PlanProduct,
    PlanRate,
    PlanStatus,
    ShowcaseItem,
)
from affiliate.plans.rule import AppliedRate, Prospect, format_rate
from affiliate.plans.showcase import ShowcaseAddition
from core.accounts.models import Role, User, UserRole
from core.audit import services as audit
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Product, ProductStatus, Store

NAME_MAX = 100
MESSAGE_MAX = 2000
STORE_PLAN_NAME = "Store plan"
_PERCENT = re.compile(r"(\d{1,3})(?:[.,](\d{1,2}))?")

# The plan state machine: ended is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    PlanStatus.ACTIVE.value: frozenset({PlanStatus.PAUSED.value, PlanStatus.ENDED.value}),
    PlanStatus.PAUSED.value: frozenset({PlanStatus.ACTIVE.value, PlanStatus.ENDED.value}),
    PlanStatus.ENDED.value: frozenset(),
}


# ---------------------------------------------------------------------------------------------
# Rates and windows
# ---------------------------------------------------------------------------------------------


def parse_rate_percent(text: str) -> int:
    """A percentage with at most two decimals (``"12.5"``, ``"12.5%"``) in basis points."""
    raw = (text or "").strip().removesuffix("%").strip()
    match = _PERCENT.fullmatch(raw)
    if not match:
        raise InvalidRate(
            f"Enter the rate as a percentage with at most two decimals, between "
            f"{format_rate(MIN_RATE_BPS)} and {format_rate(MAX_RATE_BPS)}."
        )
    try:
        value = Decimal(f"{match.group(1)}.{match.group(2) or '0'}")
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        raise InvalidRate("Enter the rate as a percentage.") from None
    return check_rate(int(value * 100))


def check_rate(rate_bps: int) -> int:
    """The rate if it is whole basis points between 1% and 80%; else ``InvalidRate``."""
    if isinstance(rate_bps, bool) or not isinstance(rate_bps, int):
        raise InvalidRate("A rate is a whole number of basis points.")
    if not MIN_RATE_BPS <= rate_bps <= MAX_RATE_BPS:
        raise InvalidRate(
            f"A rate is between {format_rate(MIN_RATE_BPS)} and {format_rate(MAX_RATE_BPS)}; "
            f"{format_rate(rate_bps)} is not."
        )
    return rate_bps


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _check_window(
    starts_at: datetime, ends_at: datetime | None
) -> tuple[datetime, datetime | None]:
    starts_at = _aware(starts_at)
    ends_at = _aware(ends_at) if ends_at is not None else None
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidWindow("The end date must come after the start date.")
    return starts_at, ends_at


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise PlanError(f"Give the plan a name of at most {NAME_MAX} characters.", field="name")
    return name


def _store_products(store: Store, product_ids: Iterable[int]) -> dict[int, Product]:
    """The store's own, non-archived products with these ids; else ``ProductNotInStore``."""
    ids = set(product_ids)
    if not ids:
        return {}
    found = {
        p.id: p
        for p in db.session.scalars(
            select(Product)
            .where(Product.id.in_(ids))
            .options(raiseload(Product.variants), raiseload(Product.images))
        )
    }
    for product_id in sorted(ids):
        product = found.get(product_id)
        if product is None or product.store_id != store.id:
            raise ProductNotInStore(f"Product #{product_id} is not one of your store's products.")
        if product.status == ProductStatus.ARCHIVED.value:
            raise ProductNotInStore(f"“{product.title}” is archived; restore it first.")
    return found


def _check_product_rates(store: Store, product_rates: Mapping[int, int]) -> dict[int, int]:
    if not product_rates:
        raise ProductNotInStore("Choose at least one product, with its rate.")
    rates = {int(pid): check_rate(rate) for pid, rate in product_rates.items()}
    _store_products(store, rates)
    return rates


def current_rates(plan: Plan, at: datetime | None = None) -> dict[int | None, PlanRate]:
    """The rate row in effect at ``at`` per product (``None``: a store plan's default)."""
    at = at or utcnow()
    rows = db.session.scalars(
        select(PlanRate)
        .where(PlanRate.plan_id == plan.id, PlanRate.effective_at <= at)
        .order_by(PlanRate.effective_at, PlanRate.id)
    )
    return {row.product_id: row for row in rows}


def scheduled_rates(plan: Plan, at: datetime | None = None) -> list[PlanRate]:
    """Rate changes announced but not yet in effect (cuts waiting out their notice)."""
    at = at or utcnow()
    query = (
        select(PlanRate)
        .where(PlanRate.plan_id == plan.id, PlanRate.effective_at > at)
        .order_by(PlanRate.effective_at, PlanRate.id)
    )
    return list(db.session.scalars(query))


def _add_rate(
    plan: Plan, product_id: int | None, rate_bps: int, effective_at: datetime
) -> PlanRate:
    now = utcnow()
    rate = PlanRate(
        plan_id=plan.id,
        product_id=product_id,
        rate_bps=rate_bps,
        effective_at=effective_at,
        announced_at=min(now, effective_at),
    )
    db.session.add(rate)
    return rate


def _audit(plan: Plan, action: str, actor_id: int | None, **fields: str | None) -> None:
    audit.record(
        actor_id=actor_id,
        action=f"plan.{action}",
        subject_type="plan",
        subject_id=plan.id,
        **fields,
    )


# ---------------------------------------------------------------------------------------------
# Creating plans
# ---------------------------------------------------------------------------------------------


def get_store_plan(store_id: int) -> Plan | None:
    query = select(Plan).where(Plan.store_id == store_id, Plan.kind == PlanKind.STORE.value)
    return db.session.scalar(query)


def create_store_plan(
    store: Store, rate_bps: int, *, now: datetime | None = None, actor_id: int | None = None
) -> Plan:
    """The store's one store plan; ``StorePlanExists`` if it has one already."""
    check_rate(rate_bps)
    now = now or utcnow()
    if get_store_plan(store.id) is not None:
        raise StorePlanExists("Your store already has a store plan; change its rate instead.")
    plan = Plan(
        store_id=store.id,
        kind=PlanKind.STORE.value,
        name=STORE_PLAN_NAME,
        status=PlanStatus.ACTIVE.value,
        starts_at=now,
        created_at=now,
        status_changed_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(plan)
            db.session.flush()
    except IntegrityError:
        raise StorePlanExists(
            "Your store already has a store plan; change its rate instead."
        ) from None
    _add_rate(plan, None, rate_bps, now)
    _audit(plan, "created", actor_id, to_state=format_rate(rate_bps), reason="store plan")
    db.session.flush()
    return plan


def set_store_plan(
    store: Store,
    rate_bps: int,
    *,
    active: bool = True,
    now: datetime | None = None,
    notice_days: int = 30,
    actor_id: int | None = None,
) -> Plan:
    """Create the store plan, or change its rate (``change_rate``) and turn it on or off."""
    check_rate(rate_bps)
    now = now or utcnow()
    plan = get_store_plan(store.id)
    if plan is None:
        plan = create_store_plan(store, rate_bps, now=now, actor_id=actor_id)
    else:
        if plan.status == PlanStatus.ENDED.value:
            raise IllegalPlanTransition("The store plan has ended; it cannot change any more.")
        current = current_rates(plan, now).get(None)
        pending = scheduled_rates(plan, now)
        if current is None or current.rate_bps != rate_bps or pending:
            change_rate(plan, None, rate_bps, now=now, notice_days=notice_days, actor_id=actor_id)
    if active and plan.status == PlanStatus.PAUSED.value:
        resume(plan, now=now, actor_id=actor_id)
    elif not active and plan.status == PlanStatus.ACTIVE.value:
        pause(plan, now=now, actor_id=actor_id)
    return plan


def _new_plan(
    store: Store,
    kind: PlanKind,
    *,
    name: str,
    product_rates: Mapping[int, int],
    starts_at: datetime,
    ends_at: datetime | None,
    manual_approval: bool = False,
    message: str = "",
    actor_id: int | None = None,
) -> Plan:
    name = _check_name(name)
    starts_at, ends_at = _check_window(starts_at, ends_at)
    rates = _check_product_rates(store, product_rates)
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise PlanError(f"Keep the message under {MESSAGE_MAX} characters.", field="message")
    now = utcnow()
    plan = Plan(
        store_id=store.id,
        kind=kind.value,
        name=name,
        status=PlanStatus.ACTIVE.value,
        message=message,
        manual_approval=manual_approval,
        starts_at=starts_at,
        ends_at=ends_at,
        created_at=now,
        status_changed_at=now,
    )
    db.session.add(plan)
    db.session.flush()
    effective_at = min(now, starts_at)
    for product_id, rate_bps in rates.items():
        db.session.add(PlanProduct(plan_id=plan.id, product_id=product_id))
        _add_rate(plan, product_id, rate_bps, effective_at)
    _audit(plan, "created", actor_id, reason=f"{kind.value} plan, {len(rates)} products")
    db.session.flush()
    return plan


def create_open_plan(
    store: Store,
    *,
    name: str,
    product_rates: dict[int, int],
    starts_at: datetime,
    ends_at: datetime | None = None,
    manual_approval: bool = False,
    actor_id: int | None = None,
) -> Plan:
    """An open plan: chosen products at their rates, which any creator may join."""
    return _new_plan(
        store,
        PlanKind.OPEN,
        name=name,
        product_rates=product_rates,
        starts_at=starts_at,
        ends_at=ends_at,
        manual_approval=manual_approval,
        actor_id=actor_id,
    )


def create_targeted_plan(
    store: Store,
    *,
    name: str,
    product_rates: dict[int, int],
    creator_ids: list[int],
    message: str = "",
    starts_at: datetime,
    ends_at: datetime | None = None,
    actor_id: int | None = None,
) -> Plan:
    """A targeted plan inviting ``creator_ids`` (each must hold the creator role)."""
    if not creator_ids:
        raise NotACreator("Choose at least one creator to invite.")
    _check_creators(creator_ids)
    plan = _new_plan(
        store,
        PlanKind.TARGETED,
        name=name,
        product_rates=product_rates,
        starts_at=starts_at,
        ends_at=ends_at,
        message=message,
        actor_id=actor_id,
    )
    invite(plan, creator_ids, actor_id=actor_id)
    return plan


# ---------------------------------------------------------------------------------------------
# Changing plans
# ---------------------------------------------------------------------------------------------


def _check_not_ended(plan: Plan) -> None:
    if plan.status == PlanStatus.ENDED.value:
        raise IllegalPlanTransition(f"“{plan.name}” has ended; it cannot change any more.")


def add_products(plan: Plan, product_rates: dict[int, int], *, actor_id: int | None = None) -> None:
    """Add products at their rates (at once) to an open or targeted plan."""
    if plan.kind == PlanKind.STORE.value:
        raise PlanError("A store plan covers every product of the store; it takes no list.")
    _check_not_ended(plan)
    store = db.session.get(Store, plan.store_id)
    assert store is not None
    rates = _check_product_rates(store, product_rates)
    existing = {pp.product_id: pp for pp in plan.products}
    for product_id in rates:
        if product_id in existing and existing[product_id].removed_at is None:
            raise PlanError(f"Product #{product_id} is already in “{plan.name}”; change its rate.")
    now = utcnow()
    for product_id, rate_bps in rates.items():
        if product_id in existing:
            existing[product_id].removed_at = None
        else:
            plan.products.append(PlanProduct(plan_id=plan.id, product_id=product_id))
        db.session.execute(
            delete(PlanRate).where(
                PlanRate.plan_id == plan.id,
                PlanRate.product_id == product_id,
                PlanRate.effective_at > now,
            )
        )
        _add_rate(plan, product_id, rate_bps, now)
    _audit(plan, "products_added", actor_id, reason=", ".join(f"#{pid}" for pid in rates))
    db.session.flush()


def remove_product(plan: Plan, product_id: int, *, actor_id: int | None = None) -> None:
    """Take a product out of an open or targeted plan from now on."""
    if plan.kind == PlanKind.STORE.value:
        raise PlanError("A store plan covers every product of the store; it takes no list.")
    _check_not_ended(plan)
    entry = _plan_product(plan, product_id)
    entry.removed_at = utcnow()
    _audit(plan, "product_removed", actor_id, reason=f"#{product_id}")
    db.session.flush()


def _plan_product(plan: Plan, product_id: int) -> PlanProduct:
    for entry in plan.products:
        if entry.product_id == product_id and entry.removed_at is None:
            return entry
    raise ProductNotInStore(f"Product #{product_id} is not in “{plan.name}”.")


def _is_showcased(plan: Plan, product_id: int | None) -> bool:
    query = select(ShowcaseItem.id).limit(1)
    if product_id is None:
        query = query.join(Product, Product.id == ShowcaseItem.product_id).where(
            Product.store_id == plan.store_id
        )
    else:
        query = query.where(ShowcaseItem.product_id == product_id)
    return db.session.scalar(query) is not None


def change_rate(
    plan: Plan,
    product_id: int | None,
    rate_bps: int,
    *,
    now: datetime | None = None,
    notice_days: int = 30,
    actor_id: int | None = None,
) -> PlanRate:
    """A new rate for a product (``None``: a store plan's default rate).

    A raise applies at once; a cut for a product in some creator's showcase takes effect after
    ``notice_days``; any other cut at once. A change not yet in effect is superseded.
    """
    check_rate(rate_bps)
    _check_not_ended(plan)
    now = now or utcnow()
    if plan.kind == PlanKind.STORE.value:
        if product_id is not None:
            raise ProductNotInStore("A store plan has one rate for every product.")
    else:
        if product_id is None:
            raise ProductNotInStore("Choose the product whose rate changes.")
        _plan_product(plan, product_id)
    current = current_rates(plan, now).get(product_id)
    superseded = db.session.execute(
        delete(PlanRate).where(
            PlanRate.plan_id == plan.id,
            PlanRate.product_id.is_(None)
            if product_id is None
            else PlanRate.product_id == product_id,
            PlanRate.effective_at > now,
        )
    ).rowcount
    if current is not None and current.rate_bps == rate_bps:
        if superseded:
            _audit(plan, "rate_cut_cancelled", actor_id, to_state=format_rate(rate_bps))
            db.session.flush()
        return current
    effective_at = now
    is_cut = current is not None and rate_bps < current.rate_bps
    if is_cut and notice_days > 0 and _is_showcased(plan, product_id):
        effective_at = now + timedelta(days=notice_days)
    rate = PlanRate(
        plan_id=plan.id,
        product_id=product_id,
        rate_bps=rate_bps,
        effective_at=effective_at,
        announced_at=now,
    )
    db.session.add(rate)
    if is_cut and current is not None:
        notices.rate_cut(plan, product_id, current.rate_bps, rate_bps, effective_at)
    target = "default rate" if product_id is None else f"product #{product_id}"
    _audit(
        plan,
        "rate_changed",
        actor_id,
        from_state=format_rate(current.rate_bps) if current else None,
        to_state=format_rate(rate_bps),
        reason=f"{target}, effective {effective_at:%Y-%m-%d %H:%M} UTC",
    )
    db.session.flush()
    return rate


def _move(plan: Plan, to: PlanStatus, now: datetime | None, actor_id: int | None) -> Plan:
    if to.value not in TRANSITIONS[plan.status]:
        if plan.status == PlanStatus.ENDED.value:
            raise IllegalPlanTransition(f"“{plan.name}” has ended; ending is final.")
        raise IllegalPlanTransition(f"“{plan.name}” is already {plan.status}.")
    before = plan.status
    plan.status = to.value
    plan.status_changed_at = now or utcnow()
    _audit(plan, "status_changed", actor_id, from_state=before, to_state=to.value)
    db.session.flush()
    return plan


def pause(plan: Plan, *, now: datetime | None = None, actor_id: int | None = None) -> Plan:
    """Stop earning on orders placed from now until it resumes."""
    return _move(plan, PlanStatus.PAUSED, now, actor_id)


def resume(plan: Plan, *, now: datetime | None = None, actor_id: int | None = None) -> Plan:
    return _move(plan, PlanStatus.ACTIVE, now, actor_id)


def end(plan: Plan, *, now: datetime | None = None, actor_id: int | None = None) -> Plan:
    """End the plan for good."""
    return _move(plan, PlanStatus.ENDED, now, actor_id)


# ---------------------------------------------------------------------------------------------
# Invitations and joins
# ---------------------------------------------------------------------------------------------


def _creator_ids_among(user_ids: Iterable[int]) -> set[int]:
    query = select(UserRole.user_id).where(
        UserRole.user_id.in_(set(user_ids)), UserRole.role == Role.CREATOR.value
    )
    return set(db.session.scalars(query))


def _check_creators(creator_ids: Iterable[int]) -> list[int]:
    ids = list(dict.fromkeys(int(i) for i in creator_ids))
    creators = _creator_ids_among(ids)
    for creator_id in ids:
        if creator_id not in creators:
            user = db.session.get(User, creator_id)
            who = user.display_name if user else f"account #{creator_id}"
            raise NotACreator(f"{who} is not a creator; only creators can be invited.")
    return ids


def find_creator_ids(identifiers: Iterable[str]) -> list[int]:
    """Creator account ids for handles (``@handle`` or ``handle``) or emails, in order."""
    from affiliate.profiles.models import CreatorProfile

    ids: list[int] = []
    for raw in identifiers:
        token = raw.strip().strip(",;").strip()
        if not token:
            continue
        if "@" in token.lstrip("@"):
            user_id = db.session.scalar(
                select(User.id).where(func.lower(User.email) == token.lower())
            )
        else:
            user_id = db.session.scalar(
                select(CreatorProfile.user_id).where(
                    CreatorProfile.handle == token.lstrip("@").lower()
                )
            )
        if user_id is None:
            raise NotACreator(f"No creator account is called “{token[:60]}”.")
        ids.append(user_id)
    _check_creators(ids)
    return list(dict.fromkeys(ids))


def invite(
    plan: Plan, creator_ids: Iterable[int], *, actor_id: int | None = None
) -> list[PlanMembership]:
    """Invite creators to a targeted plan (also while it runs); a declined creator is asked
    again; a creator already invited or accepted keeps their standing."""
    if plan.kind != PlanKind.TARGETED.value:
        raise PlanNotJoinable("Only targeted plans take invitations.")
    _check_not_ended(plan)
    ids = _check_creators(creator_ids)
    if not ids:
        raise NotACreator("Choose at least one creator to invite.")
    existing = {
        m.creator_id: m
        for m in db.session.scalars(
            select(PlanMembership).where(
                PlanMembership.plan_id == plan.id, PlanMembership.creator_id.in_(ids)
            )
        )
    }
    memberships, asked = [], []
    for creator_id in ids:
        membership = existing.get(creator_id)
        if membership is None:
            membership = PlanMembership(
                plan_id=plan.id, creator_id=creator_id, status=MembershipStatus.INVITED.value
            )
            db.session.add(membership)
            asked.append(creator_id)
        elif membership.status not in (
            MembershipStatus.INVITED.value,
            MembershipStatus.ACCEPTED.value,
        ):
            membership.status = MembershipStatus.INVITED.value
            membership.created_at = utcnow()
            membership.responded_at = None
            asked.append(creator_id)
        memberships.append(membership)
    _audit(plan, "invited", actor_id, reason=", ".join(f"#{i}" for i in ids))
    notices.invited(plan, asked)
    db.session.flush()
    return memberships


def respond_to_invitation(membership_id: int, creator_id: int, *, accept: bool) -> PlanMembership:
    """The addressed creator accepts or declines an invitation that waits for an answer."""
    membership = db.session.get(PlanMembership, membership_id)
    if membership is None:
        raise NotFound("That invitation does not exist.")
    if membership.creator_id != creator_id:
        raise NotInvited("That invitation is addressed to another creator.")
    if membership.status != MembershipStatus.INVITED.value:
        raise NotInvited(f"You already answered this invitation ({membership.status}).")
    if membership.plan.status == PlanStatus.ENDED.value:
        raise PlanNotJoinable(f"“{membership.plan.name}” has ended.")
    membership.status = (MembershipStatus.ACCEPTED if accept else MembershipStatus.DECLINED).value
    membership.responded_at = utcnow()
    db.session.flush()
    return membership


def _check_joinable(plan: Plan, now: datetime) -> None:
    if plan.kind != PlanKind.OPEN.value:
        raise PlanNotJoinable("Only open plans can be joined; targeted plans are by invitation.")
    if plan.status == PlanStatus.PAUSED.value:
        raise PlanNotJoinable(f"“{plan.name}” is paused; it cannot be joined for now.")
    if plan.status == PlanStatus.ENDED.value or (plan.ends_at is not None and plan.ends_at <= now):
        raise PlanNotJoinable(f"“{plan.name}” has ended.")
    if plan.starts_at > now:
        raise PlanNotJoinable(f"“{plan.name}” starts on {plan.starts_at:%d %b %Y}.")


def join_open_plan(plan_id: int, creator_id: int) -> PlanMembership:
    """Join an open plan that runs: at once, or pending when the seller approves joiners."""
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise NotFound("That plan does not exist.")
    _check_creators([creator_id])
    _check_joinable(plan, utcnow())
    membership = db.session.scalar(
        select(PlanMembership).where(
            PlanMembership.plan_id == plan.id, PlanMembership.creator_id == creator_id
        )
    )
    status = MembershipStatus.PENDING if plan.manual_approval else MembershipStatus.JOINED
    if membership is None:
        membership = PlanMembership(plan_id=plan.id, creator_id=creator_id, status=status.value)
        db.session.add(membership)
    elif membership.status == MembershipStatus.REJECTED.value:
        raise PlanNotJoinable(f"The seller declined your request to join “{plan.name}”.")
    elif membership.status not in (MembershipStatus.JOINED.value, MembershipStatus.PENDING.value):
        membership.status = status.value
        membership.created_at = utcnow()
        membership.responded_at = None
    if membership.status == MembershipStatus.JOINED.value and membership.responded_at is None:
        membership.responded_at = utcnow()
    db.session.flush()
    return membership


def decide_joiner(
    plan: Plan, membership_id: int, *, approve: bool, actor_id: int | None = None
) -> PlanMembership:
    """Approve or reject a creator waiting to join a plan with manual approval."""
    membership = db.session.get(PlanMembership, membership_id)
    if membership is None or membership.plan_id != plan.id:
        raise NotFound("That request to join does not exist.")
    if membership.status != MembershipStatus.PENDING.value:
        raise IllegalPlanTransition("That request was already answered.")
    _check_not_ended(plan)
    membership.status = (MembershipStatus.JOINED if approve else MembershipStatus.REJECTED).value
    membership.responded_at = utcnow()
    if approve:
        showcase.admit_requests(plan.id, membership.creator_id)
    else:
        showcase.drop_requests(plan.id, membership.creator_id)
    _audit(
        plan,
        "joiner_approved" if approve else "joiner_rejected",
        actor_id,
        reason=f"creator #{membership.creator_id}",
    )
    notices.joiner_decided(plan, membership.creator_id, approved=approve)
    db.session.flush()
    return membership


# ---------------------------------------------------------------------------------------------
# Showcases
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShowcaseRow:
    item: ShowcaseItem
    product: Product
    applied: AppliedRate | None  # what a sale pays now
    next: Prospect | None = None  # what it would become once an answer comes


def add_to_showcase(creator_id: int, product_id: int) -> ShowcaseAddition:
    """Put a product in the creator's showcase, joining the open plan that applies; where
    that plan approves joiners, ask to join it: the product joins once the seller approves."""
    _check_creators([creator_id])
    step = showcase.plan_addition(creator_id, product_id)
    if step.join_plan_id is not None:
        join_open_plan(step.join_plan_id, creator_id)
    return showcase.complete_addition(creator_id, step)


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
    outlooks = rule.rate_outlooks(creator_id, [product.id for _, product in rows])
    result = []
    for item, product in rows:
        outlook = outlooks.get(product.id) or rule.RateOutlook(product.id, None)
        result.append(ShowcaseRow(item, product, outlook.now, outlook.next))
    return result


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


# ---------------------------------------------------------------------------------------------
# Seller-side reading
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


def plan_members(plan: Plan) -> list[MemberRow]:
    """The plan's creators with their accounts and handles, oldest first (one query)."""
    from affiliate.profiles.models import CreatorProfile

    rows = db.session.execute(
        select(PlanMembership, User, CreatorProfile.handle)
        .join(User, User.id == PlanMembership.creator_id)
        .outerjoin(CreatorProfile, CreatorProfile.user_id == User.id)
        .where(PlanMembership.plan_id == plan.id)
        .order_by(PlanMembership.created_at, PlanMembership.id)
    ).all()
    return [MemberRow(m, u, h) for m, u, h in rows]


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
