"""Tracking events and their daily rollups, and the commissions earned on order lines."""

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
)
from sqlalchemy.orm import Mapped, mapped_column

from affiliate.creators.content.models import Content  # noqa: F401 - relationships by name
from core.extensions import db
from core.states import StateMachine
from core.types import UTCDateTime, utcnow


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
        # No (creator, time) index: the dashboards read the rollups plus the tail by id
        # (f18b1b2c3d02 dropped the one every event paid for and nothing read).
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


#: A commission's states (``state``): pending until the order completes (settled) or is
#: refunded first (reversed); a refund after settlement claws it back.
COMMISSION = StateMachine(
    "commission",
    {
        CommissionState.PENDING: {CommissionState.SETTLED, CommissionState.REVERSED},
        CommissionState.SETTLED: {CommissionState.CLAWED_BACK},
        CommissionState.REVERSED: set(),
        CommissionState.CLAWED_BACK: set(),
    },
    field="state",
)


class Commission(db.Model):
    """What a creator earns on one order line, at the plan and rate that the line snapshotted
    when the order was placed (``shop.orders.checkout.terms``)."""

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
    # The creator's collection the sale came from (``content_type`` "collection" on the line).
    collection_id: Mapped[int | None] = mapped_column(
        ForeignKey("creator_collection.id", ondelete="SET NULL")
    )
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
    # Set while any hold (a dispute, a fraud rule) is open: a held commission does not settle.
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

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

    @property
    def held(self) -> bool:
        return self.held_at is not None


class HoldSource(StrEnum):
    DISPUTE = "dispute"  # a seller contests it, or a case about it is open
    FRAUD = "fraud"  # a fraud rule tripped

    @property
    def label(self) -> str:
        return self.value.capitalize()


class HoldOutcome(StrEnum):
    RELEASED = "released"  # the commission follows its course again (settles when due)
    REVERSED = "reversed"  # the commission was taken back from the creator's pending balance


class CommissionHold(db.Model):
    """One reason a pending commission may not settle, from when it was placed until finance
    (or the case that opened it) closed it. A commission is held while any of its holds is open
    (``Commission.held_at``)."""

    __tablename__ = "commission_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(
        ForeignKey("commission.id", ondelete="RESTRICT"), index=True
    )
    source: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(500))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    outcome: Mapped[str | None] = mapped_column(String(12))
    close_reason: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        CheckConstraint("source IN ('dispute', 'fraud')", name="source_known"),
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('released', 'reversed')", name="outcome_known"
        ),
        CheckConstraint("(closed_at IS NULL) = (outcome IS NULL)", name="closed_with_outcome"),
        Index("ix_commission_hold_open", "source", "closed_at"),
    )

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
