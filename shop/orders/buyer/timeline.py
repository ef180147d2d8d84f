"""An order's timeline as its buyer reads it: the steps so far, and the milestones to come."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from shop.orders.models import Order

MILESTONES = (
    ("placed", "Placed", "placed_at"),
    ("paid", "Paid", "paid_at"),
    ("shipped", "Shipped", "shipped_at"),
    ("delivered", "Delivered", "delivered_at"),
    ("completed", "Completed", "completed_at"),
)
PROGRESS = ("pending_payment", "paid", "shipped", "delivered", "completed")
EVENT_LABELS = {
    "placed": "Order placed",
    "paid": "Paid",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
    "refund_requested": "Refund requested",
    "refund_declined": "Refund declined",
    "refund_delayed": "Refund delayed",
}


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    label: str
    at: datetime | None
    note: str


def timeline(order: Order) -> tuple[list[TimelineEntry], list[str]]:
    """The order's steps so far (its events, plus any milestone reached without one) and the
    milestones still to come (none once it is cancelled or refunded)."""
    entries = [
        TimelineEntry(
            e.kind,
            EVENT_LABELS.get(e.kind, e.kind.replace("_", " ").capitalize()),
            e.created_at,
            e.note,
        )
        for e in order.events
    ]
    seen = {entry.kind for entry in entries}
    progress = PROGRESS.index(order.status) if order.status in PROGRESS else -1
    upcoming = []
    for index, (kind, label, stamp) in enumerate(MILESTONES):
        at = getattr(order, stamp)
        if kind in seen:
            continue
        if at is not None or index <= progress:
            entries.append(TimelineEntry(kind, EVENT_LABELS[kind], at, ""))
        elif progress >= 0:
            upcoming.append(label)
    far_past = datetime.min.replace(tzinfo=UTC)
    entries.sort(key=lambda entry: entry.at or far_past)
    return entries, upcoming
