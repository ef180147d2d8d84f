"""What the Creator centre and the Seller centre's affiliate tab read: figures over a period.

Activity (views, clicks, orders, GMV) comes from ``content_daily_stat`` plus the events that
the roll-up job has not folded yet (the *tail*: ids past its cursor), so figures are exact the
moment an event is recorded. Each statement reads the cursor itself, in the same snapshot as
the rollups, so a roll-up committing between two statements never counts an event twice; the
cursor read beforehand (``hint``) only tells the planner how short the tail is, so that it
walks the tail by primary key rather than a creator's whole history.

Money earned comes from ``commission`` (one row per attributed order line). Commission
figures split each line's amount three ways, so that they add up to what was earned:
*pending* and *settled* are ``amount − reversed_amount`` of lines in those states (a clawed
back line counts as settled for what it kept), *reversed* is every ``reversed_amount``.

Every function is a fixed number of statements whatever the data (the pages' tests count
them); periods are whole UTC days ending today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Integer, Select, case, cast, func, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from affiliate.creators.attribution import tracking
from affiliate.creators.attribution.models import (
    Commission,
    CommissionState,
    ContentDailyStat,
    ContentEvent,
    EventKind,
)
from affiliate.creators.content.models import Content
from affiliate.plans.models import Plan
from affiliate.profiles.models import CreatorProfile
from core.accounts.models import User
from core.extensions import db
from core.types import utcnow
from core.web.pagination import Page
from shop.catalog.models import Product
from shop.orders.models import Order, OrderLine

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
TOP_ROWS = 5
SELLER_TABLE_ROWS = 20
LINES_PER_PAGE = 20


# ---------------------------------------------------------------------------- periods


def parse_period(raw: str | None) -> int:
    """7, 30 or 90 days from a query argument; anything else is the default, 30."""
    value = (raw or "").strip()
    return int(value) if value in {str(days) for days in PERIODS} else DEFAULT_PERIOD


@dataclass(frozen=True)
class Period:
    """``days`` whole UTC days ending with today's."""

    days: int
    first: date
    last: date

    @classmethod
    def ending(cls, days: int, now: datetime | None = None) -> Period:
        last = (now or utcnow()).astimezone(UTC).date()
        return cls(days=days, first=last - timedelta(days=days - 1), last=last)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=UTC)

    @property
    def until(self) -> datetime:
        """Midnight after the last day (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=UTC)

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(self.days)]


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# ---------------------------------------------------------------------------- activity


_COUNTS = ("views", "cart_opens", "clicks", "add_to_carts", "orders", "gmv")


def _activity(creator_id: int, period: Period, hint: int, *, products: bool) -> Any:
    """Rollup rows plus tail events of one creator in ``period``, as one subquery.

    ``products`` False: content-level figures (``product_id`` 0 rows, every tail event);
    True: per-product figures (product rows, tail events naming a product).
    """
    stat = ContentDailyStat
    rolled = select(
        stat.day.label("day"),
        stat.content_id.label("content_id"),
        stat.product_id.label("product_id"),
        *(getattr(stat, name).label(name) for name in _COUNTS),
    ).where(
        stat.creator_id == creator_id,
        stat.day >= period.first,
        stat.day <= period.last,
        stat.product_id != 0 if products else stat.product_id == 0,
    )
    event = ContentEvent
    tail = select(
        tracking.utc_day(event.occurred_at).label("day"),
        event.content_id.label("content_id"),
        cast(func.coalesce(event.product_id, 0), Integer).label("product_id"),
        tracking.kind_count(EventKind.VIEW).label("views"),
        tracking.kind_count(EventKind.CART_OPEN).label("cart_opens"),
        tracking.kind_count(EventKind.CLICK).label("clicks"),
        tracking.kind_count(EventKind.ADD_TO_CART).label("add_to_carts"),
        tracking.kind_count(EventKind.ORDER).label("orders"),
        tracking.order_amount().label("gmv"),
    ).where(
        event.id > hint,  # a literal: the planner walks the short tail by primary key
        event.id > tracking.cursor_subquery(),  # the truth, in this statement's snapshot
        event.creator_id + 0 == creator_id,  # "+ 0": not the creator's (long) index
        event.occurred_at >= period.since,
        event.occurred_at < period.until,
    )
    if products:
        tail = tail.where(event.product_id.is_not(None))
    return union_all(rolled, tail).subquery("activity")


def _summed(activity: Any) -> list[Any]:
    return [func.coalesce(func.sum(activity.c[name]), 0).label(name) for name in _COUNTS]


@dataclass(frozen=True)
class Activity:
    views: int = 0
    cart_opens: int = 0
    clicks: int = 0
    add_to_carts: int = 0
    orders: int = 0
    gmv: int = 0

    @property
    def click_through(self) -> float | None:
        """Product-card clicks per view."""
        return _ratio(self.clicks, self.views)

    @property
    def conversion(self) -> float | None:
        """Orders per product-card click."""
        return _ratio(self.orders, self.clicks)


def _activity_of(row: Any) -> Activity:
    return Activity(**{name: int(getattr(row, name) or 0) for name in _COUNTS})


@dataclass(frozen=True)
class DayPoint:
    day: date
    activity: Activity


@dataclass(frozen=True)
class ContentRow:
    content_id: int
    title: str
    kind: str
    activity: Activity


@dataclass(frozen=True)
class ProductRow:
    product_id: int
    title: str
    activity: Activity


def creator_activity(creator_id: int, period: Period, hint: int) -> Activity:
    activity = _activity(creator_id, period, hint, products=False)
    return _activity_of(db.session.execute(select(*_summed(activity))).one())


def creator_daily(creator_id: int, period: Period, hint: int) -> list[DayPoint]:
    """One point per day of the period, oldest first, empty days as zeros."""
    activity = _activity(creator_id, period, hint, products=False)
    rows = db.session.execute(
        select(activity.c.day, *_summed(activity)).group_by(activity.c.day)
    ).all()
    found = {_as_date(row.day): _activity_of(row) for row in rows}
    return [DayPoint(day, found.get(day, Activity())) for day in period.dates()]


def _ranked(activity: Any) -> tuple[Any, ...]:
    return (
        func.sum(activity.c.gmv).desc(),
        func.sum(activity.c.clicks).desc(),
        func.sum(activity.c.views).desc(),
    )


def top_content(
    creator_id: int, period: Period, hint: int, limit: int = TOP_ROWS
) -> list[ContentRow]:
    """The creator's videos and lives with the most GMV, then clicks, in the period."""
    activity = _activity(creator_id, period, hint, products=False)
    rows = db.session.execute(
        select(Content.id, Content.title, Content.kind, *_summed(activity))
        .join(Content, Content.id == activity.c.content_id)
        .group_by(Content.id, Content.title, Content.kind)
        .order_by(*_ranked(activity), Content.id.desc())
        .limit(limit)
    ).all()
    return [ContentRow(row.id, row.title, row.kind, _activity_of(row)) for row in rows]


