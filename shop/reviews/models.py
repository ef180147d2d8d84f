"""Reviews: one per delivered order line, with up to five photos, one public answer from the
seller, buyers' "helpful" marks, and staff moderation (a hidden review keeps its row).

A review's stars count in its product's denormalised ``rating_sum`` / ``rating_count`` /
``rating_avg_centi`` (``shop.catalog.models.Product``) while it is visible; the services keep
them in the same transaction as the review.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.types import UTCDateTime, utcnow


class Review(db.Model):
    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_line.id", ondelete="RESTRICT"), unique=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="RESTRICT"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(SmallInteger)
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    helpful_count: Mapped[int] = mapped_column(Integer, default=0)
    photo_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    # The seller's one public answer.
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replied_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Staff moderation: a hidden review is shown to nobody but its author and staff.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_reason: Mapped[str | None] = mapped_column(String(300))
    hidden_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    photos: Mapped[list[ReviewPhoto]] = relationship(
        back_populates="review",
        order_by="ReviewPhoto.position, ReviewPhoto.id",
        cascade="all, delete-orphan",
        lazy="raise",
    )

    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_one_to_five"),
        CheckConstraint("helpful_count >= 0", name="helpful_not_negative"),
        CheckConstraint("photo_count BETWEEN 0 AND 5", name="photo_count_within_limit"),
        CheckConstraint("(hidden_at IS NULL) = (hidden_reason IS NULL)", name="hidden_with_reason"),
        Index("ix_review_product_created", "product_id", "created_at"),
        Index("ix_review_product_helpful", "product_id", "helpful_count"),
        Index("ix_review_store_created", "store_id", "created_at"),
        Index("ix_review_buyer", "buyer_id"),
    )

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class ReviewPhoto(db.Model):
    __tablename__ = "review_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str] = mapped_column(String(255))
    thumb_path: Mapped[str] = mapped_column(String(255))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)

    review: Mapped[Review] = relationship(back_populates="photos")

    __table_args__ = (Index("ix_review_photo_review", "review_id", "position"),)


class ReviewHelpful(db.Model):
    """One user's "helpful" mark on a review (once each)."""

    __tablename__ = "review_helpful"

    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (PrimaryKeyConstraint("review_id", "user_id"),)
