"""Creator profiles and the categories they work in.

Follower counts and average views are what the creator entered at onboarding; measured
figures come from the rollups.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
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