def top_products(
    creator_id: int, period: Period, hint: int, limit: int = TOP_ROWS
) -> list[ProductRow]:
    """The products with the most GMV, then clicks, through the creator's content."""
    activity = _activity(creator_id, period, hint, products=True)
    rows = db.session.execute(
        select(Product.id, Product.title, *_summed(activity))
        .join(Product, Product.id == activity.c.product_id)
        .group_by(Product.id, Product.title)
        .order_by(*_ranked(activity), Product.id.desc())
        .limit(limit)
    ).all()
    return [ProductRow(row.id, row.title, _activity_of(row)) for row in rows]


# ---------------------------------------------------------------------------- commissions


def net_commission() -> ColumnElement[int]:
    """What a line earns after reversals and clawbacks."""
    return Commission.amount - Commission.reversed_amount


def net_base() -> ColumnElement[int]:
    """A line's GMV net of reversals: the paid amount in the share its commission kept."""
    return Commission.base_amount - (Commission.base_amount * Commission.reversed_amount) / (
        Commission.amount
    )


def _sum(value: Any, condition: ColumnElement[bool] | None = None) -> Any:
    if condition is not None:
        value = case((condition, value), else_=0)
    return func.coalesce(func.sum(value), 0)


_SETTLED = (CommissionState.SETTLED.value, CommissionState.CLAWED_BACK.value)


@dataclass(frozen=True)
class CommissionTotals:
    lines: int = 0
    orders: int = 0
    gmv: int = 0  # base amounts net of reversals
    earned: int = 0  # pending + settled
    pending: int = 0
    settled: int = 0
    reversed: int = 0


def _commission_totals(*conditions: ColumnElement[bool]) -> CommissionTotals:
    row = db.session.execute(
        select(
            func.count(Commission.id),
            func.count(func.distinct(Commission.order_id)),
            _sum(net_base()),
            _sum(net_commission()),
            _sum(net_commission(), Commission.state == CommissionState.PENDING.value),
            _sum(net_commission(), Commission.state.in_(_SETTLED)),
            _sum(Commission.reversed_amount),
        ).where(*conditions)
    ).one()
    return CommissionTotals(*(int(value) for value in row))


