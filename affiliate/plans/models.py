"""Plans, their products and rates, memberships (invitations and joins), and showcases.

Rates are whole basis points (1% = 100 bps) between 100 and 8000. A rate is never edited in
place: each change is a new ``PlanRate`` row with the moment it takes effect, so the rule can
answer "which rate applied at time T" and a cut can wait out its notice period.

A plan's status and a membership's move only through their state machines (``PLAN_STATES``,
``MEMBERSHIP_STATES``); free samples are ``affiliate.plans.samples``.
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
from core.states import StateMachine
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


#: A paused plan earns nothing until it resumes; ending is final.
PLAN_STATES = StateMachine(
    "plan",
    {
        PlanStatus.ACTIVE: {PlanStatus.PAUSED, PlanStatus.ENDED},
        PlanStatus.PAUSED: {PlanStatus.ACTIVE, PlanStatus.ENDED},
        PlanStatus.ENDED: set(),
    },
)


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

    @property
    def has_ended(self) -> bool:
        return self.status == PlanStatus.ENDED.value


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


#: The most tiers one product may have in a plan.
MAX_TIERS = 5


class PlanRateTier(db.Model):
    """A higher rate for a product of an open or targeted plan once ``min_orders`` paid orders
    of it have come through the plan: the rate only rises with volume (each tier above the
    ones below it and above the product's rate)."""

    __tablename__ = "plan_rate_tier"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="RESTRICT"))
    min_orders: Mapped[int] = mapped_column(Integer)
    rate_bps: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("plan_id", "product_id", "min_orders"),
        CheckConstraint("min_orders > 0", name="min_orders_positive"),
        CheckConstraint(
            f"rate_bps BETWEEN {MIN_RATE_BPS} AND {MAX_RATE_BPS}", name="rate_within_bounds"
        ),
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

_M = MembershipStatus
#: A creator answers an invitation once; the seller answers a joiner once. A declined invitation
#: can be sent again, and a creator who left may be invited or join again.
MEMBERSHIP_STATES = StateMachine(
    "plan membership",
    {
        _M.INVITED: {_M.ACCEPTED, _M.DECLINED},
        _M.ACCEPTED: set(),
        _M.DECLINED: {_M.INVITED},
        _M.PENDING: {_M.JOINED, _M.REJECTED},
        _M.JOINED: set(),
        _M.REJECTED: set(),
        _M.LEFT: {_M.INVITED, _M.PENDING, _M.JOINED},
    },
)


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
