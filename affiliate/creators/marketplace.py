"""Read-side queries of the creator's pages: the plan marketplace, invitations, the nav count.

The marketplace is product-centred: every active product the creator could promote, joined to
the commission rule's winning plan (``prospective=True``), so that filtering, sorting and
paging by rate or by commission per sale all happen in the database. A page costs two
statements (a count and the page) whatever the number of products or plans.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, and_, exists, func, select
from sqlalchemy.orm import contains_eager, defer, raiseload

from affiliate.extensions import db
from affiliate.money import BPS_PER_WHOLE
from affiliate.pagination import Page
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
from affiliate.plans.rule import winning_rates
from affiliate.types import utcnow
from shop.catalog.models import Product, Store

PER_PAGE = 24
MAX_SEARCH = 100


class MarketSort(StrEnum):
    RATE = "rate"
    COMMISSION = "commission"
    NEWEST = "newest"
    BEST_SELLING = "best_selling"

    @property
    def label(self) -> str:
        return {
            MarketSort.RATE: "Highest rate",
            MarketSort.COMMISSION: "Highest commission per sale",
            MarketSort.NEWEST: "Newest",
            MarketSort.BEST_SELLING: "Best-selling",
        }[self]


@dataclass(frozen=True)
class MarketFilters:
    """What the marketplace is narrowed and ordered by (prices in minor units)."""

    sort: MarketSort = MarketSort.RATE
    search: str = ""
    category_ids: tuple[int, ...] | None = None
    min_rate_bps: int | None = None
    min_price: int | None = None
    max_price: int | None = None
    store_id: int | None = None


@dataclass(frozen=True)
class Offer:
    """One product of the marketplace with the plan that would apply to the creator."""

    product: Product
    plan_id: int
    plan_name: str
    kind: PlanKind
    rate_bps: int
    commission: int
    in_showcase: bool


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _commission(rates) -> ColumnElement[int]:
    """Commission on one sale at the list price, rounded half-up (integer division)."""
    return (Product.price * rates.c.rate_bps + BPS_PER_WHOLE // 2) // BPS_PER_WHOLE


def _filtered(statement: Select, rates, filters: MarketFilters) -> Select:
    if filters.search:
        pattern = f"%{_escape_like(filters.search[:MAX_SEARCH])}%"
        statement = statement.where(Product.title.ilike(pattern, escape="\\"))
    if filters.category_ids is not None:
        statement = statement.where(Product.category_id.in_(filters.category_ids))
    if filters.min_rate_bps is not None:
        statement = statement.where(rates.c.rate_bps >= filters.min_rate_bps)
    if filters.min_price is not None:
        statement = statement.where(Product.price >= filters.min_price)
    if filters.max_price is not None:
        statement = statement.where(Product.price <= filters.max_price)
    if filters.store_id is not None:
        statement = statement.where(Product.store_id == filters.store_id)
    return statement


def _order_by(sort: MarketSort, rates) -> list[ColumnElement]:
    return {
        MarketSort.COMMISSION: [_commission(rates).desc(), Product.id.desc()],
        MarketSort.NEWEST: [Product.created_at.desc(), Product.id.desc()],
        MarketSort.BEST_SELLING: [Product.sold_count.desc(), Product.id.desc()],
    }.get(sort, [rates.c.rate_bps.desc(), Product.id.desc()])


def marketplace_page(
    creator_id: int, filters: MarketFilters, page: int, *, per_page: int = PER_PAGE
) -> Page[Offer]:
    """One page of the products the creator may promote, with rate and commission: 2 statements."""
    rates = winning_rates(creator_id, prospective=True)
    base = (
        select(Product)
        .join(rates, rates.c.product_id == Product.id)
        .join(Store, Store.id == Product.store_id)
    )
    base = _filtered(base, rates, filters)
    total = db.session.scalar(base.with_only_columns(func.count(), maintain_column_froms=True))
    showcased = (
        exists()
        .where(ShowcaseItem.creator_id == creator_id, ShowcaseItem.product_id == Product.id)
        .label("in_showcase")
    )
    rows = db.session.execute(
        base.add_columns(
            rates.c.plan_id,
            rates.c.plan_name,
            rates.c.kind,
            rates.c.rate_bps,
            _commission(rates).label("commission"),
            showcased,
        )
        .options(
            contains_eager(Product.store).raiseload(Store.owner),
            defer(Product.description, raiseload=True),
            raiseload(Product.category),
            raiseload(Product.variants),
            raiseload(Product.images),
        )
        .order_by(*_order_by(filters.sort, rates))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    offers = [
        Offer(
            product=row.Product,
            plan_id=row.plan_id,
            plan_name=row.plan_name,
            kind=PlanKind(row.kind),
            rate_bps=row.rate_bps,
            commission=int(row.commission),
            in_showcase=bool(row.in_showcase),
        )
        for row in rows
    ]
    return Page(items=offers, page=page, per_page=per_page, total=total or 0)


def marketplace_stores(creator_id: int) -> list[Store]:
    """The stores that have a product the creator may promote (for the store filter)."""
    rates = winning_rates(creator_id, prospective=True)
    store_ids = select(Product.store_id).join(rates, rates.c.product_id == Product.id)
    return list(
        db.session.scalars(
            select(Store)
            .where(Store.id.in_(store_ids))
            .options(raiseload(Store.owner))
            .order_by(Store.name, Store.id)
        )
    )


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
    product: Product
    rate_bps: int | None


def invitation_products(
    plan_ids: Iterable[int], at: datetime | None = None
) -> dict[int, list[InvitedProduct]]:
    """The products of each plan with their rate in force now: one statement for all plans."""
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
        select(PlanProduct.plan_id, Product, rate.label("rate_bps"))
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
    grouped: dict[int, list[InvitedProduct]] = {plan_id: [] for plan_id in ids}
    for row in rows:
        grouped[row.plan_id].append(InvitedProduct(row.Product, row.rate_bps))
    return grouped
