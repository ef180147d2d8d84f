"""Flat fees per content in a targeted plan: the seller's offer, the money held for each
creator who accepted, and the pieces of content submitted for the fee.

Money moves only by ledger entries (``affiliate.creators.flatfees.money``); these rows say what
was offered, held and decided, and each state moves through its machine:

    offer       active ──▶ withdrawn | ended
    hold        held ──▶ closed                 (unused pieces returned to the seller)
    submission  submitted ──▶ approved ──▶ settled
                    └──────▶ declined             (its piece returned to the seller)
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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.states import StateMachine
from core.types import UTCDateTime, utcnow

#: Bounds of an offer (also CHECKs in the database).
MAX_PIECES = 20
MAX_REVIEW_DAYS = 30
MAX_AMOUNT = 10_000_000  # minor units: $100,000.00 a piece


class OfferStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"  # the seller took it back
    ENDED = "ended"  # the plan ended


class HoldStatus(StrEnum):
    HELD = "held"
    CLOSED = "closed"


class SubmissionStatus(StrEnum):
    SUBMITTED = "submitted"  # waiting for the seller's review
    APPROVED = "approved"  # paid to the creator's pending balance
    DECLINED = "declined"  # its piece went back to the seller
    SETTLED = "settled"  # moved to the creator's available balance


OFFER_STATES = StateMachine(
    "flat fee offer",
    {
        OfferStatus.ACTIVE: {OfferStatus.WITHDRAWN, OfferStatus.ENDED},
        OfferStatus.WITHDRAWN: set(),
        OfferStatus.ENDED: set(),
    },
)

HOLD_STATES = StateMachine(
    "flat fee hold", {HoldStatus.HELD: {HoldStatus.CLOSED}, HoldStatus.CLOSED: set()}
)

_S = SubmissionStatus
SUBMISSION_STATES = StateMachine(
    "flat fee submission",
    {
        _S.SUBMITTED: {_S.APPROVED, _S.DECLINED},
        _S.APPROVED: {_S.SETTLED},
        _S.DECLINED: set(),
        _S.SETTLED: set(),
    },
)


class FlatFeeOffer(Model):
    """A fixed amount per approved video or live featuring a targeted plan's products."""

    __tablename__ = "flat_fee_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="RESTRICT"))
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="RESTRICT"))
    #: Whose balance pays: the store owner's, when the offer was made.
    seller_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    max_pieces: Mapped[int] = mapped_column(Integer)
    review_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=OfferStatus.ACTIVE.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint(f"amount > 0 AND amount <= {MAX_AMOUNT}", name="amount_in_bounds"),
        CheckConstraint(f"max_pieces BETWEEN 1 AND {MAX_PIECES}", name="pieces_in_bounds"),
        CheckConstraint(f"review_days BETWEEN 1 AND {MAX_REVIEW_DAYS}", name="review_in_bounds"),
        CheckConstraint("status IN ('active', 'withdrawn', 'ended')", name="status_known"),
        Index("ix_flat_fee_offer_plan", "plan_id", "status"),
        Index("ix_flat_fee_offer_store", "store_id", "id"),
        # At most one active offer per plan.
        Index(
            "uq_flat_fee_offer_one_active",
            "plan_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    @property
    def is_active(self) -> bool:
        return self.status == OfferStatus.ACTIVE.value


class FlatFeeHold(Model):
    """The fee for an accepted creator's pieces, held from the seller's balance."""

    __tablename__ = "flat_fee_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("flat_fee_offer.id", ondelete="RESTRICT"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    pieces: Mapped[int] = mapped_column(Integer)
    #: Pieces never submitted, given back when the hold closed.
    returned_pieces: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default=HoldStatus.HELD.value)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    offer: Mapped[FlatFeeOffer] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("offer_id", "creator_id"),
        CheckConstraint("pieces > 0", name="pieces_positive"),
        CheckConstraint("returned_pieces BETWEEN 0 AND pieces", name="returned_within_pieces"),
        CheckConstraint("status IN ('held', 'closed')", name="status_known"),
        Index("ix_flat_fee_hold_creator", "creator_id", "status"),
    )


class FlatFeeSubmission(Model):
    """A piece of content a creator put forward for the fee, and the seller's answer."""

    __tablename__ = "flat_fee_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    hold_id: Mapped[int] = mapped_column(ForeignKey("flat_fee_hold.id", ondelete="RESTRICT"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("flat_fee_offer.id", ondelete="RESTRICT"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    content_id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10), default=SubmissionStatus.SUBMITTED.value)
    auto_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    review_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    settles_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    hold: Mapped[FlatFeeHold] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("offer_id", "content_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "status IN ('submitted', 'approved', 'declined', 'settled')", name="status_known"
        ),
        Index("ix_flat_fee_submission_due", "status", "review_due_at"),
        Index("ix_flat_fee_submission_settles", "status", "settles_at"),
        Index("ix_flat_fee_submission_hold", "hold_id", "status"),
        Index("ix_flat_fee_submission_creator", "creator_id", "id"),
    )
