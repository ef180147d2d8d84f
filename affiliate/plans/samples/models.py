"""Free samples: a creator's request for a product in their showcase, and a seller's cap.

A request moves only through ``SAMPLE_STATES``: it waits for the seller, who approves it (a free
order) or declines it, or the creator cancels it while it waits. A seller's ``SampleRule``
may approve it instead (the request names the rule). Once the free order is delivered the
creator owes a post with the product before ``post_deadline`` (``PostState``).
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
    text,
)
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


class PostState(StrEnum):
    """The posting obligation of a delivered sample."""

    DUE = "due"  # delivered; content with the product is expected by ``post_deadline``
    POSTED = "posted"  # content with the product appeared in time
    NOT_POSTED = "not_posted"  # the deadline passed without it

    @property
    def label(self) -> str:
        return {"due": "Post due", "posted": "Posted", "not_posted": "Not posted"}[self.value]


RULE_NAME_MAX = 80


class SampleRule(db.Model):
    """A seller's rule that approves a sample request by itself when every set condition holds.

    ``product_id`` NULL: the rule covers every product of the store. A condition left NULL is
    not checked; at least one is set (the service insists).
    """

    __tablename__ = "sample_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(RULE_NAME_MAX))
    min_gmv_30d: Mapped[int | None] = mapped_column(BigInteger)  # minor units, store currency
    min_posting_rate_bps: Mapped[int | None] = mapped_column(Integer)  # 10000 = 100%
    min_followers: Mapped[int | None] = mapped_column(Integer)
    max_price: Mapped[int | None] = mapped_column(BigInteger)  # the variant's price, minor units
    monthly_quota: Mapped[int | None] = mapped_column(Integer)  # approved per product, month
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("min_gmv_30d IS NULL OR min_gmv_30d >= 0", name="min_gmv_not_negative"),
        CheckConstraint(
            "min_posting_rate_bps IS NULL OR min_posting_rate_bps BETWEEN 0 AND 10000",
            name="min_posting_rate_range",
        ),
        CheckConstraint(
            "min_followers IS NULL OR min_followers >= 0", name="min_followers_not_negative"
        ),
        CheckConstraint("max_price IS NULL OR max_price >= 0", name="max_price_not_negative"),
        CheckConstraint(
            "monthly_quota IS NULL OR monthly_quota >= 1", name="monthly_quota_positive"
        ),
        Index("ix_sample_rule_store", "store_id", "product_id"),
    )


class SampleSetting(db.Model):
    """A store's sample settings: creators below ``min_posting_rate_bps`` wait for the seller
    whatever the rules say (NULL: no floor)."""

    __tablename__ = "sample_setting"

    store_id: Mapped[int] = mapped_column(
        ForeignKey("store.id", ondelete="CASCADE"), primary_key=True
    )
    min_posting_rate_bps: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint(
            "min_posting_rate_bps IS NULL OR min_posting_rate_bps BETWEEN 0 AND 10000",
            name="min_posting_rate_range",
        ),
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
    # An approval by a rule: the rule (while it exists) and what it said then.
    approved_rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("sample_rule.id", ondelete="SET NULL")
    )
    approved_by_rule: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # What the sample cost the seller: the variant's cost price at approval, and shipping.
    unit_cost: Mapped[int | None] = mapped_column(BigInteger)
    shipping_cost: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The posting obligation, from delivery of the free order.
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    post_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    post_state: Mapped[str | None] = mapped_column(String(12))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_3d_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_1d_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

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
        CheckConstraint(
            "post_state IS NULL OR post_state IN ('due', 'posted', 'not_posted')",
            name="post_state_known",
        ),
        CheckConstraint(
            "(post_state IS NULL) = (post_deadline IS NULL)", name="post_deadline_with_state"
        ),
        CheckConstraint("shipping_cost >= 0", name="shipping_cost_not_negative"),
        CheckConstraint("unit_cost IS NULL OR unit_cost >= 0", name="unit_cost_not_negative"),
        Index("ix_sample_request_store_status", "store_id", "status", "id"),
        Index("ix_sample_request_post_state", "post_state", "post_deadline"),
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
    def post(self) -> PostState | None:
        return PostState(self.post_state) if self.post_state else None

    @property
    def sample_cost(self) -> int:
        """What the sample cost the seller: the unit's cost (0 if unrecorded) plus shipping."""
        return (self.unit_cost or 0) + self.shipping_cost

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
