"""Plans, their products and rates, memberships (invitations and joins), and showcases.

Rates are whole basis points (1% = 100 bps) between 100 and 8000. A rate is never edited in
place: each change is a new ``PlanRate`` row with the moment it takes effect, so the rule can
answer "which rate applied at time T" and a cut can wait out its notice period.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.types import UTCDateTime, utcnow

MIN_RATE_BPS = 100
MAX_RATE_BPS = 8000


class PlanKind(StrEnum):
    TARGETED = "targeted"
    OPEN = "open"
    STORE = "store"

    @property
    def precedence(self) -> int:
        """Lower wins: targeted beats open beats store."""
        return {PlanKind.TARGETED: 0, PlanKind.OPEN: 1, PlanKind.STORE: 2}[self]

    @property
    def label(self) -> str:
        return f"{self.value} plan"


class PlanStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class Plan(db.Model):
    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default=PlanStatus.ACTIVE.value)
    message: Mapped[str] = mapped_column(Text, default="")
    manual_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    products: Mapped[list[PlanProduct]] = relationship(
        back_populates="plan", order_by="PlanProduct.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("kind IN ('targeted', 'open', 'store')", name="kind_known"),
        CheckConstraint("status IN ('active', 'paused', 'ended')", name="status_known"),
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
        Index("ix_plan_store_kind", "store_id", "kind"),
        # One store plan per store.
        Index(
            "uq_plan_one_store_plan",
            "store_id",
            unique=True,
            sqlite_where=text("kind = 'store'"),
            postgresql_where=text("kind = 'store'"),
        ),
    )

    @property
    def plan_kind(self) -> PlanKind:
        return PlanKind(self.kind)


class PlanProduct(db.Model):
    """A product in an open or targeted plan (a store plan covers every product of its store)."""

    __tablename__ = "plan_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="RESTRICT"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    plan: Mapped[Plan] = relationship(back_populates="products")

    __table_args__ = (
        UniqueConstraint("plan_id", "product_id"),
        Index("ix_plan_product_product", "product_id", "plan_id"),
    )


class PlanRate(db.Model):
    """A plan's rate from ``effective_at`` on: for one product, or the plan's default (NULL)."""

    __tablename__ = "plan_rate"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="RESTRICT"))
    rate_bps: Mapped[int] = mapped_column(Integer)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        CheckConstraint(
            f"rate_bps BETWEEN {MIN_RATE_BPS} AND {MAX_RATE_BPS}", name="rate_within_bounds"
        ),
        Index("ix_plan_rate_lookup", "plan_id", "product_id", "effective_at"),
    )


class MembershipStatus(StrEnum):
    INVITED = "invited"  # targeted: waiting for the creator
    ACCEPTED = "accepted"  # targeted: the creator said yes
    DECLINED = "declined"  # targeted: the creator said no
    PENDING = "pending"  # open with manual approval: waiting for the seller
    JOINED = "joined"  # open: joined (at once, or approved by the seller)
    REJECTED = "rejected"  # open with manual approval: the seller said no
    LEFT = "left"  # the creator left the plan


#: Memberships under which a plan is open to its creator.
EARNING_STATUSES = (MembershipStatus.ACCEPTED.value, MembershipStatus.JOINED.value)


class PlanMembership(db.Model):
    """A creator's standing in a targeted or open plan."""

    __tablename__ = "plan_membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    plan: Mapped[Plan] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("plan_id", "creator_id"),
        Index("ix_plan_membership_creator", "creator_id", "status"),
        CheckConstraint(
            "status IN ('invited', 'accepted', 'declined', 'pending', 'joined', 'rejected', "
            "'left')",
            name="status_known",
        ),
    )


class ShowcaseItem(db.Model):
    """A product a creator promotes. Adding one needs a plan open to the creator for it."""

    __tablename__ = "showcase_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("creator_id", "product_id"),
        Index("ix_showcase_item_product", "product_id"),
    )


class ShowcaseRequest(db.Model):
    """A product a creator asked to showcase through an open plan that approves joiners: it
    joins the showcase when the seller approves the creator, and goes when they decline."""

    __tablename__ = "showcase_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("creator_id", "product_id"),
        Index("ix_showcase_request_plan_creator", "plan_id", "creator_id"),
    )


# ---------------------------------------------------------------------------------------------
# Free samples
# ---------------------------------------------------------------------------------------------

SAMPLE_NOTE_MIN = 10
SAMPLE_NOTE_MAX = 1000
DECLINE_REASON_MIN = 3
DECLINE_REASON_MAX = 500


class SampleStatus(StrEnum):
    REQUESTED = "requested"  # waiting for the seller
    APPROVED = "approved"  # the seller sends it: ``order_id`` is the free order
    DECLINED = "declined"  # the seller said no, with a reason
    CANCELLED = "cancelled"  # the creator withdrew it before the seller answered

    @property
    def label(self) -> str:
        return self.value.capitalize()


#: Requests that count against a product's cap.
SAMPLE_COUNTED_STATUSES = (SampleStatus.REQUESTED.value, SampleStatus.APPROVED.value)


class SampleRequest(db.Model):
    """A creator asks for a free sample of a product in their showcase, saying what they plan."""

    __tablename__ = "sample_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    # A product or variant deleted (never ordered) takes its requests with it; an approved
    # request has an order, which keeps them.
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id", ondelete="CASCADE"))
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="RESTRICT"))
    # Where the sample goes (addresses are never deleted; NO ACTION lets a deleted account's
    # cascade take its addresses and its requests in one statement).
    address_id: Mapped[int] = mapped_column(ForeignKey("address.id"))
    note: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=SampleStatus.REQUESTED.value)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_order.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    __table_args__ = (
        CheckConstraint(
            "status IN ('requested', 'approved', 'declined', 'cancelled')", name="status_known"
        ),
        CheckConstraint(
            f"length(note) BETWEEN {SAMPLE_NOTE_MIN} AND {SAMPLE_NOTE_MAX}", name="note_length"
        ),
        CheckConstraint(
            f"length(decline_reason) <= {DECLINE_REASON_MAX}", name="decline_reason_length"
        ),
        CheckConstraint(
            "(status = 'approved' AND order_id IS NOT NULL) "
            "OR (status <> 'approved' AND order_id IS NULL)",
            name="order_when_approved",
        ),
        Index("ix_sample_request_store_status", "store_id", "status", "id"),
        Index("ix_sample_request_creator", "creator_id", "id"),
        Index("ix_sample_request_product_status", "product_id", "status"),
        # One open request per creator and product, even when the form is sent twice.
        Index(
            "uq_sample_request_one_open",
            "creator_id",
            "product_id",
            unique=True,
            sqlite_where=text("status = 'requested'"),
            postgresql_where=text("status = 'requested'"),
        ),
    )

    @property
    def sample_status(self) -> SampleStatus:
        return SampleStatus(self.status)


class SamplePolicy(db.Model):
    """A seller's cap on a product's sample requests (no row: unlimited; 0: samples off)."""

    __tablename__ = "sample_policy"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), primary_key=True
    )
    max_requests: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint("max_requests >= 0", name="max_requests_not_negative"),)
