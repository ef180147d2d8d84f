"""Seller promotions: product discounts, vouchers (codes) and flash deals.

Live deals (a deal for the viewers of one live) are in ``shop.promotions.live_deal_models``.

Every promotion belongs to one store and runs over a window ``[starts_at, ends_at)``; a
seller may end it early (``ended_at``), which never changes orders already placed: what an
order line paid, and why, is snapshotted on the line. Money is in minor units; percentages
are basis points (10% = 1000).

A promotion's state is read from the clock: scheduled (before ``starts_at``), running, or
ended (after ``ends_at`` or ``ended_at``).
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
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import ColumnElement

from core.extensions import db
from core.types import UTCDateTime, utcnow

MAX_PERCENT_BPS = 10_000


class DiscountKind(StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"


class PromotionState(StrEnum):
    SCHEDULED = "scheduled"
    RUNNING = "running"
    ENDED = "ended"


class VoucherScope(StrEnum):
    STORE = "store"  # every product of the store
    PRODUCTS = "products"  # the chosen products only


def aware(moment: datetime) -> datetime:
    """``moment``, read as UTC if it carries no zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


class WindowMixin:
    """A promotion's window and early end, and the state they give at a moment."""

    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    def state_at(self, now: datetime | None = None) -> PromotionState:
        now = now or utcnow()
        if self.ended_at is not None and aware(self.ended_at) <= now:
            return PromotionState.ENDED
        if now >= aware(self.ends_at):
            return PromotionState.ENDED
        if now < aware(self.starts_at):
            return PromotionState.SCHEDULED
        return PromotionState.RUNNING

    @property
    def state(self) -> PromotionState:
        return self.state_at()

    @classmethod
    def running_at(cls, now: datetime) -> ColumnElement[bool]:
        """SQL for ``state_at(now) is RUNNING``: started, not past its end, not ended early."""
        return and_(
            cls.starts_at <= now,
            cls.ends_at > now,
            or_(cls.ended_at.is_(None), cls.ended_at > now),
        )


def _kind_checks() -> tuple[CheckConstraint, ...]:
    return (
        CheckConstraint("kind IN ('percent', 'fixed')", name="kind_known"),
        CheckConstraint(
            f"(kind = 'percent' AND percent_bps BETWEEN 1 AND {MAX_PERCENT_BPS} "
            "AND amount_off IS NULL) "
            "OR (kind = 'fixed' AND amount_off > 0 AND percent_bps IS NULL)",
            name="value_matches_kind",
        ),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )


class ProductDiscount(WindowMixin, db.Model):
    """A percentage or an amount off chosen products (or single variants) for a window."""

    __tablename__ = "product_discount"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    percent_bps: Mapped[int | None] = mapped_column(Integer)
    amount_off: Mapped[int | None] = mapped_column(BigInteger)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    targets: Mapped[list[ProductDiscountTarget]] = relationship(
        back_populates="discount", cascade="all, delete-orphan", order_by="ProductDiscountTarget.id"
    )

    __table_args__ = (
        *_kind_checks(),
        Index("ix_product_discount_store_window", "store_id", "ends_at"),
    )


class ProductDiscountTarget(db.Model):
    """A product (every variant) or one variant that a product discount covers."""

    __tablename__ = "product_discount_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    discount_id: Mapped[int] = mapped_column(ForeignKey("product_discount.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("variant.id", ondelete="CASCADE"))

    discount: Mapped[ProductDiscount] = relationship(back_populates="targets")

    __table_args__ = (
        UniqueConstraint("discount_id", "product_id", "variant_id"),
        Index("ix_product_discount_target_product", "product_id", "discount_id"),
    )


