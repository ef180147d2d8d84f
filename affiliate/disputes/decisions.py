"""Finance answers a case: uphold or reject, with a reason; the money follows the decision.

- **Seller's contest**: uphold reverses the held commission (``holds.reverse_held``: pending →
  the seller's receivable, one entry); reject releases the hold (``holds.release_hold``: the
  commission settles at once if its order has completed, else with its order).
- **Creator's claim**: uphold creates the commission at the rate that applied (the line's
  snapshot, or the rule as of the order's placement) and posts it earned (seller receivable →
  creator pending, one ``COMMISSION_EARNED`` entry caused by the case); it then settles with
  its order, or at once if the order has completed. Reject changes nothing.
- **Creator's contest of a reversal**: uphold pays back what was taken (seller receivable →
  creator pending while the order may still complete, else available; one
  ``COMMISSION_RESTORED`` entry caused by the case) and restores the commission's state.
  Reject changes nothing.

The case row is locked first, so a second decision finds it closed (409) and posts nothing;
each entry's cause is the case, so even a repeated call could not post twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from affiliate.creators.attribution import holds, signals
from affiliate.creators.attribution.commissions import settle_commission
from affiliate.creators.attribution.models import Commission, CommissionState
from affiliate.disputes import claims, parties, services
from affiliate.disputes.exceptions import DisputeError, NotContestable
from affiliate.disputes.models import DISPUTE, Dispute, DisputeKind, DisputeState, EventKind, Party
from core.audit.services import record
from core.extensions import db
from core.ledger.models import AccountKind, EntryKind, LedgerAccount
from core.ledger.services import Cause, account_for, credit, debit, post_entry
from core.money import format_money, percent_of
from core.states import StateMachine
from core.types import utcnow
from shop.orders.models import LineStatus, Order, OrderLine, OrderStatus

ANSWER_MAX = 1000
#: An order in one of these states will not complete later: what is restored is available.
FINISHED = frozenset({OrderStatus.COMPLETED, OrderStatus.REFUNDED, OrderStatus.CANCELLED})


#: The one way back for a commission that ``models.COMMISSION`` treats as final: finance
#: upholding a creator's contest restores a reversed commission (to pending while its order may
#: still complete, else settled) and a clawed-back one (to settled). Nothing else undoes them.
RESTORATION = StateMachine(
    "commission",
    {
        CommissionState.REVERSED: {CommissionState.PENDING, CommissionState.SETTLED},
        CommissionState.CLAWED_BACK: {CommissionState.SETTLED},
        CommissionState.PENDING: set(),
        CommissionState.SETTLED: set(),
    },
    field="state",
)


class OfficerIsParty(DisputeError):
    status_code = 403


def decide(
    dispute_id: int,
    *,
    officer_id: int,
    uphold: bool,
    reason: str,
    now: datetime | None = None,
) -> Dispute:
    """Close an open case with finance's decision and its reason; post what it moves."""
    now = now or utcnow()
    answer = (reason or "").strip()
    if len(answer) < 3:
        raise DisputeError(
            "Give the reason for the decision: both sides will read it.", field="reason"
        )
    if len(answer) > ANSWER_MAX:
        raise DisputeError(f"Keep the reason under {ANSWER_MAX} characters.", field="reason")
    dispute = services.locked_case(dispute_id)
    if officer_id in (dispute.creator_id, parties.store_owner_id(dispute)):
        raise OfficerIsParty("You are a party to this case; another officer must decide it.")
    kind = dispute.dispute_kind
    note = ""
    if kind is DisputeKind.SELLER_CONTEST:
        note = _decide_contest(dispute, uphold, answer, officer_id, now)
    elif uphold and kind is DisputeKind.MISSING_COMMISSION:
        note = _create_claimed(dispute, officer_id, now)
    elif uphold and kind is DisputeKind.REVERSAL_CONTEST:
        note = _restore(dispute, officer_id, now)
    target = DisputeState.UPHELD if uphold else DisputeState.REJECTED
    previous = DISPUTE.move(dispute, target, label=f"case #{dispute.id}")
    dispute.closed_at, dispute.closed_by_id, dispute.answer = now, officer_id, answer
    services.add_event(
        dispute,
        EventKind.DECIDED,
        Party.FINANCE,
        author_id=officer_id,
        body=f"{target.label}: {answer}" + (f"\n{note}" if note else ""),
        now=now,
    )
    record(
        actor_id=officer_id,
        action=f"dispute.decided.{target.value}",
        subject_type=services.SUBJECT,
        subject_id=dispute.id,
        from_state=previous.value if previous else None,
        to_state=dispute.state,
        reason=answer,
    )
    said = f"Finance decided case #{dispute.id}: {target.label.lower()}. {answer}"
    parties.tell_party(dispute, Party.SELLER, said)
    parties.tell_party(dispute, Party.CREATOR, said)
    db.session.flush()
    return dispute


