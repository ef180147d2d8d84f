"""Carts, orders, their lines and their timeline.

An order belongs to one store; a checkout over a cart with several stores makes one order per
store, all paid by one payment (``shop.payments.models``); the address an order ships to is
copied onto it as text (``shop.orders.checkout.models.Address`` keeps the buyer's book). Order
lines snapshot what was bought (title, SKU, unit price) and carry the attribution the cart line
had (creator and content), which the affiliate side turns into a commission when the line is
paid. Refunds are ``shop.orders.refunds.models``.
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
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.types import UTCDateTime, utcnow
from shop.catalog.models import Product, Store, Variant
from shop.payments.models import Payment


class Cart(db.Model):
    """A signed-in buyer's cart (``user_id``) or a guest's (``token`` kept in the session)."""

    __tablename__ = "cart"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", order_by="CartLine.id"
    )

    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (token IS NULL)", name="owner_xor_token"),
    )


class CartLine(db.Model):
    __tablename__ = "cart_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("cart.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Attribution: the creator content this line was added from (last touch wins).
    creator_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    content_type: Mapped[str | None] = mapped_column(String(20))
    content_id: Mapped[int | None] = mapped_column(Integer)
    attributed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    cart: Mapped[Cart] = relationship(back_populates="lines")
    variant: Mapped[Variant] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("cart_id", "variant_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


ORDER_STATUSES = tuple(s.value for s in OrderStatus)


class Order(db.Model):
    __tablename__ = "shop_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="RESTRICT"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.PENDING_PAYMENT.value)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger)
    # The store voucher used on this order (its amount is spread over the lines).
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("voucher.id", ondelete="SET NULL"))
    voucher_code: Mapped[str | None] = mapped_column(String(32))
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    ship_to: Mapped[str] = mapped_column(Text)
    carrier: Mapped[str | None] = mapped_column(String(60))
    tracking_number: Mapped[str | None] = mapped_column(String(80))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    pay_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Free of charge (a sample): the whole subtotal is discounted, nothing is paid or posted.
    complimentary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    store: Mapped[Store] = relationship(lazy="joined")
    payment: Mapped[Payment | None] = relationship(back_populates="orders")
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", lazy="selectin"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id"
    )

    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in ORDER_STATUSES) + ")", name="status_known"
        ),
        CheckConstraint("subtotal >= 0 AND discount >= 0 AND shipping >= 0", name="amounts"),
        CheckConstraint("total = subtotal - discount + shipping", name="total_adds_up"),
        CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= total", name="refund_within_total"
        ),
        Index("ix_shop_order_buyer", "buyer_id", "id"),
        Index("ix_shop_order_store_status", "store_id", "status", "id"),
        Index("ix_shop_order_store_placed", "store_id", "placed_at"),
        Index("ix_shop_order_status_pay_by", "status", "pay_by"),
        Index("ix_shop_order_status_delivered", "status", "delivered_at"),
        Index("ix_shop_order_status_shipped", "status", "shipped_at"),
    )

    @property
    def order_status(self) -> OrderStatus:
        return OrderStatus(self.status)

    @property
    def awaiting_payment(self) -> bool:
        return self.status == OrderStatus.PENDING_PAYMENT.value

    @property
    def product_discount(self) -> int:
        """What the lines' product offers took off (``discount`` less the voucher)."""
        return sum(line.product_discount for line in self.lines)

    @property
    def voucher_discount(self) -> int:
        return sum(line.voucher_discount for line in self.lines)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def awaits_refund_decision(self) -> bool:
        """A line's refund was asked and the seller has not decided it yet."""
        return any(line.status == LineStatus.REFUND_REQUESTED.value for line in self.lines)


