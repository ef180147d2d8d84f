"""A plan's rates: reading and checking them, and changing them with notice.

Rates are never edited in place: each change is a new ``PlanRate`` row with the moment it takes
effect. A raise applies at once; a cut for a product that some creator has in their showcase
waits out the notice period, and the creators promoting it are told now. A newer change
supersedes a change that has not taken effect yet (that row is deleted: it never applied to any
order).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, select

from affiliate.plans import notices, signals
from affiliate.plans.commission.rule import format_rate
from affiliate.plans.exceptions import InvalidRate, PlanEnded, ProductNotInStore
from affiliate.plans.models import (
    MAX_RATE_BPS,
    MIN_RATE_BPS,
    Plan,
    PlanKind,
    PlanProduct,
    PlanRate,
    ShowcaseItem,
)
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Product

_PERCENT = re.compile(r"(\d{1,3})(?:[.,](\d{1,2}))?")


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


def add_rate(plan: Plan, product_id: int | None, rate_bps: int, effective_at: datetime) -> PlanRate:
    """A rate row for a product new to the plan (no notice: nobody promotes it under it yet)."""
    rate = PlanRate(
        plan_id=plan.id,
        product_id=product_id,
        rate_bps=rate_bps,
        effective_at=effective_at,
        announced_at=min(utcnow(), effective_at),
    )
    db.session.add(rate)
    return rate


def drop_scheduled(plan: Plan, product_id: int | None, now: datetime) -> int:
    """Delete the changes for the product not yet in effect at ``now``; how many there were."""
    result = db.session.execute(
        delete(PlanRate).where(
            PlanRate.plan_id == plan.id,
            PlanRate.product_id.is_(None)
            if product_id is None
            else PlanRate.product_id == product_id,
            PlanRate.effective_at > now,
        )
    )
    return result.rowcount


def listed_product(plan: Plan, product_id: int) -> PlanProduct:
    """The plan's entry for the product, if it is in the plan now; else ``ProductNotInStore``."""
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
    if plan.has_ended:
        raise PlanEnded(plan.name)
    now = now or utcnow()
    if plan.kind == PlanKind.STORE.value:
        if product_id is not None:
            raise ProductNotInStore("A store plan has one rate for every product.")
    else:
        if product_id is None:
            raise ProductNotInStore("Choose the product whose rate changes.")
        listed_product(plan, product_id)
    current = current_rates(plan, now).get(product_id)
    superseded = drop_scheduled(plan, product_id, now)
    if current is not None and current.rate_bps == rate_bps:
        if superseded:
            notices.audit(plan, "rate_cut_cancelled", actor_id, to_state=format_rate(rate_bps))
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
    notices.audit(
        plan,
        "rate_changed",
        actor_id,
        from_state=format_rate(current.rate_bps) if current else None,
        to_state=format_rate(rate_bps),
        reason=f"{target}, effective {effective_at:%Y-%m-%d %H:%M} UTC",
    )
    db.session.flush()
    signals.rate_changed.send(plan, rate=rate, previous_bps=current.rate_bps if current else None)
    return rate
