"""The plan marketplace: every product a creator may promote, with the rate it pays now.

The marketplace is product-centred: every active product the creator could promote, joined to
the commission rule's outlook (``prospective=True``): the rate a sale would pay now, and the
plan waiting for an answer that would beat it ("30% once approved", "25% if you accept"),
never shown as the rate now. Filtering, sorting and paging by the rate now or by the
commission per sale now all happen in the database (a product with no rate now, only a
prospect, comes after those with one). A page costs two statements (a count and the page)
whatever the number of products or plans.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, case, exists, func, or_, select
from sqlalchemy.orm import contains_eager, defer, raiseload
from sqlalchemy.sql import Subquery

from affiliate.plans.commission.outlook import outlook_rates
from affiliate.plans.commission.rule import Standing, format_rate
from affiliate.plans.models import (
    PlanKind,
    ShowcaseItem,
)
from affiliate.plans.showcase import awaiting_approval
from affiliate.plans.tiers import Tier, tiers_for
from core.db import escape_like
from core.extensions import db
from core.money import BPS_PER_WHOLE
from core.web.pagination import Page
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
class OfferRate:
    """A plan's rate on one product, with the commission on one sale at the list price."""

    plan_id: int
    plan_name: str
    kind: PlanKind
    rate_bps: int
    commission: int
    standing: Standing = Standing.NOW

    def describe(self) -> str:
        """``30% once approved``, ``25% if you accept`` (or just ``10%`` for the rate now)."""
        rate = format_rate(self.rate_bps)
        return rate if self.standing is Standing.NOW else f"{rate} {self.standing.condition}"


@dataclass(frozen=True)
class Offer:
    """One product of the marketplace: the rate a sale would pay once added now (None:
    nothing, until an answer comes), the best waiting plan that would beat it (``next``), the
    open plan adding asks to join (``ask``, often ``next``), and where the product stands."""

    product: Product
    now: OfferRate | None
    next: OfferRate | None
    ask: OfferRate | None
    in_showcase: bool
    requested: bool  # waits in the creator's requests for the seller's approval
    tiers: tuple[Tier, ...] = ()  # the plan's volume tiers above the rate now, lowest first

    @property
    def asks_the_seller(self) -> bool:
        """Adding it asks to join an open plan (it joins the showcase once approved)."""
        return self.ask is not None

    @property
    def can_add(self) -> bool:
        """Not in the showcase yet, and adding would put it there or ask the seller."""
        return not self.in_showcase and (self.now is not None or self.asks_the_seller)

    @property
    def awaits_approval(self) -> bool:
        """The creator asked to join the plan; the seller has not answered yet."""
        asked = self.ask is not None and self.ask.standing is Standing.AWAITING_APPROVAL
        return self.requested or (self.in_showcase and asked)

    @property
    def can_ask(self) -> bool:
        """A button to add it to the showcase, or (already there) to ask to join its plan."""
        if self.awaits_approval:
            return False
        return self.can_add or (self.in_showcase and self.asks_the_seller)

    @property
    def can_answer_invitation(self) -> bool:
        """A plan that would beat the rate now waits for the creator to accept it."""
        return self.next is not None and self.next.standing is Standing.INVITED

    @property
    def prospects(self) -> list[OfferRate]:
        """The waiting plans to show (the best one, and the open plan adding asks to join)."""
        shown = [rate for rate in (self.next, self.ask) if rate is not None]
        return [
            rate
            for n, rate in enumerate(shown)
            if rate.plan_id not in {r.plan_id for r in shown[:n]}
        ]


