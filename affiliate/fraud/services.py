"""Running the fraud rules and deciding what they held.

**On earning** (``on_commission_earned``, a receiver of ``commission_earned``, inside the
paying transaction): every rule looks at the new commission; each finding is recorded as a
``FraudFlag`` and the commission is held (``holds.place_hold`` with ``HoldSource.FRAUD``, one
open fraud hold per commission, whatever the number of rules that tripped). The creator is
told that a commission is under review, and nothing of why: the rule's internals would teach
how to stay under a threshold.

**Later** (``sweep``, a periodic job and a ``run-clock`` step): the rules whose facts come
after earning (quick refunds, missed sample deadlines) look at pending commissions again. A
flag exists once per rule and commission, so a released commission is not held again by the
same rule.

**Deciding** (finance): ``decide`` releases (``holds.release_hold``) or reverses
(``holds.reverse_held``) a commission's open fraud hold with a reason; both are audited by
the holds. The caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from flask import current_app
from sqlalchemy import select

from affiliate.creators.attribution import holds
from affiliate.creators.attribution.models import (
    Commission,
    CommissionHold,
    CommissionState,
    HoldSource,
)
from affiliate.fraud import rules
from affiliate.fraud.exceptions import NotAFraudHold, UnknownDecision
from affiliate.fraud.models import FraudFlag
from affiliate.plans.samples.models import PostState, SampleRequest
from core.exceptions import DomainError
from core.extensions import db
from core.notifications.services import notify
from core.types import utcnow
from shop.orders.models import Order, OrderLine
from shop.orders.refunds.models import RefundRequest

NOTICE_KIND = "commission.review"
CREATOR_LINES = "/creator/"  # the Creator centre, where the line shows "On hold"
SWEEP_BATCH = 500


class Decision(StrEnum):
    RELEASE = "release"
    REVERSE = "reverse"


def thresholds() -> rules.Thresholds:
    return rules.Thresholds.from_config(current_app.config)


def hold_reason(findings: Sequence[rules.Finding]) -> str:
    """The hold's reason, for finance: the rules that tripped, in words."""
    return "Fraud review: " + "; ".join(finding.rule.label for finding in findings)


def _open_fraud_hold(commission_id: int) -> CommissionHold | None:
    for hold in holds.open_holds(commission_id):
        if hold.source == HoldSource.FRAUD.value:
            return hold
    return None


def _flagged(commission_id: int) -> set[str]:
    return set(
        db.session.scalars(select(FraudFlag.rule).where(FraudFlag.commission_id == commission_id))
    )


def flag(
    commission: Commission, findings: Iterable[rules.Finding], *, now: datetime | None = None
) -> list[FraudFlag]:
    """Record the new findings on a pending commission and hold it (once); returns the flags
    recorded (none for a rule that flagged it before, or a commission no longer pending)."""
    now = now or utcnow()
    before = _flagged(commission.id)
    fresh = [finding for finding in findings if finding.rule.value not in before]
    fresh = list({finding.rule: finding for finding in fresh}.values())
    if not fresh or commission.state != CommissionState.PENDING.value:
        return []
    hold = _open_fraud_hold(commission.id)
    if hold is None:
        hold = holds.place_hold(
            commission, source=HoldSource.FRAUD, reason=hold_reason(fresh), now=now
        )
        _tell_creator(commission)
    flags = [
        FraudFlag(
            rule=finding.rule.value,
            commission_id=commission.id,
            hold_id=hold.id,
            evidence=finding.evidence,
            created_at=now,
        )
        for finding in fresh
    ]
    db.session.add_all(flags)
    db.session.flush()
    return flags


def _tell_creator(commission: Commission) -> None:
    """Once per order: a commission is under review (nothing of why)."""
    told: set[tuple[int, int]] = db.session.info.setdefault("fraud_told", set())
    key = (commission.creator_id, commission.order_id)
    if key in told:
        return
    told.add(key)
    notify(
        commission.creator_id,
        f"Your commission on order #{commission.order_id} is under review. It stays in your "
        "pending balance and settles as usual if the review finds nothing wrong.",
        kind=NOTICE_KIND,
        link=CREATOR_LINES,
    )


# ---------------------------------------------------------------------------- on earning


def check_earned(commission: Commission, *, now: datetime | None = None) -> list[FraudFlag]:
    """Run every rule on a commission just earned; flag and hold what they find."""
    now = now or utcnow()
    order = db.session.get(Order, commission.order_id)
    line = db.session.get(OrderLine, commission.order_line_id)
    if order is None or line is None:
        return []
    findings = rules.at_earning(commission, order, line, thresholds(), now)
    return flag(commission, findings, now=now) if findings else []


def on_commission_earned(commission: Commission, **extra: Any) -> None:
    """``commission_earned`` receiver: the rules run inside the paying transaction."""
    if isinstance(commission, Commission):
        check_earned(commission)


# ---------------------------------------------------------------------------- later facts


@dataclass
class SweepResult:
    checked: int = 0
    flagged: int = 0

    def __str__(self) -> str:
        return f"fraud sweep: {self.checked} commission(s) checked, {self.flagged} flagged"


