"""Commissions: what a creator earns on an attributed order line, and its ledger entries.

The shop announces what happens to an order (``shop.signals``); these receivers run inside
the shop's transaction, so an order and its commissions commit or fail together.

- **Placed**: the shop asks ``commission_terms`` (registered as its hook) what each
  attributed line earns, and snapshots the rule's answer on the line: the plan, its kind,
  its rate and why it won. Later edits to a plan never change an order placed before them.
- **Paid**: each line added from a creator's content (within the attribution window, under a
  plan that applied when the order was placed) earns the
  line's amount paid × the snapshotted rate, half-up to the cent: ``pending``, and one entry
  (seller receivable → creator pending). A line the creator bought herself earns too: the
  fraud rules (``affiliate.fraud``, on ``commission_earned``) hold it for finance, who
  release or reverse it; nothing is dropped unseen. A line placed before snapshots existed asks the
  rule as of its placement time.
- **Completed** (the return window passed): ``settled``, one entry (pending → available).
- **Refunded** before settlement: ``reversed`` (pending → seller receivable); after
  settlement: ``clawed_back`` (available → seller receivable; the balance may go negative).

Every step is one ledger entry (an ``EntryKind``) with its own cause, so a repeated signal
cannot post twice, and every change of state goes through ``models.COMMISSION``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from affiliate.creators.attribution import signals, tracking
from affiliate.creators.attribution.models import (
    COMMISSION,
    Commission,
    CommissionHold,
    CommissionState,
    EventKind,
    HoldOutcome,
)
from affiliate.creators.attribution.touches import COLLECTION
from affiliate.plans.commission.rule import applicable_rates
from core.extensions import db
from core.ledger.models import AccountKind, EntryKind
from core.ledger.services import Cause, account_for, credit, debit, post_entry
from core.money import percent_of
from core.types import utcnow
from shop.hooks import CommissionTerms
from shop.orders.models import Order, OrderLine

log = logging.getLogger(__name__)

#: ``content_type`` of a line bought with a creator's personal voucher code: attributed to the
#: creator (ahead of any content touch) without a content.
CREATOR_CODE = "code"


def _window() -> timedelta:
    return timedelta(days=int(current_app.config["ATTRIBUTION_WINDOW_DAYS"]))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _earns(order: Order, line: OrderLine, paid_at: datetime) -> bool:
    """Whether the line's attribution may earn at all (its terms are read next)."""
    if line.creator_id is None or line.attributed_at is None:
        return False
    if line.content_id is None and line.content_type != CREATOR_CODE:
        return False
    if line.amount <= 0 or getattr(order, "complimentary", False):
        return False
    return paid_at - _aware(line.attributed_at) <= _window()


def _seller_receivable(commission: Commission, owner_id: int) -> Any:
    return account_for(
        AccountKind.SELLER_RECEIVABLE, currency=commission.currency, owner_id=owner_id
    )


def _creator_account(kind: AccountKind, commission: Commission) -> Any:
    return account_for(kind, currency=commission.currency, owner_id=commission.creator_id)


def commission_terms(
    creator_id: int, product_ids: Sequence[int], at: datetime
) -> dict[int, CommissionTerms]:
    """What the creator's sale of each product earns at ``at``, by the commission rule (the
    shop's hook: it snapshots the answer on the order line when the order is placed)."""
    return {
        product_id: CommissionTerms(
            plan_id=rate.plan_id,
            plan_kind=rate.kind.value,
            rate_bps=rate.rate_bps,
            basis=rate.explain(),
        )
        for product_id, rate in applicable_rates(creator_id, product_ids, _aware(at)).items()
    }