def _commission(rate_bps) -> ColumnElement[int]:
    """Commission on one sale at the list price, rounded half-up (integer division)."""
    return (Product.price * rate_bps + BPS_PER_WHOLE // 2) // BPS_PER_WHOLE


def _offer_rate(row, prefix: str) -> OfferRate | None:
    if getattr(row, f"{prefix}_plan_id") is None:
        return None
    standing = getattr(row, f"{prefix}_standing", None)
    return OfferRate(
        plan_id=getattr(row, f"{prefix}_plan_id"),
        plan_name=getattr(row, f"{prefix}_plan_name"),
        kind=PlanKind(getattr(row, f"{prefix}_kind")),
        rate_bps=getattr(row, f"{prefix}_rate_bps"),
        commission=int(getattr(row, f"{prefix}_commission")),
        standing=Standing(standing) if standing else Standing.NOW,
    )


@dataclass(frozen=True)
class _Covered:
    """Active products with a rate now or a prospect, outer-joined to the rule's outlook."""

    statement: Select
    now: Subquery
    next: Subquery
    ask: Subquery
    showcased: ColumnElement[bool]
    rate_now: ColumnElement[int]  # NULL where adding asks the seller (``RateOutlook.by_adding``)


def _covered(creator_id: int) -> _Covered:
    now, waiting, ask = outlook_rates(creator_id, prospective=True)
    showcased = exists().where(
        ShowcaseItem.creator_id == creator_id, ShowcaseItem.product_id == Product.id
    )
    statement = (
        select(Product)
        .outerjoin(now, now.c.product_id == Product.id)
        .outerjoin(waiting, waiting.c.product_id == Product.id)
        .outerjoin(ask, ask.c.product_id == Product.id)
        .where(or_(now.c.product_id.is_not(None), waiting.c.product_id.is_not(None)))
    )
    rate_now = case((or_(ask.c.product_id.is_(None), showcased), now.c.rate_bps))
    return _Covered(statement, now, waiting, ask, showcased, rate_now)


def _filtered(statement: Select, covered: _Covered, filters: MarketFilters) -> Select:
    if filters.search:
        pattern = f"%{escape_like(filters.search[:MAX_SEARCH])}%"
        statement = statement.where(Product.title.ilike(pattern, escape="\\"))
    if filters.category_ids is not None:
        statement = statement.where(Product.category_id.in_(filters.category_ids))
    if filters.min_rate_bps is not None:
        statement = statement.where(covered.rate_now >= filters.min_rate_bps)
    if filters.min_price is not None:
        statement = statement.where(Product.price >= filters.min_price)
    if filters.max_price is not None:
        statement = statement.where(Product.price <= filters.max_price)
    if filters.store_id is not None:
        statement = statement.where(Product.store_id == filters.store_id)
    return statement


def _order_by(sort: MarketSort, covered: _Covered) -> list[ColumnElement]:
    """By the rate (or commission) now; products earning nothing now after, by prospect."""
    waiting = covered.next.c.rate_bps
    by_rate = [
        func.coalesce(covered.rate_now, 0).desc(),
        func.coalesce(waiting, 0).desc(),
        Product.id.desc(),
    ]
    return {
        MarketSort.COMMISSION: [
            func.coalesce(_commission(covered.rate_now), 0).desc(),
            func.coalesce(_commission(waiting), 0).desc(),
            Product.id.desc(),
        ],
        MarketSort.NEWEST: [Product.created_at.desc(), Product.id.desc()],
        MarketSort.BEST_SELLING: [Product.sold_count.desc(), Product.id.desc()],
    }.get(sort, by_rate)


def _rate_columns(prefix: str, rates: Subquery, rate_bps, *, standing: bool) -> list:
    columns = [
        rates.c.plan_id.label(f"{prefix}_plan_id"),
        rates.c.plan_name.label(f"{prefix}_plan_name"),
        rates.c.kind.label(f"{prefix}_kind"),
        rate_bps.label(f"{prefix}_rate_bps"),
        _commission(rate_bps).label(f"{prefix}_commission"),
    ]
    if standing:
        columns.append(rates.c.standing.label(f"{prefix}_standing"))
    return columns


def marketplace_page(
    creator_id: int, filters: MarketFilters, page: int, *, per_page: int = PER_PAGE
) -> Page[Offer]:
    """One page of the products the creator may promote, with their rate now and prospects:
    2 statements."""
    covered = _covered(creator_id)
    statement = covered.statement.join(Store, Store.id == Product.store_id)
    base = _filtered(statement, covered, filters)
    total = db.session.scalar(base.with_only_columns(func.count(), maintain_column_froms=True))
    rows = db.session.execute(
        base.add_columns(
            *_rate_columns("now", covered.now, covered.now.c.rate_bps, standing=False),
            *_rate_columns("next", covered.next, covered.next.c.rate_bps, standing=True),
            *_rate_columns("ask", covered.ask, covered.ask.c.rate_bps, standing=True),
            covered.showcased.label("in_showcase"),
            awaiting_approval(creator_id, Product.id).label("requested"),
        )
        .options(
            contains_eager(Product.store).raiseload(Store.owner),
            defer(Product.description, raiseload=True),
            raiseload(Product.category),
            raiseload(Product.variants),
            raiseload(Product.images),
        )
        .order_by(*_order_by(filters.sort, covered))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    offers = []
    now_rates = {row.Product.id: _offer_rate(row, "now") for row in rows}
    plan_tiers = tiers_for(
        (rate.plan_id, product_id) for product_id, rate in now_rates.items() if rate is not None
    )
    for row in rows:
        ask = _offer_rate(row, "ask")
        in_showcase = bool(row.in_showcase)
        now = now_rates[row.Product.id]
        rising = plan_tiers.get((now.plan_id, row.Product.id), []) if now else []
        offers.append(
            Offer(
                product=row.Product,
                # What adding would make it pay (``RateOutlook.by_adding``), unless showcased.
                now=_offer_rate(row, "now") if in_showcase or ask is None else None,
                next=_offer_rate(row, "next"),
                ask=ask,
                in_showcase=in_showcase,
                requested=bool(row.requested),
                tiers=tuple(t for t in rising if now and t.rate_bps > now.rate_bps),
            )
        )
    return Page(items=offers, page=page, per_page=per_page, total=total or 0)


def marketplace_stores(creator_id: int) -> list[Store]:
    """The stores that have a product the creator may promote (for the store filter)."""
    covered = _covered(creator_id).statement
    store_ids = covered.with_only_columns(Product.store_id, maintain_column_froms=True)
    return list(
        db.session.scalars(
            select(Store)
            .where(Store.id.in_(store_ids))
            .options(raiseload(Store.owner))
            .order_by(Store.name, Store.id)
        )
    )