class LineStatus(StrEnum):
    OPEN = "open"
    REFUND_REQUESTED = "refund_requested"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class OrderLine(db.Model):
    __tablename__ = "order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="RESTRICT"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="RESTRICT"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    variant_name: Mapped[str] = mapped_column(String(130))
    sku: Mapped[str] = mapped_column(String(64))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    discount: Mapped[int] = mapped_column(BigInteger, default=0)  # product + voucher
    # The product-level saving (a product discount or a flash deal, the better one) and this
    # line's share of the order's voucher; ``discount`` is their sum.
    product_discount: Mapped[int] = mapped_column(BigInteger, default=0)
    voucher_discount: Mapped[int] = mapped_column(BigInteger, default=0)
    product_discount_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_discount.id", ondelete="SET NULL")
    )
    flash_deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("flash_deal.id", ondelete="SET NULL")
    )
    # A live deal (a deal for the viewers of one creator's live) takes precedence over both.
    live_deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("live_deal.id", ondelete="SET NULL")
    )
    amount: Mapped[int] = mapped_column(BigInteger)  # what the buyer paid for this line
    status: Mapped[str] = mapped_column(String(20), default=LineStatus.OPEN.value)
    # Attribution carried from the cart line; the affiliate side adds the commission.
    creator_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    content_type: Mapped[str | None] = mapped_column(String(20))
    content_id: Mapped[int | None] = mapped_column(Integer)
    attributed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the creator's sale earns, fixed when the order is placed (``checkout.terms``
    # asks the registered hook): the plan that applied (an id on the affiliate side, no
    # foreign key, like ``content_id``), its kind, its rate and why it won. Rate 0 without a
    # plan: none applied then. All NULL: not asked (unattributed, or placed
    # before the snapshot existed).
    commission_plan_id: Mapped[int | None] = mapped_column(Integer)
    commission_plan_kind: Mapped[str | None] = mapped_column(String(10))
    commission_rate_bps: Mapped[int | None] = mapped_column(Integer)
    commission_basis: Mapped[str | None] = mapped_column(String(300))

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="raise")

    @property
    def list_amount(self) -> int:
        """The line at its list price, before any discount (``amount + discount``)."""
        return self.unit_price * self.quantity

    @property
    def is_open(self) -> bool:
        return self.status == LineStatus.OPEN.value

    @property
    def status_label(self) -> str:
        return LineStatus(self.status).label

    @property
    def item_label(self) -> str:
        """How a timeline or a page names the line: its title, and its variant unless it has
        none."""
        if self.variant_name and self.variant_name != "Default":
            return f"{self.title} ({self.variant_name})"
        return self.title

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price > 0", name="unit_price_positive"),
        CheckConstraint("amount = unit_price * quantity - discount", name="amount_adds_up"),
        CheckConstraint("discount = product_discount + voucher_discount", name="discount_adds_up"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint(
            "status IN ('open', 'refund_requested', 'refunded', 'cancelled')", name="status_known"
        ),
        CheckConstraint(
            "commission_rate_bps IS NULL OR commission_rate_bps BETWEEN 0 AND 10000",
            name="commission_rate_within_bounds",
        ),
        CheckConstraint(
            "(commission_plan_id IS NULL AND commission_plan_kind IS NULL "
            "AND (commission_rate_bps IS NULL OR commission_rate_bps = 0)) "
            "OR (commission_plan_id IS NOT NULL AND commission_plan_kind IS NOT NULL "
            "AND commission_rate_bps IS NOT NULL AND commission_rate_bps > 0)",
            name="commission_plan_with_rate",
        ),
        Index("ix_order_line_order_id", "order_id"),
        Index("ix_order_line_creator", "creator_id"),
        # How many orders of a product came through a plan (tiered rates count them).
        Index("ix_order_line_commission_plan", "commission_plan_id", "product_id"),
    )


class OrderEvent(db.Model):
    """One step of an order's timeline, as the buyer and the seller see it."""

    __tablename__ = "order_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(String(500), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")

    __table_args__ = (Index("ix_order_event_order_id", "order_id", "id"),)
