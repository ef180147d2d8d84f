"""What the Creator centre reads for one creator: activity and commission over a period.

Activity (views, clicks, orders, GMV) comes from ``content_daily_stat`` plus the events that
the roll-up job has not folded yet (the *tail*: ids past its cursor), so figures are exact the
moment an event is recorded. Each statement reads the cursor itself, in the same snapshot as
the rollups, so a roll-up committing between two statements never counts an event twice; the
cursor read beforehand (``hint``) only tells the planner how short the tail is, so that it
walks the tail by primary key rather than a creator's whole history.

Money earned comes from ``commission`` (one row per attributed order line), split as
``attribution.queries`` says. Every function is a fixed number of statements whatever the data
(the pages' tests count them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, cast, func, select, union_all

from affiliate.creators.attribution import tracking
from affiliate.creators.attribution.models import (
    Commission,
    ContentDailyStat,
    ContentEvent,
    EventKind,
)
from affiliate.creators.attribution.queries import CommissionTotals, commission_totals
from affiliate.creators.centre.queries import figures
from affiliate.creators.centre.queries.lines import LINES_PER_PAGE, LinesPage, commission_lines
from affiliate.creators.centre.queries.period import Period, as_date
from affiliate.creators.content.models import Content
from core.extensions import db
from core.money import to_decimal
from shop.catalog.models import Product

TOP_ROWS = 5


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
    found = {as_date(row.day): _activity_of(row) for row in rows}
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


def creator_commissions(creator_id: int, period: Period, currency: str) -> CommissionTotals:
    """The creator's commission in ``currency`` on lines created in the period."""
    return commission_totals(
        Commission.creator_id == creator_id,
        Commission.created_at >= period.since,
        Commission.created_at < period.until,
        Commission.currency == currency,
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
    lines: LinesPage

    @property
    def has_activity(self) -> bool:
        """Whether there is anything to chart."""
        a = self.activity
        return bool(a.views or a.cart_opens or a.clicks or a.add_to_carts or a.orders)

    def chart(self) -> dict[str, Any]:
        """The chart's data for ``static/js/charts.js`` (money in major units)."""
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
    """Everything the Creator centre shows for one creator: eight statements (two while the
    period's figures are remembered, see ``figures``; ``now`` given: always live)."""
    period = Period.ending(days, now)

    def build() -> tuple[Any, ...]:
        hint = tracking.cursor_position()
        return (
            creator_activity(creator_id, period, hint),
            creator_daily(creator_id, period, hint),
            top_content(creator_id, period, hint),
            top_products(creator_id, period, hint),
            creator_commissions(creator_id, period, currency),
        )

    activity, daily, content, products, commissions = (
        build()
        if now is not None
        else figures.remember(("creator", creator_id, days, currency), build)
    )
    return CreatorDashboard(
        period=period,
        currency=currency,
        activity=activity,
        daily=daily,
        top_content=content,
        top_products=products,
        commissions=commissions,
        lines=commission_lines(
            (Commission.creator_id == creator_id,), period, page, per_page=LINES_PER_PAGE
        ),
    )