def creator_commissions(creator_id: int, period: Period, currency: str) -> CommissionTotals:
    """The creator's commission in ``currency`` on lines created in the period."""
    return _commission_totals(
        Commission.creator_id == creator_id,
        Commission.created_at >= period.since,
        Commission.created_at < period.until,
        Commission.currency == currency,
    )


@dataclass(frozen=True)
class CommissionLine:
    id: int
    created_at: datetime
    order_id: int
    order_status: str
    product_title: str
    base_amount: int
    rate_bps: int
    amount: int
    reversed_amount: int
    currency: str
    state: str

    @property
    def commission_state(self) -> CommissionState:
        return CommissionState(self.state)

    @property
    def order_status_label(self) -> str:
        return self.order_status.replace("_", " ").capitalize()


def commission_lines(
    creator_id: int, period: Period, page: int, per_page: int = LINES_PER_PAGE
) -> Page[CommissionLine]:
    """A page of the creator's commission lines in the period, newest first: two statements."""
    conditions = (
        Commission.creator_id == creator_id,
        Commission.created_at >= period.since,
        Commission.created_at < period.until,
    )
    total = db.session.scalar(select(func.count(Commission.id)).where(*conditions)) or 0
    page = min(max(page, 1), max(1, -(-total // per_page)))
    rows = db.session.execute(
        select(
            Commission.id,
            Commission.created_at,
            Commission.order_id,
            Order.status,
            OrderLine.title,
            Commission.base_amount,
            Commission.rate_bps,
            Commission.amount,
            Commission.reversed_amount,
            Commission.currency,
            Commission.state,
        )
        .join(Order, Order.id == Commission.order_id)
        .join(OrderLine, OrderLine.id == Commission.order_line_id)
        .where(*conditions)
        .order_by(Commission.created_at.desc(), Commission.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(
        items=[CommissionLine(*row) for row in rows], page=page, per_page=per_page, total=total
    )


# ---------------------------------------------------------------------------- the pages


@dataclass(frozen=True)
class CreatorDashboard:
    period: Period
    currency: str
    activity: Activity
    daily: list[DayPoint]
    top_content: list[ContentRow]
    top_products: list[ProductRow]
    commissions: CommissionTotals
    lines: Page[CommissionLine]

    @property
    def has_activity(self) -> bool:
        """Whether there is anything to chart."""
        a = self.activity
        return bool(a.views or a.cart_opens or a.clicks or a.add_to_carts or a.orders)

    def chart(self) -> dict[str, Any]:
        """The chart's data for ``static/js/charts.js`` (money in major units)."""
        from core.money import to_decimal

        return {
            "currency": self.currency,
            "labels": [point.day.isoformat() for point in self.daily],
            "views": [point.activity.views for point in self.daily],
            "clicks": [point.activity.clicks for point in self.daily],
            "orders": [point.activity.orders for point in self.daily],
            "gmv": [float(to_decimal(p.activity.gmv, self.currency)) for p in self.daily],
        }


def creator_dashboard(
    creator_id: int, days: int, currency: str, *, page: int = 1, now: datetime | None = None
) -> CreatorDashboard:
    """Everything the Creator centre shows for one creator: eight statements."""
    period = Period.ending(days, now)
    hint = tracking.cursor_position()
    return CreatorDashboard(
        period=period,
        currency=currency,
        activity=creator_activity(creator_id, period, hint),
        daily=creator_daily(creator_id, period, hint),
        top_content=top_content(creator_id, period, hint),
        top_products=top_products(creator_id, period, hint),
        commissions=creator_commissions(creator_id, period, currency),
        lines=commission_lines(creator_id, period, page),
    )


# ---------------------------------------------------------------------------- seller's tab


@dataclass(frozen=True)
class SellerDayPoint:
    day: date
    orders: int
    gmv: int
    commission: int


@dataclass(frozen=True)
class BreakdownRow:
    """GMV and commission through one creator, plan or content."""

    key: int | None
    label: str
    detail: str
    lines: int
    gmv: int
    commission: int


def _store_conditions(store_id: int, period: Period) -> tuple[ColumnElement[bool], ...]:
    return (
        Commission.store_id == store_id,
        Commission.created_at >= period.since,
        Commission.created_at < period.until,
    )


def _breakdown_columns() -> tuple[Any, ...]:
    return (
        func.count(Commission.id).label("lines"),
        _sum(net_base()).label("gmv"),
        _sum(net_commission()).label("commission"),
    )


def _breakdown(query: Select[Any], key: Any) -> Select[Any]:
    """The biggest rows first (GMV, then lines), at most ``SELLER_TABLE_ROWS``."""
    return query.order_by(_sum(net_base()).desc(), func.count(Commission.id).desc(), key).limit(
        SELLER_TABLE_ROWS
    )


def store_daily(store_id: int, period: Period) -> list[SellerDayPoint]:
    day = tracking.utc_day(Commission.created_at).label("day")
    rows = db.session.execute(
        select(
            day,
            func.count(func.distinct(Commission.order_id)),
            _sum(net_base()),
            _sum(net_commission()),
        )
        .where(*_store_conditions(store_id, period))
        .group_by(day)
    ).all()
    found = {_as_date(row[0]): row for row in rows}
    points = []
    for current in period.dates():
        row = found.get(current)
        points.append(
            SellerDayPoint(current, *(int(v) for v in row[1:]))
            if row
            else SellerDayPoint(current, 0, 0, 0)
        )
    return points


def store_by_creator(store_id: int, period: Period) -> list[BreakdownRow]:
    rows = db.session.execute(
        _breakdown(
            select(
                Commission.creator_id,
                CreatorProfile.handle,
                func.coalesce(CreatorProfile.display_name, User.display_name),
                *_breakdown_columns(),
            )
            .join(User, User.id == Commission.creator_id)
            .outerjoin(CreatorProfile, CreatorProfile.user_id == Commission.creator_id)
            .where(*_store_conditions(store_id, period))
            .group_by(
                Commission.creator_id,
                CreatorProfile.handle,
                CreatorProfile.display_name,
                User.display_name,
            ),
            Commission.creator_id,
        )
    ).all()
    return [
        BreakdownRow(
            key=creator_id,
            label=f"@{handle}" if handle else name,
            detail=name if handle else "",
            lines=int(lines),
            gmv=int(gmv),
            commission=int(commission),
        )
        for creator_id, handle, name, lines, gmv, commission in rows
    ]


def store_by_plan(store_id: int, period: Period) -> list[BreakdownRow]:
    rows = db.session.execute(
        _breakdown(
            select(Plan.id, Plan.name, Plan.kind, *_breakdown_columns())
            .join(Plan, Plan.id == Commission.plan_id)
            .where(*_store_conditions(store_id, period))
            .group_by(Plan.id, Plan.name, Plan.kind),
            Plan.id,
        )
    ).all()
    return [
        BreakdownRow(plan_id, name, f"{kind} plan", int(lines), int(gmv), int(commission))
        for plan_id, name, kind, lines, gmv, commission in rows
    ]


def store_by_content(store_id: int, period: Period) -> list[BreakdownRow]:
    rows = db.session.execute(
        _breakdown(
            select(Commission.content_id, Content.title, Content.kind, *_breakdown_columns())
            .outerjoin(Content, Content.id == Commission.content_id)
            .where(*_store_conditions(store_id, period))
            .group_by(Commission.content_id, Content.title, Content.kind),
            Commission.content_id,
        )
    ).all()
    return [
        BreakdownRow(
            key=content_id,
            # No content: bought with a creator's personal code (or the content was deleted).
            label=title if content_id is not None else "Creator codes",
            detail=kind or "personal codes, no video or live",
            lines=int(lines),
            gmv=int(gmv),
            commission=int(commission),
        )
        for content_id, title, kind, lines, gmv, commission in rows
    ]


@dataclass(frozen=True)
class SellerDashboard:
    period: Period
    currency: str
    totals: CommissionTotals
    daily: list[SellerDayPoint]
    by_creator: list[BreakdownRow]
    by_plan: list[BreakdownRow]
    by_content: list[BreakdownRow]

    def chart(self) -> dict[str, Any]:
        from core.money import to_decimal

        def major(amount: int) -> float:
            return float(to_decimal(amount, self.currency))

        return {
            "currency": self.currency,
            "labels": [point.day.isoformat() for point in self.daily],
            "orders": [point.orders for point in self.daily],
            "gmv": [major(point.gmv) for point in self.daily],
            "commission": [major(point.commission) for point in self.daily],
        }


def seller_dashboard(
    store_id: int, currency: str, days: int, *, now: datetime | None = None
) -> SellerDashboard:
    """A store's sales through affiliates in the period: five statements."""
    period = Period.ending(days, now)
    return SellerDashboard(
        period=period,
        currency=currency,
        totals=_commission_totals(*_store_conditions(store_id, period)),
        daily=store_daily(store_id, period),
        by_creator=store_by_creator(store_id, period),
        by_plan=store_by_plan(store_id, period),
        by_content=store_by_content(store_id, period),
    )
