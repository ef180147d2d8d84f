"""The reviews' windows and limits, and the eligibility of an order line, as plain rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shop.orders.models import LineStatus, Order, OrderLine

#: A delivered line may be reviewed this long after its delivery.
REVIEW_WINDOW = timedelta(days=60)
#: A review may be edited by its author this long after it was posted.
EDIT_WINDOW = timedelta(days=7)
MAX_PHOTOS = 5
MIN_BODY = 0
MAX_BODY = 2000
MAX_REPLY = 1000
MIN_HIDE_REASON = 3
MAX_HIDE_REASON = 300
#: Stars that make a review negative (the sellers' negative-review rate).
NEGATIVE_AT_MOST = 2


@dataclass(frozen=True)
class Eligibility:
    """Whether a line may be reviewed at a moment, and why not."""

    allowed: bool
    reason: str = ""
    until: datetime | None = None


def review_deadline(order: Order) -> datetime | None:
    return order.delivered_at + REVIEW_WINDOW if order.delivered_at else None


def line_eligibility(order: Order, line: OrderLine, now: datetime) -> Eligibility:
    """A line may be reviewed once it is delivered, for ``REVIEW_WINDOW`` (a refunded line
    too: its review is marked as such); a cancelled one never."""
    if line.status == LineStatus.CANCELLED.value or order.delivered_at is None:
        return Eligibility(False, "You can review an item once it has been delivered.")
    deadline = review_deadline(order)
    assert deadline is not None
    if now > deadline:
        return Eligibility(
            False,
            f"Reviews are open for {REVIEW_WINDOW.days} days after delivery; "
            "this item's window has closed.",
        )
    return Eligibility(True, until=deadline)


def editable_until(created_at: datetime) -> datetime:
    return created_at + EDIT_WINDOW


def is_negative(rating: int) -> bool:
    return rating <= NEGATIVE_AT_MOST
