"""Collections: a creator's named, ordered groups of showcase products.

A collection's public page lives at ``/creators/<handle>/collections/<slug>``; its slug is
fixed when it is created (renaming keeps shared links working). A tap on one of its products
is a touch like a tap on a video's yellow cart (``attribution.touches``, kind
``collection``), so a purchase from it earns the creator the commission of the plan that
applies, within the same window, last touch wins.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.types import UTCDateTime, utcnow

#: The most products one collection holds.
MAX_COLLECTION_PRODUCTS = 100
#: The most collections one creator keeps.
MAX_COLLECTIONS = 50


class Collection(db.Model):
    __tablename__ = "creator_collection"

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(500), default="")
    # Kept by the services, so that lists need no count per collection.
    product_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    items: Mapped[list[CollectionItem]] = relationship(
        back_populates="collection",
        order_by="CollectionItem.position, CollectionItem.id",
        cascade="all, delete-orphan",
        lazy="raise",
    )

    __table_args__ = (
        UniqueConstraint("creator_id", "slug"),
        CheckConstraint("slug = lower(slug)", name="slug_lowercase"),
        CheckConstraint(
            f"product_count BETWEEN 0 AND {MAX_COLLECTION_PRODUCTS}", name="product_count_in_range"
        ),
        Index("ix_creator_collection_creator", "creator_id", "created_at"),
    )


class CollectionItem(db.Model):
    __tablename__ = "creator_collection_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(
        ForeignKey("creator_collection.id", ondelete="CASCADE")
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    collection: Mapped[Collection] = relationship(back_populates="items")

    __table_args__ = (
        UniqueConstraint("collection_id", "product_id"),
        Index("ix_creator_collection_item_order", "collection_id", "position"),
        Index("ix_creator_collection_item_product", "product_id"),
    )