def terms_of(order: Order, line: OrderLine) -> CommissionTerms | None:
    """The line's terms as snapshotted when the order was placed (None: no plan applied). A
    line placed before snapshots existed has none: the rule as of its placement answers."""
    if line.commission_rate_bps is not None:
        if line.commission_plan_id is None or line.commission_plan_kind is None:
            return None
        if line.commission_rate_bps <= 0:
            return None
        return CommissionTerms(
            plan_id=line.commission_plan_id,
            plan_kind=line.commission_plan_kind,
            rate_bps=line.commission_rate_bps,
            basis=line.commission_basis or "",
        )
    if line.creator_id is None:
        return None
    placed_at = order.placed_at or order.paid_at or utcnow()
    return commission_terms(line.creator_id, [line.product_id], placed_at).get(line.product_id)


def earn(order: Order, line: OrderLine, *, now: datetime | None = None) -> Commission | None:
    """Record and post the commission of one paid line, if it earns one (once a line: the
    order_paid receiver skips a payment announced again)."""
    paid_at = _aware(order.paid_at or now or utcnow())
    if line.creator_id is None or not _earns(order, line, paid_at):
        return None
    terms = terms_of(order, line)
    if terms is None:
        return None
    amount = percent_of(line.amount, terms.rate_bps)
    if amount <= 0:
        return None
    commission = Commission(
        order_line_id=line.id,
        order_id=order.id,
        store_id=order.store_id,
        creator_id=line.creator_id,
        product_id=line.product_id,
        # A collection's id names no content: it goes in its own column.
        content_id=None if line.content_type == COLLECTION else line.content_id,
        collection_id=line.content_id if line.content_type == COLLECTION else None,
        plan_id=terms.plan_id,
        plan_kind=terms.plan_kind,
        rate_bps=terms.rate_bps,
        base_amount=line.amount,
        amount=amount,
        currency=order.currency,
        state=CommissionState.PENDING.value,
        created_at=paid_at,
    )
    db.session.add(commission)
    db.session.flush()
    post_entry(
        EntryKind.COMMISSION_EARNED,
        Cause("commission", commission.id),
        [
            debit(_seller_receivable(commission, order.store.owner_id), amount),
            credit(_creator_account(AccountKind.CREATOR_PENDING, commission), amount),
        ],
        memo=f"Commission on order #{order.id} ({terms.basis or terms.plan_kind + ' plan'})",
    )
    signals.commission_earned.send(commission)
    return commission


def _commissions_of(order: Order) -> Sequence[Commission]:
    query = (
        select(Commission)
        .where(Commission.order_id == order.id)
        .order_by(Commission.id)
        .with_for_update()
    )
    return db.session.scalars(query).all()


def settle(order: Order, *, now: datetime | None = None) -> int:
    """Make the order's pending commissions available, but for held ones (they wait for their
    holds to close); returns how many settled."""
    now = now or utcnow()
    return sum(settle_commission(commission, now=now) for commission in _commissions_of(order))


def settle_commission(commission: Commission, *, now: datetime | None = None) -> bool:
    """Settle one pending commission of a completed order (the caller holds its row lock);
    False when it is held, already moved, or nothing is left of it."""
    if commission.held or commission.net_amount <= 0:
        return False
    if not COMMISSION.can_move(commission, CommissionState.SETTLED):
        return False
    amount = commission.net_amount
    pending = _creator_account(AccountKind.CREATOR_PENDING, commission)
    available = _creator_account(AccountKind.CREATOR_AVAILABLE, commission)
    post_entry(
        EntryKind.COMMISSION_SETTLED,
        Cause("commission", commission.id),
        [debit(pending, amount), credit(available, amount)],
        memo=f"Order #{commission.order_id} completed",
    )
    COMMISSION.move(commission, CommissionState.SETTLED)
    commission.settled_at = now or utcnow()
    signals.commission_settled.send(commission)
    return True


