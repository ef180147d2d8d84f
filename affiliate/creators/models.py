"""Creators' models: profiles, content (videos and lives), tracking events and their daily
rollups, and the commissions earned on order lines.

Follower counts and average views are what the creator entered at onboarding; measured
figures come from the rollups.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.types import UTCDateTime, utcnow
from shop.catalog.models import Category

HANDLE_PATTERN = r"[a-z0-9_.]{3,30}"


class CreatorProfile(db.Model):
    __tablename__ = "creator_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    # Stored lowercase, so the unique index is case-insensitive on every database.
    handle: Mapped[str] = mapped_column(String(30), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    bio: Mapped[str] = mapped_column(Text, default="")
    avatar_path: Mapped[str | None] = mapped_column(String(255))
    follower_count: Mapped[int] = mapped_column(Integer, default=0)
    avg_views: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    categories: Mapped[list[CreatorCategory]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="CreatorCategory.id"
    )

    __table_args__ = (
        CheckConstraint("handle = lower(handle)", name="handle_lowercase"),
        CheckConstraint("length(handle) BETWEEN 3 AND 30", name="handle_length"),
        CheckConstraint("follower_count >= 0", name="follower_count_not_negative"),
        CheckConstraint("avg_views >= 0", name="avg_views_not_negative"),
        Index("ix_creator_profile_followers", "follower_count", "id"),
        Index("ix_creator_profile_avg_views", "avg_views", "id"),
    )


class CreatorCategory(db.Model):
    """A category of the shop's tree that a creator covers."""

    __tablename__ = "creator_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("creator_profile.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"))

    profile: Mapped[CreatorProfile] = relationship(back_populates="categories")
    category: Mapped[Category] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("profile_id", "category_id"),
        Index("ix_creator_category_category", "category_id", "profile_id"),
    )


# ---------------------------------------------------------------------------- content


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


# ---------------------------------------------------------------------------- tracking


class EventKind(StrEnum):
    VIEW = "view"
    CART_OPEN = "cart_open"
    CLICK = "click"
    ADD_TO_CART = "add_to_cart"
    ORDER = "order"


EVENT_KINDS = tuple(kind.value for kind in EventKind)


class ContentEvent(db.Model):
    """One thing a viewer did with a creator's content. Append-only; one insert each.

    ``dedup_key`` (kind, content, product, visitor and time bucket, hashed) is unique, so a
    repeated view by the same visitor within the window is dropped by the database
    (``ON CONFLICT DO NOTHING``) rather than by a lookup first.
    """

    __tablename__ = "content_event"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    content_id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"))
    creator_id: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(Integer)
    visitor: Mapped[str] = mapped_column(String(32))
    amount: Mapped[int] = mapped_column(BigInteger, default=0)  # order events: GMV
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    dedup_key: Mapped[str | None] = mapped_column(String(40), unique=True)

    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in EVENT_KINDS) + ")", name="kind_known"
        ),
        Index("ix_content_event_creator_time", "creator_id", "occurred_at"),
        Index("ix_content_event_content_time", "content_id", "occurred_at"),
        Index("ix_content_event_visitor", "visitor", "kind"),  # the feed's "you watched"
    )


class ContentDailyStat(db.Model):
    """Events rolled up per day, content and product (``product_id`` 0: the content itself)."""

    __tablename__ = "content_daily_stat"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    content_id: Mapped[int] = mapped_column(
        ForeignKey("content.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    creator_id: Mapped[int] = mapped_column(Integer)
    views: Mapped[int] = mapped_column(Integer, default=0)
    cart_opens: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    add_to_carts: Mapped[int] = mapped_column(Integer, default=0)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    gmv: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (Index("ix_content_daily_stat_creator", "creator_id", "day"),)


class RollupCursor(db.Model):
    """How far a rollup has read an append-only table (the last id it folded in)."""

    __tablename__ = "rollup_cursor"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# ---------------------------------------------------------------------------- commissions


class CommissionState(StrEnum):
    PENDING = "pending"  # the order is paid; the money waits in the creator's pending balance
    SETTLED = "settled"  # the order completed; the money is available
    REVERSED = "reversed"  # refunded or cancelled before settlement
    CLAWED_BACK = "clawed_back"  # refunded after settlement: taken back from available

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Commission(db.Model):
    """What a creator earns on one order line, at the plan and rate that the line snapshotted
    when the order was placed (``shop.orders.terms``)."""

    __tablename__ = "commission"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_line.id", ondelete="RESTRICT"), unique=True
    )
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="RESTRICT"))
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="RESTRICT"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="RESTRICT"))
    content_id: Mapped[int | None] = mapped_column(ForeignKey("content.id", ondelete="SET NULL"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="RESTRICT"))
    plan_kind: Mapped[str] = mapped_column(String(10))
    rate_bps: Mapped[int] = mapped_column(Integer)
    base_amount: Mapped[int] = mapped_column(BigInteger)  # the line amount paid
    amount: Mapped[int] = mapped_column(BigInteger)  # base × rate, half-up to the cent
    reversed_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(12), default=CommissionState.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint(
            "state IN ('pending', 'settled', 'reversed', 'clawed_back')", name="state_known"
        ),
        CheckConstraint("base_amount > 0 AND amount > 0", name="amounts_positive"),
        CheckConstraint(
            "reversed_amount >= 0 AND reversed_amount <= amount", name="reversal_within_amount"
        ),
        CheckConstraint("rate_bps BETWEEN 100 AND 8000", name="rate_within_bounds"),
        Index("ix_commission_creator_time", "creator_id", "created_at"),
        Index("ix_commission_store_time", "store_id", "created_at"),
        Index("ix_commission_order", "order_id"),
        Index("ix_commission_content", "content_id"),
    )

    @property
    def commission_state(self) -> CommissionState:
        return CommissionState(self.state)

    @property
    def net_amount(self) -> int:
        """What the creator keeps after reversals and clawbacks."""
        return self.amount - self.reversed_amount
