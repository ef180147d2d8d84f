"""Free samples: a creator's request for a product in their showcase, and a seller's cap.

A request moves only through ``SAMPLE_STATES``: it waits for the seller, who approves it (a free
order) or declines it, or the creator cancels it while it waits.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.states import StateMachine
from core.types import UTCDateTime, utcnow

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

#: Only a waiting request is answered (or cancelled); every answer is final.
SAMPLE_STATES = StateMachine(
    "sample request",
    {
        SampleStatus.REQUESTED: {
            SampleStatus.APPROVED,
            SampleStatus.DECLINED,
            SampleStatus.CANCELLED,
        },
        SampleStatus.APPROVED: set(),
        SampleStatus.DECLINED: set(),
        SampleStatus.CANCELLED: set(),
    },
)


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

    @property
    def declined_because(self) -> str:
        """The seller's reason, once they declined (else empty)."""
        return self.decline_reason if self.status == SampleStatus.DECLINED.value else ""


class SamplePolicy(db.Model):
    """A seller's cap on a product's sample requests (no row: unlimited; 0: samples off)."""

    __tablename__ = "sample_policy"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), primary_key=True
    )
    max_requests: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint("max_requests >= 0", name="max_requests_not_negative"),)
