"""What a seller's promotions did: uses, orders, GMV and discount spent, and a daily series.

What counts is what buyers paid and kept: lines of orders that were paid (paid, shipped,
delivered, completed, or refunded after payment) and that are still open or only have a refund
requested, so refunded and cancelled lines drop out, as on the Seller centre home.

- a product discount: its uses are the order lines it priced (``product_discount_id``); GMV is
  those lines' amounts; discount spent is their ``product_discount``;
- a voucher: its uses are its redemptions not released (orders placed, paid or not yet); its
  orders are the counted orders that carry it; GMV is their lines' amounts; discount spent is
  their lines' ``voucher_discount``;
- a flash deal: its uses are the units sold (``sold``, reserved by placed orders); GMV and
  discount spent come from the lines it priced (``flash_deal_id``).

The marketing page's overview reads every promotion of the store with its figures in a fixed
number of statements, however many promotions there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Product, Variant
from shop.orders.models import LineStatus, Order, OrderLine, OrderStatus
from shop.promotions.models import (
    FlashDeal,
    ProductDiscount,
    ProductDiscountTarget,
    Promotion,
    PromotionKind,
    PromotionState,
    Voucher,
    VoucherProduct,
    VoucherRedemption,
)

COUNTED_ORDER_STATUSES = (
    OrderStatus.PAID.value,
    OrderStatus.SHIPPED.value,
    OrderStatus.DELIVERED.value,
    OrderStatus.COMPLETED.value,
    OrderStatus.REFUNDED.value,
)
KEPT_LINE_STATUSES = (LineStatus.OPEN.value, LineStatus.REFUND_REQUESTED.value)
CHART_DAYS = 30


@dataclass(frozen=True)
class PromotionStats:
    uses: int = 0
    orders: int = 0
    gmv: int = 0
    discount_spent: int = 0


def _counted() -> ColumnElement[bool]:
    return and_(Order.status.in_(COUNTED_ORDER_STATUSES), OrderLine.status.in_(KEPT_LINE_STATUSES))


def _sum(column: Any) -> Any:
    return func.coalesce(func.sum(column), 0)


def _line_stats(
    key: Any, store_id: int, ids: Iterable[int] | None, saving: Any
) -> dict[int, PromotionStats]:
    """Figures per promotion of lines whose ``key`` names it: one GROUP BY statement."""
    query = (
        select(
            key,
            func.count(OrderLine.id),
            func.count(func.distinct(OrderLine.order_id)),
            _sum(OrderLine.amount),
            _sum(saving),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.store_id == store_id, key.is_not(None), _counted())
        .group_by(key)
    )
    if ids is not None:
        query = query.where(key.in_(list(ids)))
    return {
        int(row[0]): PromotionStats(
            uses=int(row[1]), orders=int(row[2]), gmv=int(row[3]), discount_spent=int(row[4])
        )
        for row in db.session.execute(query)
    }


def discount_stats(store_id: int, ids: Iterable[int] | None = None) -> dict[int, PromotionStats]:
    """Per product discount of the store (or of ``ids``): lines priced, orders, GMV, spent."""
    return _line_stats(OrderLine.product_discount_id, store_id, ids, OrderLine.product_discount)


def flash_deal_stats(
    store_id: int, deals: Iterable[FlashDeal] | None = None
) -> dict[int, PromotionStats]:
    """Per flash deal of the store (or of ``deals``): units sold, orders, GMV, spent."""
    deals = list(deals) if deals is not None else None
    ids = [deal.id for deal in deals] if deals is not None else None
    by_lines = _line_stats(OrderLine.flash_deal_id, store_id, ids, OrderLine.product_discount)
    if deals is None:
        deals = list(db.session.scalars(select(FlashDeal).where(FlashDeal.store_id == store_id)))
    return {
        deal.id: PromotionStats(
            uses=deal.sold,
            orders=by_lines.get(deal.id, PromotionStats()).orders,
            gmv=by_lines.get(deal.id, PromotionStats()).gmv,
            discount_spent=by_lines.get(deal.id, PromotionStats()).discount_spent,
        )
        for deal in deals
    }


def voucher_stats(store_id: int, ids: Iterable[int] | None = None) -> dict[int, PromotionStats]:
    """Per voucher of the store (or of ``ids``): redemptions held, orders, GMV, spent."""
    ids = list(ids) if ids is not None else None
    uses_query = (
        select(VoucherRedemption.voucher_id, func.count(VoucherRedemption.id))
        .join(Voucher, Voucher.id == VoucherRedemption.voucher_id)
        .where(Voucher.store_id == store_id, VoucherRedemption.released_at.is_(None))
        .group_by(VoucherRedemption.voucher_id)
    )
    if ids is not None:
        uses_query = uses_query.where(VoucherRedemption.voucher_id.in_(ids))
    uses = {int(voucher_id): int(count) for voucher_id, count in db.session.execute(uses_query)}
    by_lines = _line_stats(Order.voucher_id, store_id, ids, OrderLine.voucher_discount)
    return {
        voucher_id: PromotionStats(
            uses=uses.get(voucher_id, 0),
            orders=by_lines.get(voucher_id, PromotionStats()).orders,
            gmv=by_lines.get(voucher_id, PromotionStats()).gmv,
            discount_spent=by_lines.get(voucher_id, PromotionStats()).discount_spent,
        )
        for voucher_id in set(uses) | set(by_lines)
    }


def promotion_stats(kind: PromotionKind | str, promotion: Promotion) -> PromotionStats:
    """The figures of one promotion."""
    kind = PromotionKind(kind)
    if kind == PromotionKind.DISCOUNT:
        found = discount_stats(promotion.store_id, [promotion.id])
    elif kind == PromotionKind.VOUCHER:
        found = voucher_stats(promotion.store_id, [promotion.id])
    else:
        assert isinstance(promotion, FlashDeal)
        found = flash_deal_stats(promotion.store_id, [promotion])
    return found.get(promotion.id, PromotionStats())


# --- the marketing page ----------------------------------------------------------------------


@dataclass(frozen=True)
class PromotionRow:
    kind: PromotionKind
    promotion: Promotion
    state: PromotionState
    stats: PromotionStats
    targets: tuple[str, ...] = ()  # what it covers: product titles, "Title (Rose)"
    list_price: int | None = None  # a flash deal's variant price

    @property
    def ends(self) -> datetime:
        """When it ended or ends: the early end if there was one."""
        ended_at = self.promotion.ended_at
        return min(self.promotion.ends_at, ended_at) if ended_at else self.promotion.ends_at


@dataclass
class Overview:
    """The store's promotions by state, each with its figures."""

    rows: dict[PromotionState, list[PromotionRow]] = field(
        default_factory=lambda: {state: [] for state in PromotionState}
    )

    def count(self, state: PromotionState | str) -> int:
        return len(self.rows[PromotionState(state)])

    @property
    def total(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


def _label(title: str, option1: str | None, option2: str | None) -> str:
    options = " / ".join(o for o in (option1, option2) if o)
    return f"{title} ({options})" if options else title


def _discount_targets(store_id: int) -> dict[int, list[str]]:
    rows = db.session.execute(
        select(
            ProductDiscountTarget.discount_id,
            Product.title,
            ProductDiscountTarget.variant_id,
            Variant.option1,
            Variant.option2,
        )
        .join(ProductDiscount, ProductDiscount.id == ProductDiscountTarget.discount_id)
        .join(Product, Product.id == ProductDiscountTarget.product_id)
        .outerjoin(Variant, Variant.id == ProductDiscountTarget.variant_id)
        .where(ProductDiscount.store_id == store_id)
        .order_by(ProductDiscountTarget.id)
    )
    targets: dict[int, list[str]] = defaultdict(list)
    for discount_id, title, variant_id, option1, option2 in rows:
        label = _label(title, option1, option2) if variant_id else title
        targets[discount_id].append(label)
    return targets


def _voucher_products(store_id: int) -> dict[int, list[str]]:
    rows = db.session.execute(
        select(VoucherProduct.voucher_id, Product.title)
        .join(Voucher, Voucher.id == VoucherProduct.voucher_id)
        .join(Product, Product.id == VoucherProduct.product_id)
        .where(Voucher.store_id == store_id)
        .order_by(VoucherProduct.id)
    )
    products: dict[int, list[str]] = defaultdict(list)
    for voucher_id, title in rows:
        products[voucher_id].append(title)
    return products


def overview(store_id: int, now: datetime | None = None) -> Overview:
    """Every promotion of the store with its figures, by state: running ones ending soonest
    first, scheduled ones starting soonest first, ended ones latest first. Nine statements,
    whatever the number of promotions."""
    now = now or utcnow()
    discounts = db.session.scalars(
        select(ProductDiscount).where(ProductDiscount.store_id == store_id)
    ).all()
    vouchers = db.session.scalars(select(Voucher).where(Voucher.store_id == store_id)).all()
    deals = db.session.execute(
        select(FlashDeal, Product.title, Variant.option1, Variant.option2, Variant.price)
        .join(Product, Product.id == FlashDeal.product_id)
        .join(Variant, Variant.id == FlashDeal.variant_id)
        .where(FlashDeal.store_id == store_id)
    ).all()
    targets = _discount_targets(store_id)
    voucher_products = _voucher_products(store_id)
    by_discount = discount_stats(store_id)
    by_voucher = voucher_stats(store_id)
    by_deal = flash_deal_stats(store_id, [deal for deal, *_ in deals])
    result = Overview()
    empty = PromotionStats()

    def add(row: PromotionRow) -> None:
        result.rows[row.state].append(row)

    for discount in discounts:
        add(
            PromotionRow(
                PromotionKind.DISCOUNT,
                discount,
                discount.state_at(now),
                by_discount.get(discount.id, empty),
                tuple(targets.get(discount.id, ())),
            )
        )
    for voucher in vouchers:
        add(
            PromotionRow(
                PromotionKind.VOUCHER,
                voucher,
                voucher.state_at(now),
                by_voucher.get(voucher.id, empty),
                tuple(voucher_products.get(voucher.id, ())),
            )
        )
    for deal, title, option1, option2, price in deals:
        add(
            PromotionRow(
                PromotionKind.FLASH_DEAL,
                deal,
                deal.state_at(now),
                by_deal.get(deal.id, empty),
                (_label(title, option1, option2),),
                price,
            )
        )
    result.rows[PromotionState.RUNNING].sort(key=lambda r: (r.ends, r.kind, r.promotion.id))
    result.rows[PromotionState.SCHEDULED].sort(
        key=lambda r: (r.promotion.starts_at, r.kind, r.promotion.id)
    )
    result.rows[PromotionState.ENDED].sort(key=lambda r: (r.ends, r.promotion.id), reverse=True)
    return result


# --- the chart -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayPoint:
    day: date
    discount_spent: int
    gmv: int  # what buyers paid on promoted lines


def _utc_day(column: Any) -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def daily(store_id: int, now: datetime | None = None, days: int = CHART_DAYS) -> list[DayPoint]:
    """Discount spent and promoted GMV per UTC day (of payment) over the last ``days`` days,
    today included, oldest first, with empty days as zeros: one GROUP BY statement. A line is
    promoted if a product discount or a flash deal priced it, or its order used a voucher."""
    now = now or utcnow()
    last = now.astimezone(UTC).date()
    first = last - timedelta(days=days - 1)
    moment = func.coalesce(Order.paid_at, Order.placed_at)
    day = _utc_day(moment).label("day")
    priced = or_(OrderLine.product_discount_id.is_not(None), OrderLine.flash_deal_id.is_not(None))
    vouchered = Order.voucher_id.is_not(None)
    rows = db.session.execute(
        select(
            day,
            _sum(case((priced, OrderLine.product_discount), else_=0))
            + _sum(case((vouchered, OrderLine.voucher_discount), else_=0)),
            _sum(OrderLine.amount),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.store_id == store_id,
            moment >= datetime.combine(first, time.min, tzinfo=UTC),
            or_(priced, vouchered),
            _counted(),
        )
        .group_by(day)
    ).all()
    found = {_as_date(value): (int(spent), int(gmv)) for value, spent, gmv in rows}
    points = []
    for offset in range(days):
        current = first + timedelta(days=offset)
        spent, gmv = found.get(current, (0, 0))
        points.append(DayPoint(day=current, discount_spent=spent, gmv=gmv))
    return points
