"""Webhook endpoints, the events sent to them, each delivery and each attempt of it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.types import UTCDateTime, utcnow

URL_MAX = 2000
DESCRIPTION_MAX = 200
ERROR_MAX = 500
#: How much of a response body the log keeps.
RESPONSE_EXCERPT_MAX = 1000


class EventType(StrEnum):
    ORDER_PAID = "order.paid"
    ORDER_SHIPPED = "order.shipped"
    ORDER_DELIVERED = "order.delivered"
    ORDER_REFUNDED = "order.refunded"
    COMMISSION_EARNED = "commission.earned"
    COMMISSION_SETTLED = "commission.settled"
    COMMISSION_REVERSED = "commission.reversed"
    WITHDRAWAL_PAID = "withdrawal.paid"
    WITHDRAWAL_FAILED = "withdrawal.failed"
    PRODUCT_UPDATED = "product.updated"
    PLAN_RATE_CHANGED = "plan.rate_changed"
    #: Sent only by "Send test event", to the one endpoint asked.
    TEST = "webhook.test"


#: Who may subscribe to what: sellers get their store's events, creators their own.
SELLER_EVENTS = (
    EventType.ORDER_PAID,
    EventType.ORDER_SHIPPED,
    EventType.ORDER_DELIVERED,
    EventType.ORDER_REFUNDED,
    EventType.PRODUCT_UPDATED,
    EventType.PLAN_RATE_CHANGED,
)
CREATOR_EVENTS = (
    EventType.COMMISSION_EARNED,
    EventType.COMMISSION_SETTLED,
    EventType.COMMISSION_REVERSED,
    EventType.WITHDRAWAL_PAID,
    EventType.WITHDRAWAL_FAILED,
)


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # out of attempts, or its endpoint was disabled or deleted


class WebhookEndpoint(Model):
    """A URL of a seller's or creator's, the events it wants, and the secret that signs them."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(URL_MAX))
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX), default="")
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(80))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(ERROR_MAX))
    #: When the first failure since the last success happened (None: healthy).
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_webhook_endpoint_owner", "owner_id"),)

    def wants(self, event_type: str) -> bool:
        return self.enabled and event_type in (self.events or [])


class WebhookEvent(Model):
    """One thing that happened to an account, as sent (the same id on every delivery)."""

    __tablename__ = "webhook_event"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # evt_...
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_webhook_event_owner_time", "owner_id", "created_at"),)


class WebhookDelivery(Model):
    """One event to one endpoint (a replay is a new delivery of the same event)."""

    __tablename__ = "webhook_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(ForeignKey("webhook_event.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(12), default=DeliveryState.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    replay_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_delivery.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[WebhookEvent] = relationship(lazy="joined")
    endpoint: Mapped[WebhookEndpoint] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("state IN ('pending', 'succeeded', 'failed')", name="state_known"),
        Index("ix_webhook_delivery_endpoint", "endpoint_id", "created_at"),
        Index("ix_webhook_delivery_event", "event_id"),
    )


class WebhookAttempt(Model):
    """One HTTP request of a delivery, as the log shows it."""

    __tablename__ = "webhook_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_delivery.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1 for the first attempt of the delivery
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    response_code: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(ERROR_MAX))
    response_excerpt: Mapped[str | None] = mapped_column(String(RESPONSE_EXCERPT_MAX))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)

    delivery: Mapped[WebhookDelivery] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("duration_ms >= 0", name="duration_not_negative"),
        Index("ix_webhook_attempt_endpoint_time", "endpoint_id", "attempted_at"),
        Index("ix_webhook_attempt_delivery", "delivery_id"),
    )
