"""Mails the platform sent (or will send), and the kinds of mail each user turned off."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import Model
from core.types import UTCDateTime, utcnow

EVENT_KEY_LENGTH = 200
ERROR_LENGTH = 1000


class MailCategory(StrEnum):
    """What a mail is about; each user may turn off any category but ``SECURITY``."""

    SECURITY = "security"
    ORDERS = "orders"
    SELLER_ORDERS = "seller_orders"
    PLANS = "plans"
    EARNINGS = "earnings"
    WITHDRAWALS = "withdrawals"
    FINANCE = "finance"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]

    @property
    def is_optional(self) -> bool:
        return self is not MailCategory.SECURITY

    @property
    def is_transactional(self) -> bool:
        """A receipt-like notice about the user's own order or money: no unsubscribe link."""
        return self in {MailCategory.SECURITY, MailCategory.ORDERS, MailCategory.WITHDRAWALS}


CATEGORY_LABELS = {
    MailCategory.SECURITY: "Security notices (always sent)",
    MailCategory.ORDERS: "My orders: confirmation, payment, shipping and refunds",
    MailCategory.SELLER_ORDERS: "My store: new orders to ship and refund requests",
    MailCategory.PLANS: "Plan invitations and decisions",
    MailCategory.EARNINGS: "Weekly digest of settled commission",
    MailCategory.WITHDRAWALS: "My withdrawals: requested, paid or failed",
    MailCategory.FINANCE: "Finance: withdrawals waiting for a second approval",
}


class SentMail(Model):
    """One mail for one recipient, rendered when queued; ``(event_key, recipient)`` is unique,
    so one event never mails one address twice."""

    __tablename__ = "sent_mail"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_key: Mapped[str] = mapped_column(String(EVENT_KEY_LENGTH))
    recipient: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    template: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(ERROR_LENGTH))

    __table_args__ = (
        UniqueConstraint("event_key", "recipient"),
        Index("ix_sent_mail_user_id", "user_id"),
    )

    @property
    def message_id(self) -> str:
        """A stable Message-ID: a retried send is recognisably the same mail."""
        return f"<mail-{self.id}@yellowcart>"


class MailOptOut(Model):
    """The user turned off one category of mail (no row: they receive it)."""

    __tablename__ = "mail_opt_out"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "category"),)
