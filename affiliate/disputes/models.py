"""Dispute cases and their timelines.

A case is about one order line: a seller's contest and a creator's contest of a reversal name
its commission, a creator's claim names the line that earned nothing (and, once upheld, the
commission it created). One case at a time is open per order line (a partial unique index),
so one per commission. Its state moves through ``DISPUTE``: open, then upheld, rejected or
withdrawn. Every step is a ``DisputeEvent`` on its timeline and an audit event.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.states import StateMachine
from core.types import UTCDateTime, utcnow


class DisputeKind(StrEnum):
    SELLER_CONTEST = "seller_contest"  # the seller says a pending commission is fraud
    MISSING_COMMISSION = "missing"  # the creator says a line should have earned
    REVERSAL_CONTEST = "reversal"  # the creator contests a reversal or clawback

    @property
    def label(self) -> str:
        return KIND_LABELS[self]

    @property
    def opened_by_seller(self) -> bool:
        return self is DisputeKind.SELLER_CONTEST


KIND_LABELS = {
    DisputeKind.SELLER_CONTEST: "Seller contests a commission",
    DisputeKind.MISSING_COMMISSION: "Creator claims a missing commission",
    DisputeKind.REVERSAL_CONTEST: "Creator contests a reversal",
}


class DisputeState(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # finance agreed with the party who opened it
    REJECTED = "rejected"  # finance did not
    WITHDRAWN = "withdrawn"  # the party who opened it took it back

    @property
    def label(self) -> str:
        return self.value.capitalize()


#: A case is open until finance decides it (upheld or rejected) or its opener withdraws it.
DISPUTE = StateMachine(
    "dispute",
    {
        DisputeState.OPEN: {DisputeState.UPHELD, DisputeState.REJECTED, DisputeState.WITHDRAWN},
        DisputeState.UPHELD: set(),
        DisputeState.REJECTED: set(),
        DisputeState.WITHDRAWN: set(),
    },
    field="state",
)


class Dispute(Model):
    __tablename__ = "dispute"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(12), default=DisputeState.OPEN.value)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="RESTRICT"), index=True)
    creator_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="RESTRICT"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id", ondelete="RESTRICT"))
    # The commission contested, or (a claim) the one created when finance upheld it.
    commission_id: Mapped[int | None] = mapped_column(
        ForeignKey("commission.id", ondelete="RESTRICT"), index=True
    )
    # A seller's contest holds the commission while the case is open.
    hold_id: Mapped[int | None] = mapped_column(
        ForeignKey("commission_hold.id", ondelete="RESTRICT")
    )
    content_id: Mapped[int | None] = mapped_column(ForeignKey("content.id", ondelete="SET NULL"))
    # What is at stake: the commission's amount, what a claim would earn, what a reversal took.
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(500))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answer_by: Mapped[datetime] = mapped_column(UTCDateTime())
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    answer: Mapped[str | None] = mapped_column(String(1000))

    events: Mapped[list[DisputeEvent]] = relationship(
        back_populates="dispute", order_by="DisputeEvent.id", lazy="selectin"
    )

    __table_args__ = (
        CheckConstraint("kind IN ('seller_contest', 'missing', 'reversal')", name="kind_known"),
        CheckConstraint("state IN ('open', 'upheld', 'rejected', 'withdrawn')", name="state_known"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("(state = 'open') = (closed_at IS NULL)", name="closed_when_not_open"),
        Index(
            "uq_dispute_open_line",
            "order_line_id",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
        Index("ix_dispute_state_answer_by", "state", "answer_by"),
    )

    @property
    def dispute_kind(self) -> DisputeKind:
        return DisputeKind(self.kind)

    @property
    def dispute_state(self) -> DisputeState:
        return DisputeState(self.state)

    @property
    def is_open(self) -> bool:
        return self.state == DisputeState.OPEN.value

    def overdue(self, now: datetime) -> bool:
        return self.is_open and self.answer_by <= now


class EventKind(StrEnum):
    OPENED = "opened"
    EVIDENCE = "evidence"
    COMMENT = "comment"
    OVERDUE = "overdue"
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"


class Party(StrEnum):
    SELLER = "seller"
    CREATOR = "creator"
    FINANCE = "finance"
    SYSTEM = "system"


class DisputeEvent(Model):
    """One step of a case's timeline, as both sides and finance see it. Append-only."""

    __tablename__ = "dispute_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("dispute.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    party: Mapped[str] = mapped_column(String(8))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[str] = mapped_column(Text, default="")  # one http(s) URL a line
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    dispute: Mapped[Dispute] = relationship(back_populates="events")

    __table_args__ = (
        CheckConstraint(
            "kind IN ('opened', 'evidence', 'comment', 'overdue', 'decided', 'withdrawn')",
            name="kind_known",
        ),
        CheckConstraint("party IN ('seller', 'creator', 'finance', 'system')", name="party_known"),
        Index("ix_dispute_event_dispute", "dispute_id", "id"),
    )

    @property
    def link_list(self) -> list[str]:
        return [link for link in self.links.splitlines() if link]
