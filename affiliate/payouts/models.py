"""Payouts' models: creators' payout accounts, withdrawals and their approvals, and the
simulated provider's own record of the transfers it made.

A withdrawal's money lives in the ledger, never here: these rows say what was asked, who
approved it and what the provider answered. Each *attempt* of a withdrawal is one hold of its
amount (available → held) and one idempotency key at the provider, and ends in exactly one of
paid (held → payouts clearing and fee revenue) or returned (held → available).
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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.extensions import Model
from core.money import format_rate
from core.states import StateMachine
from core.types import UTCDateTime, utcnow

REASON_LENGTH = 500


class PayoutAccountStatus(StrEnum):
    PENDING = "pending"  # created at the provider; onboarding not finished
    READY = "ready"  # the provider accepts transfers to it
    RESTRICTED = "restricted"  # the provider stopped transfers (documents missing, review)

    @property
    def label(self) -> str:
        return self.value.capitalize()


class PayoutAccount(Model):
    """Where a creator's withdrawals are paid: one per creator, at one provider."""

    __tablename__ = "payout_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), unique=True
    )
    provider: Mapped[str] = mapped_column(String(20))  # "simulated" | "stripe"
    external_id: Mapped[str] = mapped_column(String(80))  # the provider's account id
    status: Mapped[str] = mapped_column(String(12), default=PayoutAccountStatus.PENDING.value)
    # What the creator sees of the destination ("Simulated bank •••• 6789"); never a full number.
    display: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The time of the provider's newest status event applied, so a late, older event is ignored.
    status_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # After the destination changed, new withdrawals wait until then (a stolen sign-in that
    # redirects the payouts gives the creator time to notice).
    cooldown_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'ready', 'restricted')", name="status_known"),
        UniqueConstraint("provider", "external_id"),
    )

    @property
    def account_status(self) -> PayoutAccountStatus:
        return PayoutAccountStatus(self.status)

    @property
    def is_ready(self) -> bool:
        return self.status == PayoutAccountStatus.READY.value


class WithdrawalStatus(StrEnum):
    REQUESTED = "requested"  # held; waiting for finance
    APPROVED = "approved"  # approved; the payout job is queued
    PROCESSING = "processing"  # the job has asked (or is about to ask) the provider
    PAID = "paid"  # the provider made the transfer
    REJECTED = "rejected"  # finance said no; the money is back in available
    FAILED = "failed"  # the provider did not pay (see ``funds_returned_at``)

    @property
    def label(self) -> str:
        return self.value.capitalize()


W = WithdrawalStatus

#: Every legal move of a withdrawal, and what makes it; ``WITHDRAWAL.move`` refuses any other
#: with ``core.states.IllegalTransition`` (409). Paid and rejected are final.
WITHDRAWAL: StateMachine[WithdrawalStatus] = StateMachine(
    "withdrawal",
    {
        W.REQUESTED: {
            W.APPROVED,  # finance approves (the last approval needed)
            W.REJECTED,  # finance rejects, with a reason
        },
        W.APPROVED: {
            W.PROCESSING,  # the payout job starts
            W.REJECTED,  # finance rejects before the payout started
            W.FAILED,  # the payout account is no longer ready when the job starts
            W.PAID,  # a transfer recorded after recovery had queued the payout again
        },
        W.PROCESSING: {
            W.PAID,  # the provider made the transfer
            W.FAILED,  # the provider refused, or stayed unreachable through every retry
            W.APPROVED,  # recovery: stuck, and the provider has no such transfer
        },
        W.FAILED: {
            W.APPROVED,  # finance retries
            W.PAID,  # returning the funds found that the provider had paid after all
        },
    },
)


