"""The limits against spam: a seller's messages before the creator answers, and the new
conversations a store may open a day (a base, plus one per slice of its 30-day affiliate GMV,
capped). Built from the configuration by the views (``Limits.from_config``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from affiliate.messages.models import Conversation, Side
from core.extensions import db
from core.types import utcnow
from shop.orders.models import LineStatus, Order, OrderLine, OrderStatus

#: Orders whose attributed lines count as the store's affiliate GMV.
_SOLD = (
    OrderStatus.PAID.value,
    OrderStatus.SHIPPED.value,
    OrderStatus.DELIVERED.value,
    OrderStatus.COMPLETED.value,
)
GMV_DAYS = 30


@dataclass(frozen=True)
class Limits:
    """The anti-spam limits (configuration: ``MESSAGES_*``)."""

    before_reply: int = 5
    first_contacts_base: int = 20
    #: One more first contact a day per this much 30-day affiliate GMV (minor units).
    first_contacts_per_gmv: int = 100_000
    first_contacts_cap: int = 200

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        return cls(
            before_reply=int(config.get("MESSAGES_BEFORE_REPLY", cls.before_reply)),
            first_contacts_base=int(
                config.get("MESSAGES_FIRST_CONTACTS_BASE", cls.first_contacts_base)
            ),
            first_contacts_per_gmv=int(
                config.get("MESSAGES_FIRST_CONTACTS_PER_GMV", cls.first_contacts_per_gmv)
            ),
            first_contacts_cap=int(
                config.get("MESSAGES_FIRST_CONTACTS_CAP", cls.first_contacts_cap)
            ),
        )


#: The defaults, for callers that pass no configuration (tests, scripts).
DEFAULT_LIMITS = Limits()


def store_affiliate_gmv(store_id: int, now: datetime, days: int = GMV_DAYS) -> int:
    """What buyers paid over ``days`` on the store's lines attributed to a creator."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(OrderLine.amount), 0))
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.store_id == store_id,
            Order.status.in_(_SOLD),
            Order.paid_at >= now - timedelta(days=days),
            Order.complimentary.is_(False),
            OrderLine.creator_id.is_not(None),
            OrderLine.status.in_((LineStatus.OPEN.value, LineStatus.REFUND_REQUESTED.value)),
        )
    )
    return int(total or 0)


def _day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def first_contacts_today(store_id: int, now: datetime) -> int:
    """Conversations the store opened since the start of ``now``'s UTC day."""
    count = db.session.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(
            Conversation.store_id == store_id,
            Conversation.opened_by == Side.SELLER.value,
            Conversation.created_at >= _day_start(now),
        )
    )
    return int(count or 0)


def first_contact_allowance(store_id: int, limits: Limits, now: datetime) -> int:
    """New conversations a store may open a day: a base plus one per slice of 30-day
    affiliate GMV, capped."""
    per = max(limits.first_contacts_per_gmv, 1)
    grown = limits.first_contacts_base + store_affiliate_gmv(store_id, now) // per
    return min(grown, limits.first_contacts_cap)


@dataclass(frozen=True)
class Allowance:
    used: int
    allowed: int

    @property
    def left(self) -> int:
        return max(self.allowed - self.used, 0)


def first_contacts(store_id: int, limits: Limits, now: datetime | None = None) -> Allowance:
    now = now or utcnow()
    return Allowance(
        first_contacts_today(store_id, now), first_contact_allowance(store_id, limits, now)
    )
