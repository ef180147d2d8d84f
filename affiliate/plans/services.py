"""Affiliate plans: creating store, open and targeted plans, their products, and their status.

Plain functions over ids and objects. They validate, change rows and flush; the caller (a
view, a job, the demo seeder) commits, so one action is one transaction. A refused change
raises a ``PlanError`` before anything is written. A plan's status moves only through
``PLAN_STATES``. Rates and their changes are ``affiliate.plans.rates``; invitations and joins
``affiliate.plans.memberships``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import raiseload

from affiliate.plans import memberships, notices, signals
from affiliate.plans.commission.rule import format_rate
from affiliate.plans.exceptions import (
    IllegalPlanTransition,
    InvalidWindow,
    PlanEnded,
    PlanError,
    ProductNotInStore,
    StorePlanExists,
)
from affiliate.plans.models import (
    PLAN_STATES,
    Plan,
    PlanKind,
    PlanProduct,
    PlanStatus,
)
from affiliate.plans.rates import (
    add_rate,
    change_rate,
    check_rate,
    current_rates,
    drop_scheduled,
    listed_product,
    scheduled_rates,
)
from affiliate.profiles.exceptions import NotACreator
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Product, ProductStatus, Store

NAME_MAX = 100
MESSAGE_MAX = 2000
STORE_PLAN_NAME = "Store plan"


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
    add_rate(plan, None, rate_bps, now)
    notices.audit(plan, "created", actor_id, to_state=format_rate(rate_bps), reason="store plan")
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
        if plan.has_ended:
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
        add_rate(plan, product_id, rate_bps, effective_at)
    notices.audit(plan, "created", actor_id, reason=f"{kind.value} plan, {len(rates)} products")
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
        raise NotACreator("Choose at least one creator to invite.", field="creators")
    memberships.check_creators(creator_ids)
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
    memberships.invite(plan, creator_ids, actor_id=actor_id)
    return plan


# ---------------------------------------------------------------------------------------------
# Changing plans
# ---------------------------------------------------------------------------------------------


def _check_listable(plan: Plan) -> None:
    if plan.kind == PlanKind.STORE.value:
        raise PlanError("A store plan covers every product of the store; it takes no list.")
    if plan.has_ended:
        raise PlanEnded(plan.name)


def add_products(plan: Plan, product_rates: dict[int, int], *, actor_id: int | None = None) -> None:
    """Add products at their rates (at once) to an open or targeted plan."""
    _check_listable(plan)
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
        drop_scheduled(plan, product_id, now)
        add_rate(plan, product_id, rate_bps, now)
    notices.audit(plan, "products_added", actor_id, reason=", ".join(f"#{pid}" for pid in rates))
    db.session.flush()


def remove_product(plan: Plan, product_id: int, *, actor_id: int | None = None) -> None:
    """Take a product out of an open or targeted plan from now on."""
    _check_listable(plan)
    entry = listed_product(plan, product_id)
    entry.removed_at = utcnow()
    notices.audit(plan, "product_removed", actor_id, reason=f"#{product_id}")
    db.session.flush()


def _move(plan: Plan, to: PlanStatus, now: datetime | None, actor_id: int | None) -> Plan:
    if not PLAN_STATES.can_move(plan, to):
        if plan.has_ended:
            message = f"“{plan.name}” has ended; ending is final."
        else:
            message = f"“{plan.name}” is already {plan.status}."
        raise IllegalPlanTransition(message, current=plan.status, target=to.value)
    before = PLAN_STATES.move(plan, to)
    plan.status_changed_at = now or utcnow()
    notices.audit(
        plan,
        "status_changed",
        actor_id,
        from_state=before.value if before else None,
        to_state=to.value,
    )
    db.session.flush()
    if to is PlanStatus.ENDED:
        signals.plan_ended.send(plan)
    return plan


def pause(plan: Plan, *, now: datetime | None = None, actor_id: int | None = None) -> Plan:
    """Stop earning on orders placed from now until it resumes."""
    return _move(plan, PlanStatus.PAUSED, now, actor_id)


def resume(plan: Plan, *, now: datetime | None = None, actor_id: int | None = None) -> Plan:
    return _move(plan, PlanStatus.ACTIVE, now, actor_id)


def end(plan: Plan, *, now: datetime | None = None, actor_id: int | None = None) -> Plan:
    """End the plan for good."""
    return _move(plan, PlanStatus.ENDED, now, actor_id)
