"""Ledger accounts, journal entries and their postings.

Sign convention: a posting's ``amount`` is positive for a debit and negative for a credit, so
the postings of an entry sum to zero per currency. An account's *balance* is read on its
normal side: debit-normal accounts (assets such as platform cash) show ``sum(amount)``,
credit-normal accounts (what the platform owes creators and sellers, and its revenue) show
``-sum(amount)``. A creator's available balance of $5 is therefore postings summing to -500.
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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.types import UTCDateTime, utcnow


class EntryKind(StrEnum):
    """What a journal entry records; every feature posts one of these, never a loose string."""

    ORDER_PAID = "order_paid"
    ORDER_REFUND = "order_refund"
    LINE_REFUND = "line_refund"
    COMMISSION_EARNED = "commission_earned"
    COMMISSION_SETTLED = "commission_settled"
    COMMISSION_REVERSED = "commission_reversed"
    COMMISSION_CLAWED_BACK = "commission_clawed_back"
    COMMISSION_RESTORED = "commission_restored"  # a contested reversal or clawback paid back
    WITHDRAWAL_HOLD = "withdrawal_hold"
    WITHDRAWAL_PAID = "withdrawal_paid"
    WITHDRAWAL_RETURNED = "withdrawal_returned"
    FLAT_FEE_HELD = "flat_fee_held"
    FLAT_FEE_PAID = "flat_fee_paid"
    FLAT_FEE_SETTLED = "flat_fee_settled"
    FLAT_FEE_RETURNED = "flat_fee_returned"


class AccountKind(StrEnum):
    CREATOR_PENDING = "creator_pending"
    CREATOR_AVAILABLE = "creator_available"
    CREATOR_HELD = "creator_held"
    SELLER_RECEIVABLE = "seller_receivable"
    SELLER_HELD = "seller_held"
    PLATFORM_CASH = "platform_cash"
    PLATFORM_FEE_REVENUE = "platform_fee_revenue"
    PLATFORM_PAYOUTS_CLEARING = "platform_payouts_clearing"

    @property
    def is_platform(self) -> bool:
        return self.value.startswith("platform_")

    @property
    def debit_normal(self) -> bool:
        return self is AccountKind.PLATFORM_CASH

    @property
    def normal_sign(self) -> int:
        """Multiply a sum of postings by this to read the balance on the normal side."""
        return 1 if self.debit_normal else -1

    @property
    def caches_balance(self) -> bool:
        """Per-creator accounts keep a cached balance, updated under their row lock.

        Platform and seller accounts are touched by every order or payout, so they keep no
        cache (a cache would make their row a lock every transaction queues behind); their
        balances are sums over postings.
        """
        return self.value.startswith("creator_")

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {
    AccountKind.CREATOR_PENDING: "Pending commission",
    AccountKind.CREATOR_AVAILABLE: "Available to withdraw",
    AccountKind.CREATOR_HELD: "Held for withdrawal",
    AccountKind.SELLER_RECEIVABLE: "Owed to the store",
    AccountKind.SELLER_HELD: "Held for flat fees",
    AccountKind.PLATFORM_CASH: "Platform cash",
    AccountKind.PLATFORM_FEE_REVENUE: "Fee revenue",
    AccountKind.PLATFORM_PAYOUTS_CLEARING: "Payouts clearing",
}


class LedgerAccount(Model):
    __tablename__ = "ledger_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    cached_balance: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        CheckConstraint(
            "currency = upper(currency) AND length(currency) = 3", name="currency_code"
        ),
        CheckConstraint(
            "(owner_id IS NULL) = (substr(kind, 1, 9) = 'platform_')", name="owner_matches_kind"
        ),
    )

    @property
    def account_kind(self) -> AccountKind:
        return AccountKind(self.kind)

    def __repr__(self) -> str:
        return f"<LedgerAccount {self.key}>"


class LedgerEntry(Model):
    """One money movement. Never updated or deleted: a correction is a new entry."""

    __tablename__ = "ledger_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    cause_type: Mapped[str] = mapped_column(String(40))
    cause_id: Mapped[str] = mapped_column(String(64))
    memo: Mapped[str | None] = mapped_column(String(255))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    postings: Mapped[list[LedgerPosting]] = relationship(
        back_populates="entry", lazy="selectin", order_by="LedgerPosting.id"
    )

    __table_args__ = (UniqueConstraint("kind", "cause_type", "cause_id"),)


class LedgerPosting(Model):
    __tablename__ = "ledger_posting"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entry.id", ondelete="RESTRICT"))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)

    entry: Mapped[LedgerEntry] = relationship(back_populates="postings")
    account: Mapped[LedgerAccount] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_nonzero"),
        Index("ix_ledger_posting_entry_id", "entry_id"),
        Index("ix_ledger_posting_account_id_id", "account_id", "id"),
    )


class LedgerCheckRun(Model):
    """The result of one run of the ledger check (by the periodic job or the CLI)."""

    __tablename__ = "ledger_check_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    entries_checked: Mapped[int] = mapped_column(Integer)
    accounts_checked: Mapped[int] = mapped_column(Integer)
    problems: Mapped[str] = mapped_column(Text, default="")
