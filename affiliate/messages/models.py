"""Conversations between a store and a creator, their messages, and reports of abuse.

One conversation per (store, creator). Each side's unread count and the seller's run of
unanswered messages are counters on the conversation, kept by ``services.send``, so the menu's
badge and the anti-spam rule read one row instead of counting messages.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.types import UTCDateTime, utcnow
from shop.catalog.models import Store

BODY_MAX = 2000
REPORT_REASON_MIN = 5
REPORT_REASON_MAX = 1000


class Side(StrEnum):
    SELLER = "seller"
    CREATOR = "creator"

    @property
    def other(self) -> Side:
        return Side.CREATOR if self is Side.SELLER else Side.SELLER


class Origin(StrEnum):
    """Where the first message was written from (shown to the other side)."""

    DIRECTORY = "directory"
    PROFILE = "profile"
    PLAN = "plan"
    SAMPLE = "sample"
    INVITATION = "invitation"
    MESSAGES = "messages"
    BULK = "bulk"


class CardKind(StrEnum):
    """What a message carries besides its text, acting in place in the thread."""

    INVITATION = "invitation"  # card_ref: a plan membership (targeted plan invitation)
    PRODUCT = "product"  # card_ref: a product of the store
    SAMPLE = "sample"  # card_ref: a sample request to the store


class Conversation(Model):
    __tablename__ = "conversation"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="CASCADE"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    opened_by: Mapped[str] = mapped_column(String(10))
    origin: Mapped[str] = mapped_column(String(12), default=Origin.MESSAGES.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Seller messages since the creator last wrote (the "5 before a reply" rule).
    seller_unanswered: Mapped[int] = mapped_column(Integer, default=0)
    creator_has_replied: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    seller_unread: Mapped[int] = mapped_column(Integer, default=0)
    creator_unread: Mapped[int] = mapped_column(Integer, default=0)
    blocked_by_seller_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    blocked_by_creator_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    store: Mapped[Store] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("store_id", "creator_id"),
        CheckConstraint("opened_by IN ('seller', 'creator')", name="opened_by_known"),
        CheckConstraint(
            "seller_unanswered >= 0 AND seller_unread >= 0 AND creator_unread >= 0",
            name="counters_not_negative",
        ),
        Index("ix_conversation_creator_recent", "creator_id", "last_message_at"),
        Index("ix_conversation_store_recent", "store_id", "last_message_at"),
        Index("ix_conversation_store_opened", "store_id", "opened_by", "created_at"),
    )

    def blocked_by(self, side: Side) -> bool:
        moment = self.blocked_by_seller_at if side is Side.SELLER else self.blocked_by_creator_at
        return moment is not None

    @property
    def is_blocked(self) -> bool:
        return self.blocked_by_seller_at is not None or self.blocked_by_creator_at is not None

    def unread_for(self, side: Side) -> int:
        return self.seller_unread if side is Side.SELLER else self.creator_unread


class Message(Model):
    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    sender_side: Mapped[str] = mapped_column(String(10))
    sender_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text, default="")
    card_kind: Mapped[str | None] = mapped_column(String(12))
    card_ref: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        CheckConstraint("sender_side IN ('seller', 'creator')", name="sender_side_known"),
        CheckConstraint(f"length(body) <= {BODY_MAX}", name="body_length"),
        CheckConstraint(
            "(card_kind IS NULL AND card_ref IS NULL) OR "
            "(card_kind IN ('invitation', 'product', 'sample') AND card_ref IS NOT NULL)",
            name="card_known",
        ),
        CheckConstraint("length(body) > 0 OR card_kind IS NOT NULL", name="not_empty"),
        Index("ix_message_conversation", "conversation_id", "id"),
    )

    @property
    def side(self) -> Side:
        return Side(self.sender_side)


class MessageReport(Model):
    """One side reports the other; admins read the list."""

    __tablename__ = "message_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reporter_side: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    conversation: Mapped[Conversation] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("reporter_side IN ('seller', 'creator')", name="reporter_side_known"),
        CheckConstraint(
            f"length(reason) BETWEEN {REPORT_REASON_MIN} AND {REPORT_REASON_MAX}",
            name="reason_length",
        ),
        Index("ix_message_report_created", "created_at"),
    )
