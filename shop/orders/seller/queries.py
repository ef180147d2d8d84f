"""What the Seller centre reads about a store's orders: the filtered list, one order's page,
and the numbers of the home page. Each figure is one SQL statement; lists page in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Select, String, case, func, literal, or_, select, union_all
from sqlalchemy.orm import lazyload
from sqlalchemy.sql.elements import ColumnElement

from core.accounts.models import User
from core.extensions import db
from shop.catalog.models import Store
from shop.orders.models import LineStatus, Order, OrderEvent, OrderLine, OrderStatus
from shop.orders.refunds.models import RefundRequest, RefundStatus

REFUND_REQUESTED = "refund_requested"  # a list filter: orders with an open refund request
_MAX_ID = 2**63 - 1


def store_of(user_id: int) -> Store | None:
    # The owner is the signed-in user, loaded already (with roles): not joined again.
    return db.session.scalar(
        select(Store).where(Store.owner_id == user_id).options(lazyload(Store.owner))
    )


@dataclass(frozen=True)
class OrderFilter:
    status: str | None = None  # an OrderStatus value or REFUND_REQUESTED
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _has_open_request() -> ColumnElement[bool]:
    return (
        select(OrderLine.id)
        .where(
            OrderLine.order_id == Order.id,
            OrderLine.status == LineStatus.REFUND_REQUESTED.value,
        )
        .exists()
    )


def _filtered(query: Select[Any], store_id: int, f: OrderFilter) -> Select[Any]:
    query = query.where(Order.store_id == store_id)
    if f.status == REFUND_REQUESTED:
        query = query.where(_has_open_request())
    elif f.status:
        query = query.where(Order.status == f.status)
    if f.date_from:
        query = query.where(Order.placed_at >= _midnight(f.date_from))
    if f.date_to:
        query = query.where(Order.placed_at < _midnight(f.date_to + timedelta(days=1)))
    if f.q:
        text = f.q
        matches: list[ColumnElement[bool]] = [
            User.email.icontains(text, autoescape=True),
            User.display_name.icontains(text, autoescape=True),
            select(OrderLine.id)
            .where(OrderLine.order_id == Order.id, OrderLine.sku.icontains(text, autoescape=True))
            .exists(),
        ]
        digits = text.removeprefix("#")
        if digits.isascii() and digits.isdigit() and int(digits) <= _MAX_ID:
            matches.append(Order.id == int(digits))
        query = query.where(or_(*matches))
    return query


@dataclass(frozen=True)
class OrderRow:
    """One order of the list, as the page shows it (columns, not the order and its lines)."""

    id: int
    placed_at: datetime
    status: str
    complimentary: bool
    total: int
    currency: str
    refunded_amount: int
    buyer_name: str
    buyer_email: str
    first_title: str | None  # the first line's title
    line_count: int
    awaits_refund_decision: bool  # a line's refund was asked and is not decided yet


def known_total(f: OrderFilter, counts: dict[str, int]) -> int | None:
    """How many orders the list holds, read off ``status_counts`` when the filter is at most
    a state (None: the list must count, e.g. a search or a date range)."""
    if f.date_from or f.date_to or f.q or f.status == REFUND_REQUESTED:
        return None
    if f.status:
        return counts.get(f.status, 0)
    return sum(n for status, n in counts.items() if status != REFUND_REQUESTED)


def list_orders(
    store_id: int, f: OrderFilter, *, page: int, per_page: int, total: int | None = None
) -> tuple[list[OrderRow], int]:
    """One page of the store's orders with their buyers, newest first, and the total count
    (counted unless ``total`` says it): one statement, two when counting."""
    if total is None:
        counted = select(func.count(Order.id))
        if f.q:  # the search reads the buyer; otherwise the count stays on the order index
            counted = counted.join(User, User.id == Order.buyer_id)
        total = db.session.scalar(_filtered(counted, store_id, f)) or 0
    ids = select(Order.id)
    if f.q:
        ids = ids.join(User, User.id == Order.buyer_id)
    # The page's ids first (on the store's index), then only those orders read and described.
    chosen = (
        _filtered(ids, store_id, f)
        .order_by(Order.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery("chosen")
    )
    first_title = (
        select(OrderLine.title)
        .where(OrderLine.order_id == Order.id)
        .order_by(OrderLine.id)
        .limit(1)
        .scalar_subquery()
    )
    line_count = (
        select(func.count(OrderLine.id)).where(OrderLine.order_id == Order.id).scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Order.id,
            Order.placed_at,
            Order.status,
            Order.complimentary,
            Order.total,
            Order.currency,
            Order.refunded_amount,
            User.display_name,
            User.email,
            first_title,
            line_count,
            _has_open_request(),
        )
        .join(chosen, chosen.c.id == Order.id)
        .join(User, User.id == Order.buyer_id)
        .order_by(Order.id.desc())
    ).all()
    return [OrderRow(*cast("tuple[Any, ...]", row)) for row in rows], total


def status_counts(store_id: int) -> dict[str, int]:
    """How many of the store's orders are in each state, and how many await a refund decision:
    one statement."""
    by_status = (
        select(Order.status.label("status"), func.count(Order.id).label("n"))
        .where(Order.store_id == store_id)
        .group_by(Order.status)
    )
    refunds = (
        select(
            literal(REFUND_REQUESTED, String).label("status"),
            func.count(func.distinct(RefundRequest.order_id)).label("n"),
        )
        .join(Order, Order.id == RefundRequest.order_id)
        .where(
            Order.store_id == store_id,
            RefundRequest.status == RefundStatus.REQUESTED.value,
        )
    )
    counts = {status.value: 0 for status in OrderStatus}
    counts[REFUND_REQUESTED] = 0
    rows = db.session.execute(union_all(by_status, refunds))
    counts.update({status: int(n) for status, n in rows})
    return counts


@dataclass(frozen=True)
class OrderPage:
    order: Order
    buyer: User
    events: list[OrderEvent]
    refunds: list[RefundRequest]

    @property
    def open_refunds(self) -> list[RefundRequest]:
        return [r for r in self.refunds if r.status == RefundStatus.REQUESTED.value]


def order_page(order: Order) -> OrderPage:
    buyer = db.session.get(User, order.buyer_id)
    assert buyer is not None  # buyer_id is a RESTRICT foreign key
    events = db.session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
    ).all()
    refunds = db.session.scalars(
        select(RefundRequest).where(RefundRequest.order_id == order.id).order_by(RefundRequest.id)
    ).all()
    return OrderPage(order=order, buyer=buyer, events=list(events), refunds=list(refunds))


# --- the Seller centre home ------------------------------------------------------------------


@dataclass(frozen=True)
class Numbers:
    orders_today: int
    gmv_week: int
    to_ship: int
    week_starts: datetime


@dataclass(frozen=True)
class DayPoint:
    day: date
    orders: int
    gmv: int


def _net() -> ColumnElement[int]:
    """What the buyer paid and kept paid: cancelled and refunded amounts do not count."""
    return Order.total - Order.refunded_amount


def numbers(store_id: int, now: datetime) -> Numbers:
    """Orders paid today, GMV since Monday 00:00 UTC, and orders waiting to ship: one query."""
    today = _midnight(now.astimezone(UTC).date())
    monday = today - timedelta(days=today.weekday())
    since = min(today, monday)
    paid = OrderStatus.PAID.value
    row = db.session.execute(
        select(
            func.coalesce(func.sum(case((Order.paid_at >= today, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Order.paid_at >= monday, _net()), else_=0)), 0),
            func.coalesce(func.sum(case((Order.status == paid, 1), else_=0)), 0),
        ).where(Order.store_id == store_id, or_(Order.paid_at >= since, Order.status == paid))
    ).one()
    return Numbers(
        orders_today=int(row[0]), gmv_week=int(row[1]), to_ship=int(row[2]), week_starts=monday
    )


def _utc_day(column: Any) -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def daily(store_id: int, now: datetime, days: int = 30) -> list[DayPoint]:
    """Orders paid and GMV per UTC day over the last ``days`` days (today included), oldest
    first, with empty days as zeros: one GROUP BY query."""
    last = now.astimezone(UTC).date()
    first = last - timedelta(days=days - 1)
    day = _utc_day(Order.paid_at).label("day")
    rows = db.session.execute(
        select(day, func.count(Order.id), func.coalesce(func.sum(_net()), 0))
        .where(Order.store_id == store_id, Order.paid_at >= _midnight(first))
        .group_by(day)
    ).all()
    found = {_as_date(value): (int(count), int(gmv)) for value, count, gmv in rows}
    points = []
    for offset in range(days):
        current = first + timedelta(days=offset)
        count, gmv = found.get(current, (0, 0))
        points.append(DayPoint(day=current, orders=count, gmv=gmv))
    return points


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
