"""Refund requests: a line's refund asked by its buyer (or a whole order's, when it is cancelled
after payment or paid after it was released), decided once, and, once on the books, followed on
its way back through the payment provider (``provider_state``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.types import UTCDateTime, utcnow
from shop.orders.models import Order, OrderLine


class RefundStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"
    REFUNDED = "refunded"

    @property
    def label(self) -> str:
        return "Refunded" if self is RefundStatus.REFUNDED else f"Refund {self.value}"


class ProviderRefundState(StrEnum):
    """Where a refunded amount is on its way back to the buyer's payment method."""

    REQUESTED = "requested"  # on the books; the provider has not been told yet
    SENT = "sent"  # the provider took it and has not confirmed it yet
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # permanent, or retries ran out: in the finance queue

    @property
    def label(self) -> str:
        return {
            "requested": "Refund on its way",
            "sent": "Refund sent to the card",
            "succeeded": "Refunded to the card",
            "failed": "Refund delayed",
        }[self.value]


class RefundRequest(Model):
    __tablename__ = "refund_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="RESTRICT"))
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_line.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), default=RefundStatus.REQUESTED.value)
    decision_note: Mapped[str | None] = mapped_column(String(500))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The money's way back through the payment provider, once the refund is on the books.
    provider_state: Mapped[str | None] = mapped_column(String(12))
    provider_refund_id: Mapped[str | None] = mapped_column(String(100))
    idempotency_key: Mapped[str | None] = mapped_column(String(120))
    provider_attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_error: Mapped[str | None] = mapped_column(String(500))
    provider_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A payment that succeeded after its order was released: returned whole, never booked.
    late_payment: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    order: Mapped[Order] = relationship()
    line: Mapped[OrderLine | None] = relationship()

    @property
    def awaits_decision(self) -> bool:
        """The seller has yet to approve or decline it."""
        return self.status == RefundStatus.REQUESTED.value

    @property
    def was_refunded(self) -> bool:
        return self.status == RefundStatus.REFUNDED.value

    @property
    def was_declined(self) -> bool:
        return self.status == RefundStatus.DECLINED.value

    @property
    def status_label(self) -> str:
        return RefundStatus(self.status).label

    @property
    def stuck_at_provider(self) -> bool:
        """The card processor did not take the refund back: finance retries it."""
        return self.provider_state == ProviderRefundState.FAILED.value

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "status IN ('requested', 'approved', 'declined', 'refunded')", name="status_known"
        ),
        CheckConstraint(
            "provider_state IS NULL OR provider_state IN "
            "('requested', 'sent', 'succeeded', 'failed')",
            name="provider_state_known",
        ),
        Index("ix_refund_request_order_id", "order_id"),
        Index("ix_refund_request_provider_state", "provider_state"),
        Index(
            "uq_refund_request_provider_refund_id",
            "provider_refund_id",
            unique=True,
            sqlite_where=text("provider_refund_id IS NOT NULL"),
            postgresql_where=text("provider_refund_id IS NOT NULL"),
        ),
        # One open request per line, even when a buyer double-submits the form.
        Index(
            "uq_refund_request_open_line",
            "order_line_id",
            unique=True,
            sqlite_where=text("status = 'requested'"),
            postgresql_where=text("status = 'requested'"),
        ),
    )
