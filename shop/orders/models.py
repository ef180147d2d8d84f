"""Cart, addresses, payments, orders and refunds.

An order belongs to one store; a checkout over a cart with several stores makes one order per
store, all paid by one payment. Order lines snapshot what was bought (title, SKU, unit price)
and carry the attribution the cart line had (creator and content), which the affiliate side
turns into a commission when the line is paid.
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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.types import UTCDateTime, utcnow
from shop.catalog.models import Product, Store, Variant


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


class Address(db.Model):
    __tablename__ = "address"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    full_name: Mapped[str] = mapped_column(String(100))
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str] = mapped_column(String(30), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def one_line(self) -> str:
        parts = [
            self.full_name,
            self.line1,
            self.line2,
            self.city,
            self.region,
            self.postal_code,
            self.country,
        ]
        return ", ".join(p for p in parts if p)


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"  # its orders were released unpaid; the provider was told to cancel


class Payment(db.Model):
    """One payment by a buyer, covering the orders of one checkout."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    provider: Mapped[str] = mapped_column(String(20))
    provider_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(12), default=PaymentStatus.PENDING.value)
    failure_reason: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    orders: Mapped[list[Order]] = relationship(back_populates="payment", order_by="Order.id")

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed', 'cancelled')", name="status_known"
        ),
        Index("ix_payment_buyer_id", "buyer_id"),
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


class LineStatus(StrEnum):
    OPEN = "open"
    REFUND_REQUESTED = "refund_requested"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


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
    amount: Mapped[int] = mapped_column(BigInteger)  # what the buyer paid for this line
    status: Mapped[str] = mapped_column(String(20), default=LineStatus.OPEN.value)
    # Attribution carried from the cart line; the affiliate side adds the commission.
    creator_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    content_type: Mapped[str | None] = mapped_column(String(20))
    content_id: Mapped[int | None] = mapped_column(Integer)
    attributed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the creator's sale earns, fixed when the order is placed (``shop.orders.terms``
    # asks the registered hook): the plan that applied (an id on the affiliate side, no
    # foreign key, like ``content_id``), its kind, its rate and why it won. Rate 0 without a
    # plan: none applied then. All NULL: not asked (unattributed, self-referral, or placed
    # before the snapshot existed).
    commission_plan_id: Mapped[int | None] = mapped_column(Integer)
    commission_plan_kind: Mapped[str | None] = mapped_column(String(10))
    commission_rate_bps: Mapped[int | None] = mapped_column(Integer)
    commission_basis: Mapped[str | None] = mapped_column(String(300))

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="raise")

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


class RefundStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"
    REFUNDED = "refunded"


class ProviderRefundState(StrEnum):
    """Where a refunded amount is on its way back to the buyer's payment method."""

    REQUESTED = "requested"  # on the books; the provider has not been told yet
    SENT = "sent"  # the provider took it and has not confirmed it yet
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # permanent, or retries ran out: in the finance queue

    @property
    def label(self) -> str:
        return {
            "requested": "Refund on its way",
            "sent": "Refund sent to the card",
            "succeeded": "Refunded to the card",
            "failed": "Refund delayed",
        }[self.value]


class RefundRequest(db.Model):
    __tablename__ = "refund_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="RESTRICT"))
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_line.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), default=RefundStatus.REQUESTED.value)
    decision_note: Mapped[str | None] = mapped_column(String(500))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The money's way back through the payment provider, once the refund is on the books.
    provider_state: Mapped[str | None] = mapped_column(String(12))
    provider_refund_id: Mapped[str | None] = mapped_column(String(100))
    idempotency_key: Mapped[str | None] = mapped_column(String(120))
    provider_attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_error: Mapped[str | None] = mapped_column(String(500))
    provider_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A payment that succeeded after its order was released: returned whole, never booked.
    late_payment: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    order: Mapped[Order] = relationship()
    line: Mapped[OrderLine | None] = relationship()

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "status IN ('requested', 'approved', 'declined', 'refunded')", name="status_known"
        ),
        CheckConstraint(
            "provider_state IS NULL OR provider_state IN "
            "('requested', 'sent', 'succeeded', 'failed')",
            name="provider_state_known",
        ),
        Index("ix_refund_request_order_id", "order_id"),
        Index("ix_refund_request_provider_state", "provider_state"),
        Index(
            "uq_refund_request_provider_refund_id",
            "provider_refund_id",
            unique=True,
            sqlite_where=text("provider_refund_id IS NOT NULL"),
            postgresql_where=text("provider_refund_id IS NOT NULL"),
        ),
        # One open request per line, even when a buyer double-submits the form.
        Index(
            "uq_refund_request_open_line",
            "order_line_id",
            unique=True,
            sqlite_where=text("status = 'requested'"),
            postgresql_where=text("status = 'requested'"),
        ),
    )