def _decide_contest(
    dispute: Dispute, uphold: bool, answer: str, officer_id: int, now: datetime
) -> str:
    hold = services.case_hold(dispute)
    if hold is None:  # a refund or a fraud decision already took the commission back
        return "The commission had already been taken back; nothing more moved."
    if uphold:
        amount = holds.reverse_held(hold, reason=answer, actor_id=officer_id, now=now)
        return f"{format_money(amount, dispute.currency)} went back to the store."
    settled = holds.release_hold(hold, reason=answer, actor_id=officer_id, now=now)
    return "The commission settled." if settled else "The commission settles with its order."


def _seller_receivable(order: Order) -> LedgerAccount:
    return account_for(
        AccountKind.SELLER_RECEIVABLE, currency=order.currency, owner_id=order.store.owner_id
    )


def _create_claimed(dispute: Dispute, officer_id: int, now: datetime) -> str:
    order = db.session.get(Order, dispute.order_id)
    line = db.session.scalar(
        select(OrderLine).where(OrderLine.id == dispute.order_line_id).with_for_update()
    )
    assert order is not None
    assert line is not None
    taken = db.session.scalar(select(Commission.id).where(Commission.order_line_id == line.id))
    if taken is not None:
        raise NotContestable(
            f"The line earned commission #{taken} since the claim was opened; reject the claim."
        )
    if OrderStatus(order.status) not in services.PAID_STATES or line.status != LineStatus.OPEN:
        raise NotContestable(
            "The order or its line was refunded or cancelled since; there is nothing to pay."
        )
    terms = claims.claim_terms(order, line, dispute.creator_id)
    if terms is None:
        raise NotContestable("No plan of the creator covers that product any more.")
    amount = percent_of(line.amount, terms.rate_bps)
    commission = Commission(
        order_line_id=line.id,
        order_id=order.id,
        store_id=order.store_id,
        creator_id=dispute.creator_id,
        product_id=line.product_id,
        content_id=dispute.content_id,
        collection_id=None,
        plan_id=terms.plan_id,
        plan_kind=terms.plan_kind,
        rate_bps=terms.rate_bps,
        base_amount=line.amount,
        amount=amount,
        currency=order.currency,
        state=CommissionState.PENDING.value,
        created_at=now,
    )
    db.session.add(commission)
    db.session.flush()
    creator_pending = account_for(
        AccountKind.CREATOR_PENDING, currency=order.currency, owner_id=dispute.creator_id
    )
    post_entry(
        EntryKind.COMMISSION_EARNED,
        Cause(services.SUBJECT, dispute.id),
        [debit(_seller_receivable(order), amount), credit(creator_pending, amount)],
        memo=f"Commission on order #{order.id}, claim upheld (case #{dispute.id})",
        actor_id=officer_id,
    )
    dispute.commission_id = commission.id
    dispute.amount = amount
    signals.commission_earned.send(commission)
    settled = order.status == OrderStatus.COMPLETED.value and settle_commission(commission, now=now)
    paid = format_money(amount, order.currency)
    return f"Commission of {paid} created" + (
        " and settled." if settled else "; it settles with its order."
    )


def _restore(dispute: Dispute, officer_id: int, now: datetime) -> str:
    commission = db.session.scalar(
        select(Commission).where(Commission.id == dispute.commission_id).with_for_update()
    )
    if commission is None or commission.reversed_amount <= 0:
        raise NotContestable("Nothing of that commission is taken back any more.")
    order = db.session.get(Order, commission.order_id)
    assert order is not None
    clawed = commission.state == CommissionState.CLAWED_BACK.value
    available = clawed or OrderStatus(order.status) in FINISHED
    target = CommissionState.SETTLED if available else CommissionState.PENDING
    if not RESTORATION.can_move(commission, target):
        raise NotContestable(
            f"The commission is {commission.commission_state.label.lower()}; nothing to restore."
        )
    amount = commission.reversed_amount
    kind = AccountKind.CREATOR_AVAILABLE if available else AccountKind.CREATOR_PENDING
    post_entry(
        EntryKind.COMMISSION_RESTORED,
        Cause(services.SUBJECT, dispute.id),
        [
            debit(_seller_receivable(order), amount),
            credit(
                account_for(kind, currency=commission.currency, owner_id=commission.creator_id),
                amount,
            ),
        ],
        memo=f"Commission on order #{order.id} restored (case #{dispute.id})",
        actor_id=officer_id,
    )
    previous = commission.state
    RESTORATION.move(commission, target)
    commission.reversed_amount = 0
    commission.reversed_at = None
    if available:
        commission.settled_at = commission.settled_at or now
    record(
        actor_id=officer_id,
        action="commission.restored",
        subject_type="commission",
        subject_id=commission.id,
        from_state=previous,
        to_state=commission.state,
        reason=f"Case #{dispute.id} upheld",
    )
    where = "available" if available else "pending (settles with its order)"
    return f"{format_money(amount, commission.currency)} paid back to the creator, {where}."
