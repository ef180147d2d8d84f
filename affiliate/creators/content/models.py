"""Content: videos and lives, and the products on their yellow cart."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.states import StateMachine
from core.types import UTCDateTime, utcnow


class ContentKind(StrEnum):
    VIDEO = "video"
    LIVE = "live"


class LiveState(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"


class ContentStatus(StrEnum):
    PUBLISHED = "published"
    REMOVED = "removed"


#: A live's states (``live_state``)::
#:
#:     scheduled ──start──▶ live ──end──▶ ended
#:         └────────────end (cancel)────────▶ ended
LIVE = StateMachine(
    "live",
    {
        LiveState.SCHEDULED: {LiveState.LIVE, LiveState.ENDED},
        LiveState.LIVE: {LiveState.ENDED},
        LiveState.ENDED: set(),
    },
    field="live_state",
)

#: A video or live is published until its creator removes it (the row stays for attribution).
CONTENT = StateMachine(
    "content",
    {ContentStatus.PUBLISHED: {ContentStatus.REMOVED}, ContentStatus.REMOVED: set()},
)


#: The most products a video or live may carry in its yellow cart.
MAX_CONTENT_PRODUCTS = 6


class Content(db.Model):
    """A creator's video or live session: what the yellow cart hangs from.

    One table for both kinds, so that events, attribution (``content_id`` on cart and order
    lines) and rollups name content the same way. Video columns are NULL on a live, and live
    columns NULL on a video.
    """

    __tablename__ = "content"

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(150))  # a video's caption, a live's title
    status: Mapped[str] = mapped_column(String(10), default=ContentStatus.PUBLISHED.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    poster_path: Mapped[str | None] = mapped_column(String(255))  # under the uploads folder
    # Videos: an uploaded file (under the uploads folder) or an external URL.
    video_path: Mapped[str | None] = mapped_column(String(255))
    video_mime: Mapped[str | None] = mapped_column(String(20))
    video_bytes: Mapped[int | None] = mapped_column(BigInteger)
    external_url: Mapped[str | None] = mapped_column(String(500))
    # Lives.
    stream_url: Mapped[str | None] = mapped_column(String(500))
    live_state: Mapped[str | None] = mapped_column(String(10))
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pinned_product_id: Mapped[int | None] = mapped_column(
        ForeignKey("product.id", ondelete="SET NULL")
    )
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A public store voucher the creator pins on a live for viewers to collect.
    pinned_voucher_id: Mapped[int | None] = mapped_column(
        ForeignKey("voucher.id", ondelete="SET NULL")
    )
    # Measured figures kept by the rollup job (for sorting the feed without a join).
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    click_count: Mapped[int] = mapped_column(Integer, default=0)

    products: Mapped[list[ContentProduct]] = relationship(
        back_populates="content", order_by="ContentProduct.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("kind IN ('video', 'live')", name="kind_known"),
        CheckConstraint("status IN ('published', 'removed')", name="status_known"),
        CheckConstraint(
            "live_state IS NULL OR live_state IN ('scheduled', 'live', 'ended')",
            name="live_state_known",
        ),
        CheckConstraint("(kind = 'live') = (live_state IS NOT NULL)", name="live_has_state"),
        CheckConstraint(
            "kind = 'live' OR video_path IS NOT NULL OR external_url IS NOT NULL",
            name="video_has_source",
        ),
        CheckConstraint("view_count >= 0 AND click_count >= 0", name="counts_not_negative"),
        Index("ix_content_creator", "creator_id", "kind", "id"),
        Index("ix_content_feed", "kind", "status", "created_at"),
        Index("ix_content_live_state", "kind", "live_state", "scheduled_at"),
    )

    @property
    def content_kind(self) -> ContentKind:
        return ContentKind(self.kind)


class ContentProduct(db.Model):
    """A product in a content's yellow cart, in the order the creator chose."""

    __tablename__ = "content_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    content: Mapped[Content] = relationship(back_populates="products")

    __table_args__ = (
        UniqueConstraint("content_id", "product_id"),
        Index("ix_content_product_product", "product_id", "content_id"),
    )


class ReminderKind(StrEnum):
    SOON = "soon"  # 10 minutes before the scheduled time
    STARTED = "started"  # the creator went live


class LiveReminder(db.Model):
    """A signed-in viewer's reminder of a scheduled live.

    Each notice is sent once: ``soon_sent_at`` and ``started_sent_at`` are stamped by a guarded
    UPDATE (``WHERE … IS NULL``) in the transaction that adds the notice, so a job that runs
    twice, or two at once, sends each kind once.
    """

    __tablename__ = "live_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    soon_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("content_id", "user_id"),
        Index("ix_live_reminder_user", "user_id", "content_id"),
    )
