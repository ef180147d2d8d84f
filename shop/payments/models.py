"""A buyer's payment: one per checkout, covering the orders placed together."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.types import UTCDateTime, utcnow

if TYPE_CHECKING:  # the relationship is resolved by name; the orders import this module
    from shop.orders.models import Order


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"  # its orders were released unpaid; the provider was told to cancel


class Payment(Model):
    """One payment by a buyer, covering the orders of one checkout."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    provider: Mapped[str] = mapped_column(String(20))
    provider_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(12), default=PaymentStatus.PENDING.value)
    failure_reason: Mapped[str | None] = mapped_column(String(255))
    # The provider's fingerprint of the card that paid (the same card gives the same one, at
    # Stripe per account); None when the provider gave none. The fraud rules compare it.
    card_fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    orders: Mapped[list[Order]] = relationship(back_populates="payment", order_by="Order.id")

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed', 'cancelled')", name="status_known"
        ),
        Index("ix_payment_buyer_id", "buyer_id"),
        Index("ix_payment_card_fingerprint", "card_fingerprint"),
    )

    @property
    def succeeded(self) -> bool:
        return self.status == PaymentStatus.SUCCEEDED.value

    @property
    def last_attempt_failed(self) -> bool:
        """The buyer's last try was declined (the pay page says why and offers another try)."""
        return self.status == PaymentStatus.FAILED.value and bool(self.failure_reason)
