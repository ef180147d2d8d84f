"""Commission holds: a pending commission under dispute or fraud review does not settle.

A hold is placed with a source (a dispute, a fraud rule) and a reason; while any hold of a
commission is open, ``Commission.held_at`` is set and settlement skips it (the order may
complete meanwhile). Closing a hold either **releases** it (when no other hold is open, the
commission follows its course again, and settles at once if its order has already completed)
or **reverses** the commission (all that is left goes back from the creator's pending balance
to the seller: one ledger entry, caused by the hold, so a repeated decision cannot post twice;
every other open hold of that commission closes with it). Every step is audited; the caller
owns the commit. Holds never move money by themselves: the commission stays in pending.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from affiliate.creators.attribution.commissions import reverse_whole, settle_commission
from affiliate.creators.attribution.exceptions import HoldClosed, NotHoldable
from affiliate.creators.attribution.models import (
    Commission,
    CommissionHold,
    CommissionState,
    HoldOutcome,
    HoldSource,
)
from core.audit.services import record
from core.extensions import db
from core.ledger.services import Cause
from core.types import utcnow
from shop.orders.models import Order, OrderStatus

SUBJECT = "commission"


def _locked(commission_id: int) -> Commission:
    commission: Commission | None = db.session.scalar(
        select(Commission).where(Commission.id == commission_id).with_for_update()
    )
    if commission is None:
        raise NotHoldable("That commission does not exist.")
    return commission


def open_holds(commission_id: int) -> Sequence[CommissionHold]:
    query = (
        select(CommissionHold)
        .where(CommissionHold.commission_id == commission_id, CommissionHold.closed_at.is_(None))
        .order_by(CommissionHold.id)
    )
    return db.session.scalars(query).all()


def place_hold(
    commission: Commission,
    *,
    source: HoldSource,
    reason: str,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> CommissionHold:
    """Hold a pending commission: it will not settle until every hold on it is closed."""
    now = now or utcnow()
    commission = _locked(commission.id)
    if commission.state != CommissionState.PENDING.value:
        raise NotHoldable("Only a pending commission can be held; this one has left pending.")
    hold = CommissionHold(
        commission_id=commission.id,
        source=source.value,
        reason=reason.strip()[:500] or source.label,
        opened_at=now,
        opened_by_id=actor_id,
    )
    db.session.add(hold)
    if commission.held_at is None:
        commission.held_at = now
    db.session.flush()
    record(
        actor_id=actor_id,
        action=f"commission.hold.{source.value}",
        subject_type=SUBJECT,
        subject_id=commission.id,
        reason=hold.reason,
    )
    return hold


def _close(
    hold: CommissionHold, outcome: HoldOutcome, *, reason: str, actor_id: int | None, now: datetime
) -> None:
    hold.closed_at = now
    hold.outcome = outcome.value
    hold.closed_by_id = actor_id
    hold.close_reason = reason.strip()[:500]


def _open_hold(hold: CommissionHold) -> CommissionHold:
    locked: CommissionHold | None = db.session.scalar(
        select(CommissionHold).where(CommissionHold.id == hold.id).with_for_update()
    )
    if locked is None or locked.closed_at is not None:
        raise HoldClosed("That hold has already been decided.")
    return locked


def release_hold(
    hold: CommissionHold, *, reason: str, actor_id: int | None = None, now: datetime | None = None
) -> bool:
    """Close the hold in the creator's favour. Returns True when the commission settled now
    (it was the last open hold and its order has completed)."""
    now = now or utcnow()
    commission = _locked(hold.commission_id)
    hold = _open_hold(hold)
    _close(hold, HoldOutcome.RELEASED, reason=reason, actor_id=actor_id, now=now)
    record(
        actor_id=actor_id,
        action=f"commission.hold.{hold.source}.released",
        subject_type=SUBJECT,
        subject_id=commission.id,
        reason=hold.close_reason,
    )
    db.session.flush()
    if open_holds(commission.id):
        return False
    commission.held_at = None
    order = db.session.get(Order, commission.order_id)
    if order is not None and order.status == OrderStatus.COMPLETED.value:
        return settle_commission(commission, now=now)
    return False


def reverse_held(
    hold: CommissionHold, *, reason: str, actor_id: int | None = None, now: datetime | None = None
) -> int:
    """Close the hold against the creator: the commission's remaining amount goes back to the
    seller (one entry), and every other open hold of it closes too. Returns the amount."""
    now = now or utcnow()
    commission = _locked(hold.commission_id)
    hold = _open_hold(hold)
    for other in open_holds(commission.id):
        _close(other, HoldOutcome.REVERSED, reason=reason, actor_id=actor_id, now=now)
    _close(hold, HoldOutcome.REVERSED, reason=reason, actor_id=actor_id, now=now)
    commission.held_at = None
    amount = reverse_whole(
        commission,
        cause=Cause("commission-hold", hold.id),
        memo=f"Commission on order #{commission.order_id} reversed: {hold.close_reason}",
        now=now,
    )
    record(
        actor_id=actor_id,
        action=f"commission.hold.{hold.source}.reversed",
        subject_type=SUBJECT,
        subject_id=commission.id,
        from_state=CommissionState.PENDING.value,
        to_state=commission.state,
        reason=hold.close_reason,
    )
    db.session.flush()
    return amount