class Withdrawal(Model):
    """A creator's request to be paid ``amount`` (the fee is taken from it: net = amount − fee)."""

    __tablename__ = "withdrawal"

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger)
    net: Mapped[int] = mapped_column(BigInteger)
    fee_bps: Mapped[int] = mapped_column(Integer)  # the fee rate when it was requested
    status: Mapped[str] = mapped_column(String(12), default=WithdrawalStatus.REQUESTED.value)
    # The form's one-time token: the same submission twice finds the first withdrawal.
    request_token: Mapped[str] = mapped_column(String(64), unique=True)
    needs_two_approvals: Mapped[bool] = mapped_column(Boolean, default=False)
    # Each attempt holds the amount once and has its own idempotency key at the provider.
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    provider: Mapped[str | None] = mapped_column(String(20))
    destination: Mapped[str | None] = mapped_column(String(80))  # the attempt's account id
    destination_display: Mapped[str | None] = mapped_column(String(120))
    provider_ref: Mapped[str | None] = mapped_column(String(80))
    reject_reason: Mapped[str | None] = mapped_column(String(REASON_LENGTH))
    failure_reason: Mapped[str | None] = mapped_column(String(REASON_LENGTH))
    last_error: Mapped[str | None] = mapped_column(String(REASON_LENGTH))  # transient, retried
    provider_calls: Mapped[int] = mapped_column(Integer, default=0)

    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    processing_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    funds_returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    # Lists load the creator with a join (``services``); a single withdrawal loads it lazily.
    creator: Mapped[User] = relationship(foreign_keys=[creator_id])
    approvals: Mapped[list[WithdrawalApproval]] = relationship(
        back_populates="withdrawal",
        cascade="all, delete-orphan",
        order_by="WithdrawalApproval.id",
        lazy="selectin",
    )

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("fee >= 0 AND net > 0", name="fee_and_net_in_range"),
        CheckConstraint("fee + net = amount", name="fee_plus_net_is_amount"),
        CheckConstraint("fee_bps BETWEEN 0 AND 10000", name="fee_bps_in_range"),
        CheckConstraint(
            "currency = upper(currency) AND length(currency) = 3", name="currency_code"
        ),
        CheckConstraint(
            "status IN ('requested', 'approved', 'processing', 'paid', 'rejected', 'failed')",
            name="status_known",
        ),
        CheckConstraint("attempt >= 1", name="attempt_positive"),
        CheckConstraint(
            "status <> 'paid' OR (paid_at IS NOT NULL AND provider_ref IS NOT NULL)",
            name="paid_has_reference",
        ),
        CheckConstraint(
            "status <> 'rejected' OR (reject_reason IS NOT NULL AND funds_returned_at IS NOT NULL)",
            name="rejected_has_reason",
        ),
        CheckConstraint(
            "status <> 'failed' OR failure_reason IS NOT NULL", name="failed_has_reason"
        ),
        CheckConstraint("length(request_token) >= 16", name="request_token_length"),
        # The review queue (by status, oldest first), the creator's list, the stuck finder and
        # the totals by day.
        Index("ix_withdrawal_status_requested", "status", "requested_at", "id"),
        Index("ix_withdrawal_creator", "creator_id", "id"),
        Index("ix_withdrawal_status_attempted", "status", "last_attempt_at"),
        Index("ix_withdrawal_paid_at", "paid_at"),
    )

    @property
    def withdrawal_status(self) -> WithdrawalStatus:
        return WithdrawalStatus(self.status)

    @property
    def funds_held(self) -> bool:
        """Whether this attempt's amount still sits in the creator's held balance."""
        if self.status in (W.REQUESTED, W.APPROVED, W.PROCESSING):
            return True
        return self.status == W.FAILED and self.funds_returned_at is None

    @property
    def approvals_needed(self) -> int:
        return 2 if self.needs_two_approvals else 1

    @property
    def fee_rate(self) -> str:
        """The fee rate it was requested at, for people ("2%")."""
        return format_rate(self.fee_bps)

    @property
    def idempotency_key(self) -> str:
        """The provider's idempotency key of the current attempt."""
        return idempotency_key(self.id, self.attempt)


def idempotency_key(withdrawal_id: int, attempt: int) -> str:
    return f"withdrawal-{withdrawal_id}-attempt-{attempt}"


class WithdrawalApproval(Model):
    """One finance officer's approval; a four-eyes withdrawal needs two different ones."""

    __tablename__ = "withdrawal_approval"

    id: Mapped[int] = mapped_column(primary_key=True)
    withdrawal_id: Mapped[int] = mapped_column(ForeignKey("withdrawal.id", ondelete="CASCADE"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    withdrawal: Mapped[Withdrawal] = relationship(back_populates="approvals")
    officer: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("withdrawal_id", "officer_id"),)


class SimulatedTransfer(Model):
    """The simulated provider's books: one row per idempotency key, written in a transaction
    of its own (as a real provider's would be), so a retry in any process finds it."""

    __tablename__ = "simulated_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    destination: Mapped[str] = mapped_column(String(80))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10))  # "pending" | "paid" | "declined"
    calls: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status IN ('pending', 'paid', 'declined')", name="status_known"),
    )


class TaxIdKind(StrEnum):
    SSN = "ssn"
    EIN = "ein"
    ITIN = "itin"
    VAT = "vat"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"ssn": "SSN", "ein": "EIN", "itin": "ITIN", "vat": "VAT number"}.get(
            self.value, "Other tax number"
        )


class TaxProfile(Model):
    """A creator's tax details, required before withdrawing once a calendar year's payouts
    would pass the threshold; the statement is the creator's signed certification."""

    __tablename__ = "tax_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), unique=True
    )
    legal_name: Mapped[str] = mapped_column(String(120))
    tax_id_kind: Mapped[str] = mapped_column(String(8))
    tax_id: Mapped[str] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(2))
    signature: Mapped[str] = mapped_column(String(120))  # the name typed under the statement
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        CheckConstraint(
            "tax_id_kind IN ('ssn', 'ein', 'itin', 'vat', 'other')", name="tax_id_kind_known"
        ),
    )

    @property
    def masked_tax_id(self) -> str:
        """What pages and exports show: the last four characters only."""
        return "•••• " + self.tax_id[-4:]

    @property
    def kind_label(self) -> str:
        return TaxIdKind(self.tax_id_kind).label