def reverse_whole(commission: Commission, *, cause: Cause, memo: str, now: datetime) -> int:
    """Take back all that is left of a pending commission (pending → the seller's receivable):
    a fraud or dispute decision. Returns the amount taken back."""
    amount = commission.net_amount
    if amount <= 0 or not COMMISSION.can_move(commission, CommissionState.REVERSED):
        return 0
    owner_id = db.session.get(Order, commission.order_id).store.owner_id  # type: ignore[union-attr]
    post_entry(
        EntryKind.COMMISSION_REVERSED,
        cause,
        [
            debit(_creator_account(AccountKind.CREATOR_PENDING, commission), amount),
            credit(_seller_receivable(commission, owner_id), amount),
        ],
        memo=memo,
    )
    commission.reversed_amount += amount
    COMMISSION.move(commission, CommissionState.REVERSED)
    commission.reversed_at = now
    signals.commission_reversed.send(commission, amount=amount)
    return amount


def take_back(order: Order, line: OrderLine, refunded: int, *, now: datetime | None = None) -> int:
    """Reverse (pending) or claw back (settled) the commission on ``refunded`` of a line.

    A refund of the whole line takes back all that is left; a part takes back the
    commission on that part. Returns the amount taken back.
    """
    commission = db.session.scalar(
        select(Commission).where(Commission.order_line_id == line.id).with_for_update()
    )
    if commission is None or commission.net_amount <= 0 or refunded <= 0:
        return 0
    if refunded >= commission.base_amount:
        amount = commission.net_amount
    else:
        amount = min(commission.net_amount, percent_of(refunded, commission.rate_bps))
    if amount <= 0:
        return 0
    settled = commission.state == CommissionState.SETTLED.value
    source = AccountKind.CREATOR_AVAILABLE if settled else AccountKind.CREATOR_PENDING
    post_entry(
        EntryKind.COMMISSION_CLAWED_BACK if settled else EntryKind.COMMISSION_REVERSED,
        Cause("commission", f"{commission.id}:{commission.reversed_amount}"),
        [
            debit(_creator_account(source, commission), amount),
            credit(_seller_receivable(commission, order.store.owner_id), amount),
        ],
        memo=f"Refund on order #{order.id}",
    )
    commission.reversed_amount += amount
    if commission.net_amount == 0:
        COMMISSION.move(
            commission, CommissionState.CLAWED_BACK if settled else CommissionState.REVERSED
        )
        commission.reversed_at = now or utcnow()
        if commission.held:
            _close_holds_refunded(commission, commission.reversed_at)
    signals.commission_reversed.send(commission, amount=amount)
    return amount


def _close_holds_refunded(commission: Commission, now: datetime) -> None:
    """A refund took back all of a held commission: nothing is left for its holds to decide."""
    db.session.execute(
        update(CommissionHold)
        .where(CommissionHold.commission_id == commission.id, CommissionHold.closed_at.is_(None))
        .values(
            closed_at=now,
            outcome=HoldOutcome.REVERSED.value,
            close_reason="The order was refunded.",
        )
    )
    commission.held_at = None


# ---------------------------------------------------------------------------- receivers


def on_order_paid(order: Order, **extra: Any) -> None:
    """Earn on the order's attributed lines, once: a repeated announcement changes nothing.

    Every payment passes here, so an order bought from no creator costs no query at all.
    """
    attributed = [line for line in order.lines if line.creator_id is not None]
    if not attributed:
        return
    done = set(
        db.session.scalars(select(Commission.order_line_id).where(Commission.order_id == order.id))
    )
    if done:
        return  # this payment was already announced and handled
    for line in attributed:
        earn(order, line)
        _record_order_event(order, line)


def _record_order_event(order: Order, line: OrderLine) -> None:
    if line.creator_id is None or line.content_id is None:
        return
    if line.content_type == COLLECTION:
        return  # a collection's sale: no content to count it against
    tracking.record_event(
        EventKind.ORDER,
        line.content_id,
        line.creator_id,
        visitor=tracking.visitor_key(order.buyer_id, ""),
        product_id=line.product_id,
        amount=line.amount,
        at=order.paid_at,
    )


def on_order_completed(order: Order, **extra: Any) -> None:
    settle(order)


def on_line_refunded(order: Order, **extra: Any) -> None:
    line, amount = extra.get("line"), extra.get("amount")
    if isinstance(line, OrderLine) and isinstance(amount, int):
        take_back(order, line, amount)
