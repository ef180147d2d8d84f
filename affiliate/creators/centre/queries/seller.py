"""What the Seller centre's affiliate tab reads for one store: sales through creators over a
period, day by day and broken down by creator, plan and content.

Money comes from ``commission`` (one row per attributed order line), split as
``attribution.queries`` says; every function is one statement (the page's tests count them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.sql.elements import ColumnElement

from affiliate.creators.attribution import tracking
from affiliate.creators.attribution.models import Commission
from affiliate.creators.attribution.queries import (
    CommissionTotals,
    commission_totals,
    net_base,
    net_commission,
    sum_of,
)
from affiliate.creators.centre.queries import figures
from affiliate.creators.centre.queries.lines import LinesPage, commission_lines
from affiliate.creators.centre.queries.period import Period, as_date
from affiliate.creators.content.models import Content
from affiliate.plans.models import Plan
from affiliate.profiles.models import CreatorProfile
from core.accounts.models import User
from core.extensions import db
from core.money import to_decimal

TABLE_ROWS = 20


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
        sum_of(net_base()).label("gmv"),
        sum_of(net_commission()).label("commission"),
    )


def _breakdown(query: Select[Any], key: Any) -> Select[Any]:
    """The biggest rows first (GMV, then lines), at most ``TABLE_ROWS``."""
    return query.order_by(sum_of(net_base()).desc(), func.count(Commission.id).desc(), key).limit(
        TABLE_ROWS
    )


def store_daily(store_id: int, period: Period) -> list[SellerDayPoint]:
    day = tracking.utc_day(Commission.created_at).label("day")
    rows = db.session.execute(
        select(
            day,
            func.count(func.distinct(Commission.order_id)),
            sum_of(net_base()),
            sum_of(net_commission()),
        )
        .where(*_store_conditions(store_id, period))
        .group_by(day)
    ).all()
    found = {as_date(row[0]): row for row in rows}
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
    lines: LinesPage

    def chart(self) -> dict[str, Any]:
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
    store_id: int, currency: str, days: int, *, now: datetime | None = None, page: int = 1
) -> SellerDashboard:
    """A store's sales through affiliates in the period: seven statements (two while the
    period's figures are remembered, see ``figures``; ``now`` given: always live)."""
    period = Period.ending(days, now)

    def build() -> tuple[Any, ...]:
        return (
            commission_totals(*_store_conditions(store_id, period)),
            store_daily(store_id, period),
            store_by_creator(store_id, period),
            store_by_plan(store_id, period),
            store_by_content(store_id, period),
        )

    totals, daily, by_creator, by_plan, by_content = (
        build() if now is not None else figures.remember(("store", store_id, days), build)
    )
    return SellerDashboard(
        period=period,
        currency=currency,
        totals=totals,
        daily=daily,
        by_creator=by_creator,
        by_plan=by_plan,
        by_content=by_content,
        lines=commission_lines((Commission.store_id == store_id,), period, page),
    )