def _pending(conditions: Iterable[Any]) -> Sequence[Commission]:
    query = (
        select(Commission)
        .where(Commission.state == CommissionState.PENDING.value, *conditions)
        .order_by(Commission.id)
        .limit(SWEEP_BATCH)
    )
    return db.session.scalars(query).all()


def _refund_candidates(limits: rules.Thresholds, now: datetime) -> Sequence[Commission]:
    """Pending commissions of buyers who asked for a refund of an order through the same
    creator within the look-back."""
    since = now - timedelta(days=limits.quick_refund_lookback_days)
    refunded = (
        select(Commission.creator_id, Order.buyer_id)
        .join(Order, Order.id == Commission.order_id)
        .join(RefundRequest, RefundRequest.order_id == Order.id)
        .where(RefundRequest.created_at >= since)
        .distinct()
    )
    pairs = {(row[0], row[1]) for row in db.session.execute(refunded)}
    found: list[Commission] = []
    for creator_id, buyer_id in sorted(pairs):
        buyer_orders = select(Order.id).where(Order.buyer_id == buyer_id)
        found.extend(
            _pending(
                [
                    Commission.creator_id == creator_id,
                    Commission.order_id.in_(buyer_orders),
                    Commission.created_at >= since,
                ]
            )
        )
    return found


def _sample_candidates(limits: rules.Thresholds, now: datetime) -> Sequence[Commission]:
    """Pending commissions earned after a missed posting deadline of a sample of their store."""
    recent = now - timedelta(days=limits.sample_abuse_days)
    missed = db.session.execute(
        select(SampleRequest.creator_id, SampleRequest.store_id, SampleRequest.post_deadline)
        .where(
            SampleRequest.post_deadline.is_not(None),
            SampleRequest.post_deadline >= recent,
            SampleRequest.post_deadline < now,
            SampleRequest.post_state.in_([PostState.NOT_POSTED.value, PostState.DUE.value]),
        )
        .order_by(SampleRequest.id)
    ).all()
    found: list[Commission] = []
    for creator_id, store_id, deadline in missed:
        found.extend(
            _pending(
                [
                    Commission.creator_id == creator_id,
                    Commission.store_id == store_id,
                    Commission.created_at > deadline,
                ]
            )
        )
    return found


def sweep(now: datetime | None = None) -> SweepResult:
    """Re-check pending commissions against the rules that need later facts; idempotent."""
    now = now or utcnow()
    limits = thresholds()
    result = SweepResult()
    seen: set[int] = set()
    for commission in [*_refund_candidates(limits, now), *_sample_candidates(limits, now)]:
        if commission.id in seen:
            continue
        seen.add(commission.id)
        order = db.session.get(Order, commission.order_id)
        if order is None:
            continue
        result.checked += 1
        findings = rules.later(commission, order, limits, now)
        if findings and flag(commission, findings, now=now):
            result.flagged += 1
    return result


# ---------------------------------------------------------------------------- deciding


def fraud_hold(hold_id: int) -> CommissionHold:
    """The open fraud hold ``hold_id`` (``NotAFraudHold``, a 404, otherwise)."""
    hold = db.session.get(CommissionHold, hold_id) if 0 < hold_id < 2**63 else None
    if hold is None or hold.source != HoldSource.FRAUD.value:
        raise NotAFraudHold("There is no such fraud hold.")
    return hold


def decide(hold: CommissionHold, decision: str, reason: str, actor_id: int) -> Decision:
    """Release or reverse a fraud hold with finance's reason (audited by the holds)."""
    try:
        chosen = Decision(decision)
    except ValueError:
        raise UnknownDecision("Choose release or reverse.") from None
    reason = (reason or "").strip()
    if not reason:
        raise UnknownDecision("Say why: the reason is kept with the decision.", field="reason")
    commission = db.session.get(Commission, hold.commission_id)
    assert commission is not None
    if chosen is Decision.RELEASE:
        holds.release_hold(hold, reason=reason, actor_id=actor_id)
        message = (
            f"The review of your commission on order #{commission.order_id} is over: it "
            "follows its course and settles as usual."
        )
    else:
        holds.reverse_held(hold, reason=reason, actor_id=actor_id)
        message = (
            f"After review, your commission on order #{commission.order_id} was reversed. "
            "Contact support if you think this is a mistake."
        )
    notify(commission.creator_id, message, kind=NOTICE_KIND, link=CREATOR_LINES)
    return chosen


@dataclass(frozen=True)
class BulkResult:
    hold_id: int
    ok: bool
    message: str = ""


def decide_many(
    hold_ids: Sequence[int], decision: str, reason: str, actor_id: int
) -> list[BulkResult]:
    """Decide each hold in its own savepoint: one refused leaves the others decided."""
    results: list[BulkResult] = []
    for hold_id in sorted(set(hold_ids)):
        try:
            with db.session.begin_nested():
                decide(fraud_hold(hold_id), decision, reason, actor_id)
        except UnknownDecision:
            raise
        except DomainError as error:
            results.append(BulkResult(hold_id, False, str(error)))
            continue
        results.append(BulkResult(hold_id, True))
    return results
