"""What the buyer may do with their order now, for the page to ask (never to work out from
states): mark it delivered, whether the return window is open (or when it closed), and per line
whether a refund may be asked and what became of the ones asked. The answers come from the
state machines (``shop.orders.states``), so the page shows exactly the buttons that the
services would accept.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core.extensions import db
from core.types import utcnow
from shop.orders.lifecycle import DEFAULT_RETURN_WINDOW_DAYS, return_window_ends
from shop.orders.models import LineStatus, Order, OrderLine, OrderStatus
from shop.orders.refunds.models import RefundRequest
from shop.orders.states import ORDER, ORDER_LINE

S = OrderStatus


@dataclass(frozen=True)
class LineActions:
    line: OrderLine
    requests: list[RefundRequest]
    can_request_refund: bool

    @property
    def latest(self) -> RefundRequest | None:
        return self.requests[-1] if self.requests else None


@dataclass(frozen=True)
class BuyerActions:
    order: Order
    can_mark_delivered: bool
    window_ends: datetime | None
    window_open: bool
    lines: list[LineActions]

    @property
    def any(self) -> bool:
        return self.can_mark_delivered or any(
            item.can_request_refund or item.requests for item in self.lines
        )

    @property
    def window_closed(self) -> bool:
        """The return window of a delivered (or since completed) order has passed."""
        after_delivery = self.order.status in (S.DELIVERED.value, S.COMPLETED.value)
        return self.window_ends is not None and not self.window_open and after_delivery

    @property
    def shown_lines(self) -> list[LineActions]:
        """Every line while refunds may be asked; afterwards, those that have a request."""
        if self.window_open:
            return self.lines
        return [item for item in self.lines if item.requests]


def refund_requests_of(order: Order) -> list[RefundRequest]:
    query = select(RefundRequest).where(RefundRequest.order_id == order.id)
    return list(db.session.scalars(query.order_by(RefundRequest.id)))


def buyer_actions(
    order: Order, *, window_days: int = DEFAULT_RETURN_WINDOW_DAYS, now: datetime | None = None
) -> BuyerActions:
    """What the buyer may do with the order now, and the state of each line's refund."""
    now = now or utcnow()
    # A free sample was never paid: it has no return window and nothing to refund.
    ends = None if order.complimentary else return_window_ends(order, window_days)
    window_open = order.status == S.DELIVERED.value and ends is not None and now <= ends
    by_line: dict[int | None, list[RefundRequest]] = defaultdict(list)
    for refund in refund_requests_of(order):
        by_line[refund.order_line_id].append(refund)
    lines = [
        LineActions(
            line=line,
            requests=by_line.get(line.id, []),
            can_request_refund=window_open
            and ORDER_LINE.can_move(line, LineStatus.REFUND_REQUESTED),
        )
        for line in order.lines
    ]
    return BuyerActions(
        order=order,
        can_mark_delivered=ORDER.can_move(order, S.DELIVERED),
        window_ends=ends,
        window_open=window_open,
        lines=lines,
    )
