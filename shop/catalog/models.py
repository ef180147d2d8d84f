"""Catalogue models: stores, categories, products, variants and images.

Prices and stock live on variants (every product has at least one). ``Product.price`` is the
lowest price of its active variants, kept by the services so that listings can filter and sort
by price with an index.
"""

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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.extensions import db
from core.types import UTCDateTime, utcnow


class Store(db.Model):
    __tablename__ = "store"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), unique=True
    )
    name: Mapped[str] = mapped_column(String(80))
    handle: Mapped[str] = mapped_column(String(40), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    logo_path: Mapped[str | None] = mapped_column(String(255))
    banner_path: Mapped[str | None] = mapped_column(String(255))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    return_address: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("handle = lower(handle)", name="handle_lowercase"),
        CheckConstraint(
            "currency = upper(currency) AND length(currency) = 3", name="currency_code"
        ),
    )


class Category(db.Model):
    """The fixed category tree, seeded by migration."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Category | None] = relationship(remote_side=[id], lazy="joined")


class ProductStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class Product(db.Model):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="RESTRICT"))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    # The product's key within its store for CSV sync (shop.sync); None for products made
    # in the Seller centre until an import gives them one.
    handle: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=ProductStatus.DRAFT.value)
    currency: Mapped[str] = mapped_column(String(3))
    price: Mapped[int] = mapped_column(BigInteger, default=0)
    compare_at_price: Mapped[int | None] = mapped_column(BigInteger)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    sold_count: Mapped[int] = mapped_column(Integer, default=0)
    # The first image's thumbnail, kept by the services so that listings need no join.
    cover_thumb_path: Mapped[str | None] = mapped_column(String(255))
    # Visible reviews' stars, kept by ``shop.reviews.services`` in the review's transaction,
    # so that cards show the average and listings sort by it without a join. The average is
    # in hundredths of a star (0 without reviews), rounded half-up.
    rating_sum: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rating_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rating_avg_centi: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    store: Mapped[Store] = relationship(lazy="joined")
    category: Mapped[Category] = relationship(lazy="joined")
    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", order_by="Variant.position, Variant.id", lazy="selectin"
    )
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product",
        order_by="ProductImage.position, ProductImage.id",
        lazy="selectin",
    )

    __table_args__ = (
        CheckConstraint("status IN ('draft', 'active', 'archived')", name="status_known"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint(
            "compare_at_price IS NULL OR compare_at_price > 0", name="compare_at_positive"
        ),
        CheckConstraint("sold_count >= 0", name="sold_count_not_negative"),
        CheckConstraint(
            "rating_count >= 0 AND rating_sum BETWEEN rating_count AND 5 * rating_count",
            name="rating_sum_in_range",
        ),
        UniqueConstraint("store_id", "handle"),
        Index("ix_product_store_status", "store_id", "status", "id"),
        Index("ix_product_store_status_created", "store_id", "status", "created_at"),
        Index("ix_product_status_created", "status", "created_at"),
        Index("ix_product_status_category_created", "status", "category_id", "created_at"),
        Index("ix_product_status_price", "status", "price"),
        # Best-selling listings and search relevance within a tier: sold_count, then id.
        Index("ix_product_status_sold", "status", "sold_count", "id"),
        Index("ix_product_status_rating", "status", "rating_avg_centi", "rating_count"),
    )

    @property
    def rating_average(self) -> float | None:
        """The average of visible reviews' stars (one decimal), or None without any."""
        return round(self.rating_avg_centi / 100, 1) if self.rating_count else None

    @property
    def is_active(self) -> bool:
        return self.status == ProductStatus.ACTIVE.value

    @property
    def is_draft(self) -> bool:
        return self.status == ProductStatus.DRAFT.value

    @property
    def is_archived(self) -> bool:
        return self.status == ProductStatus.ARCHIVED.value


class Variant(db.Model):
    __tablename__ = "variant"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="RESTRICT"))
    sku: Mapped[str] = mapped_column(String(64))
    option1: Mapped[str] = mapped_column(String(60), default="")
    option2: Mapped[str] = mapped_column(String(60), default="")
    price: Mapped[int] = mapped_column(BigInteger)
    # What one unit costs the seller (minor units), for sample economics; None: not recorded.
    cost_price: Mapped[int | None] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    product: Mapped[Product] = relationship(back_populates="variants")

    __table_args__ = (
        UniqueConstraint("store_id", "sku"),
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("cost_price IS NULL OR cost_price >= 0", name="cost_price_not_negative"),
        Index("ix_variant_product_id", "product_id"),
    )

    @property
    def name(self) -> str:
        """Human name of the variant: ``"Red / M"``, or ``"Default"`` without options."""
        return " / ".join(o for o in (self.option1, self.option2) if o) or "Default"


class ProductImage(db.Model):
    __tablename__ = "product_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str] = mapped_column(String(255))
    thumb_path: Mapped[str] = mapped_column(String(255))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship(back_populates="images")

    __table_args__ = (Index("ix_product_image_product_id", "product_id", "position"),)
