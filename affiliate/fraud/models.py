"""What a fraud rule found: one flag per rule and commission, with its evidence as data."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import Model
from core.types import UTCDateTime, utcnow


class FraudRule(StrEnum):
    SELF_PURCHASE = "self_purchase"  # buyer account, address, card or tap device is hers
    BRUSHING = "brushing"  # many small orders from one buyer through one creator
    QUICK_REFUNDS = "quick_refunds"  # most of one buyer's orders through her refunded at once
    TAP_TO_ORDER = "tap_to_order"  # ordered within seconds of the tap
    SAMPLE_ABUSE = "sample_abuse"  # a sample from the store never posted about

    @property
    def label(self) -> str:
        return RULE_LABELS[self]


RULE_LABELS = {
    FraudRule.SELF_PURCHASE: "Self-purchase",
    FraudRule.BRUSHING: "Brushing: many small orders",
    FraudRule.QUICK_REFUNDS: "Brushing: quick refunds",
    FraudRule.TAP_TO_ORDER: "Brushing: ordered right after the tap",
    FraudRule.SAMPLE_ABUSE: "Sample abuse",
}
RULES = tuple(rule.value for rule in FraudRule)


class FraudFlag(Model):
    """A rule that tripped on a commission, what it matched (``evidence``: which address,
    card or tap, counts and window), and the hold it placed. Once per rule and commission,
    so a periodic re-check never flags twice."""

    __tablename__ = "fraud_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(20))
    commission_id: Mapped[int] = mapped_column(ForeignKey("commission.id", ondelete="RESTRICT"))
    hold_id: Mapped[int | None] = mapped_column(
        ForeignKey("commission_hold.id", ondelete="SET NULL"), index=True
    )
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("rule", "commission_id"),
        CheckConstraint("rule IN (" + ", ".join(f"'{r}'" for r in RULES) + ")", name="rule_known"),
        Index("ix_fraud_flag_commission", "commission_id"),
    )

    @property
    def fraud_rule(self) -> FraudRule:
        return FraudRule(self.rule)
