"""Commission lines as the Creator centre and the seller's affiliate sales list them: each
with why it has its rate (the plan, its kind, the plans it beat, as snapshotted on the order
line) and when it settles. One statement for the first page, two for a later one, whatever
the data.

The lines are counted only up to ``LINES_COUNT_CAP`` past the page asked for ("1,000+"): an
exact count of a busy store's month read every line (~20 ms at 100k lines a month), the capped
one reads at most the cap's entries of the (owner, time) index, whatever the data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, func, select

from affiliate.creators.attribution.models import Commission, CommissionState
from affiliate.creators.attribution.settlement import ExpectedSettlement, expected_settlement
from affiliate.creators.centre.queries.period import Period
from core.accounts.models import User
from core.extensions import db
from core.web.pagination import Page
from shop.orders.models import Order, OrderLine

LINES_PER_PAGE = 20
#: Lines are counted up to this many (or to the end of the page asked for, if further).
LINES_COUNT_CAP = 1000

STATE_BADGES = {
    CommissionState.PENDING: "text-bg-warning",
    CommissionState.SETTLED: "text-bg-success",
    CommissionState.REVERSED: "text-bg-secondary",
    CommissionState.CLAWED_BACK: "text-bg-danger",
}


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
    basis: str | None  # why this rate: the plan, its kind, the plans it beat (the line's snapshot)
    delivered_at: datetime | None
    settled_at: datetime | None
    creator_name: str
    held: bool = False

    @property
    def commission_state(self) -> CommissionState:
        return CommissionState(self.state)

    @property
    def settlement(self) -> ExpectedSettlement | None:
        """When it settles (or settled): delivery + the return window; None once reversed."""
        return expected_settlement(
            self.state,
            delivered_at=self.delivered_at,
            settled_at=self.settled_at,
            held=self.held,
        )

    @property
    def badge(self) -> str:
        """The colour of the state's badge."""
        return "text-bg-danger" if self.held else STATE_BADGES[self.commission_state]

    @property
    def state_label(self) -> str:
        return "On hold" if self.held else self.commission_state.label

    @property
    def order_status_label(self) -> str:
        return self.order_status.replace("_", " ").capitalize()


@dataclass(frozen=True)
class LinesPage(Page[CommissionLine]):
    """A page of lines whose ``total`` may be a lower bound: ``more`` says there are more lines
    than ``total`` (the count stopped there), so there is a next page and the last is unknown."""

    more: bool = False

    @property
    def pages(self) -> int:
        return max(super().pages, self.page + 1) if self.more else super().pages

    @property
    def has_next(self) -> bool:
        return self.more or super().has_next

    @property
    def total_label(self) -> str:
        """The count as the page shows it: "1,000+" once it stopped counting."""
        return f"{self.total:,}+" if self.more else str(self.total)


def commission_lines(
    conditions: Sequence[ColumnElement[bool]],
    period: Period,
    page: int,
    per_page: int = LINES_PER_PAGE,
) -> LinesPage:
    """A page of the commission lines that match ``conditions`` (one creator's, one store's)
    created in the period, newest first. The count stops past ``LINES_COUNT_CAP`` lines, or
    past the page asked for when that is further. The first page is one statement (the count
    rides along as a column: an empty first page counts nothing); a later one two, the count
    first, so that a page past the end shows the last."""
    where = (
        *conditions,
        Commission.created_at >= period.since,
        Commission.created_at < period.until,
    )
    page = max(page, 1)
    reach = max(LINES_COUNT_CAP, page * per_page)
    probe = select(Commission.id).where(*where).limit(reach + 1).subquery()
    count = select(func.count()).select_from(probe)
    if page == 1:
        found = db.session.execute(_lines(where, 0, per_page).add_columns(count.scalar_subquery()))
        rows = [cast("tuple[Any, ...]", row) for row in found]
        counted = int(rows[0][-1]) if rows else 0
        items = [CommissionLine(*row[:-1]) for row in rows]
    else:
        counted = db.session.scalar(count) or 0
        if counted <= reach:
            page = min(page, max(1, -(-counted // per_page)))
        found = db.session.execute(_lines(where, (page - 1) * per_page, per_page))
        items = [CommissionLine(*row) for row in found]
    more = counted > reach
    return LinesPage(
        items=items, page=page, per_page=per_page, total=min(counted, reach), more=more
    )


def _lines(where: tuple[ColumnElement[bool], ...], offset: int, limit: int) -> Select[Any]:
    return (
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
            OrderLine.commission_basis,
            Order.delivered_at,
            Commission.settled_at,
            User.display_name,
            Commission.held_at.is_not(None),
        )
        .join(Order, Order.id == Commission.order_id)
        .join(OrderLine, OrderLine.id == Commission.order_line_id)
        .join(User, User.id == Commission.creator_id)
        .where(*where)
        .order_by(Commission.created_at.desc(), Commission.id.desc())
        .limit(limit)
        .offset(offset)
    )