class Voucher(WindowMixin, db.Model):
    """A code for money off an order of one store: store-wide or for chosen products.

    ``code`` is stored trimmed and upper-case, so codes are case-insensitive and unique across
    the platform (a buyer typing another store's code is told so). ``used_count`` only moves
    through a guarded UPDATE, so the last use cannot be taken twice. ``creator_id`` makes it a
    creator's personal code.
    """

    __tablename__ = "voucher"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    percent_bps: Mapped[int | None] = mapped_column(Integer)
    cap_amount: Mapped[int | None] = mapped_column(BigInteger)  # percentage vouchers only
    amount_off: Mapped[int | None] = mapped_column(BigInteger)
    min_spend: Mapped[int] = mapped_column(BigInteger, default=0)
    scope: Mapped[str] = mapped_column(String(10), default=VoucherScope.STORE.value)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    total_uses: Mapped[int | None] = mapped_column(Integer)  # None: no limit
    used_count: Mapped[int] = mapped_column(Integer, default=0)
    per_buyer_limit: Mapped[int] = mapped_column(Integer, default=1)
    creator_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    products: Mapped[list[VoucherProduct]] = relationship(
        cascade="all, delete-orphan", order_by="VoucherProduct.id"
    )

    __table_args__ = (
        *_kind_checks(),
        CheckConstraint("code = upper(code) AND length(code) BETWEEN 3 AND 32", name="code_form"),
        CheckConstraint("scope IN ('store', 'products')", name="scope_known"),
        CheckConstraint("min_spend >= 0", name="min_spend_not_negative"),
        CheckConstraint("cap_amount IS NULL OR (kind = 'percent' AND cap_amount > 0)", name="cap"),
        CheckConstraint(
            "used_count >= 0 AND (total_uses IS NULL OR used_count <= total_uses)",
            name="uses_within_total",
        ),
        CheckConstraint("total_uses IS NULL OR total_uses > 0", name="total_uses_positive"),
        CheckConstraint("per_buyer_limit > 0", name="per_buyer_limit_positive"),
        Index("ix_voucher_store_window", "store_id", "ends_at"),
        Index("ix_voucher_creator", "creator_id"),
    )


class VoucherProduct(db.Model):
    __tablename__ = "voucher_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("voucher.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint("voucher_id", "product_id"),
        Index("ix_voucher_product_product", "product_id"),
    )


class VoucherCollection(db.Model):
    """A public voucher a buyer collected into their wallet of vouchers."""

    __tablename__ = "voucher_collection"

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("voucher.id", ondelete="CASCADE"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("voucher_id", "buyer_id"),
        Index("ix_voucher_collection_buyer", "buyer_id"),
    )


class VoucherRedemption(db.Model):
    """A voucher used on an order: one per order; released if the order is never paid."""

    __tablename__ = "voucher_redemption"

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("voucher.id", ondelete="RESTRICT"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    order_id: Mapped[int] = mapped_column(
        ForeignKey("shop_order.id", ondelete="RESTRICT"), unique=True
    )
    amount: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_voucher_redemption_voucher_buyer", "voucher_id", "buyer_id"),
    )


class FlashDeal(WindowMixin, db.Model):
    """A deal price on one variant for a short window, for a limited quantity.

    ``sold`` counts the units reserved by placed orders; it only moves through a guarded
    UPDATE (``sold + q <= quantity``), so the deal is never oversold.
    """

    __tablename__ = "flash_deal"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    deal_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    sold: Mapped[int] = mapped_column(Integer, default=0)
    per_buyer_limit: Mapped[int] = mapped_column(Integer, default=1)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        CheckConstraint("deal_price > 0", name="deal_price_positive"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("sold >= 0 AND sold <= quantity", name="never_oversold"),
        CheckConstraint("per_buyer_limit > 0", name="per_buyer_limit_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_flash_deal_variant_window", "variant_id", "ends_at"),
        Index("ix_flash_deal_store_window", "store_id", "ends_at"),
    )

    @property
    def left(self) -> int:
        return max(self.quantity - self.sold, 0)


class FlashDealPurchase(db.Model):
    """Units of a flash deal taken by an order (for the per-buyer limit and releases)."""

    __tablename__ = "flash_deal_purchase"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("flash_deal.id", ondelete="RESTRICT"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="RESTRICT"))
    quantity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        UniqueConstraint("deal_id", "order_id"),
        Index("ix_flash_deal_purchase_deal_buyer", "deal_id", "buyer_id"),
    )


class PromotionKind(StrEnum):
    DISCOUNT = "discount"
    VOUCHER = "voucher"
    FLASH_DEAL = "flash_deal"

    @property
    def model(self) -> type[ProductDiscount | Voucher | FlashDeal]:
        return _MODELS[self]

    @property
    def label(self) -> str:
        return _LABELS[self]


_MODELS: dict[PromotionKind, type[ProductDiscount | Voucher | FlashDeal]] = {
    PromotionKind.DISCOUNT: ProductDiscount,
    PromotionKind.VOUCHER: Voucher,
    PromotionKind.FLASH_DEAL: FlashDeal,
}
_LABELS = {
    PromotionKind.DISCOUNT: "Product discount",
    PromotionKind.VOUCHER: "Voucher",
    PromotionKind.FLASH_DEAL: "Flash deal",
}

Promotion = ProductDiscount | Voucher | FlashDeal
