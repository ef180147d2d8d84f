"""The withdrawal state machine's moving parts, shared by the finance decisions
(``services``) and the payout job's steps (``processing``): the row lock, each move through
``models.WITHDRAWAL`` (an illegal one raises ``IllegalTransition``), the audit event and the
creator's notice of each move, and the three ledger movements of an attempt (keyed
``Cause("withdrawal", "<id>:<attempt>")``):

- ``withdrawal_hold``: available → held, guarded (no overdraw, even under concurrency);
- ``withdrawal_paid``: held → payouts clearing (the net) and → fee revenue (the fee);
- ``withdrawal_returned``: held → available (rejected, declined, or funds returned).
"""

from __future__ import annotations

import logging
from datetime import datetime

from rq import Retry
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from affiliate.payouts import mail as withdrawal_mail
from affiliate.payouts import signals
from affiliate.payouts.exceptions import WithdrawalNotFound
from affiliate.payouts.models import (
    REASON_LENGTH,
    WITHDRAWAL,
    PayoutAccount,
    Withdrawal,
    WithdrawalStatus,
)
from affiliate.payouts.providers import TransferResult
from affiliate.payouts.rules import money_text
from core.audit import services as audit
from core.extensions import db
from core.jobs import enqueue_after_commit
from core.ledger.models import AccountKind, EntryKind, LedgerAccount
from core.ledger.services import Cause, account_for, accounts_for, credit, debit, post_entry
from core.money import MAX_MINOR_UNITS
from core.notifications.services import notify
from core.states import IllegalTransition
from core.types import utcnow

log = logging.getLogger(__name__)

W = WithdrawalStatus
SUBJECT = "withdrawal"
PAYOUT_JOB = "affiliate.payouts.jobs.process_withdrawal"
PAYOUT_QUEUE = "payouts"


def creator_withdrawal_path(withdrawal_id: int) -> str:
    """Where the creator reads a withdrawal (the link of its notices)."""
    return f"/creator/withdrawals/{withdrawal_id}"


# ---------------------------------------------------------------------------- ledger legs


def creator_account(w: Withdrawal, kind: AccountKind) -> LedgerAccount:
    """The creator's available or held account in the withdrawal's currency."""
    return account_for(kind, currency=w.currency, owner_id=w.creator_id)


def creator_accounts(w: Withdrawal) -> tuple[LedgerAccount, LedgerAccount]:
    """The creator's available and held accounts."""
    return (
        creator_account(w, AccountKind.CREATOR_AVAILABLE),
        creator_account(w, AccountKind.CREATOR_HELD),
    )


def cause_of(w: Withdrawal) -> Cause:
    """The ledger cause of the withdrawal's current attempt: one hold, one paid or returned."""
    return Cause(SUBJECT, f"{w.id}:{w.attempt}")


def post_hold(w: Withdrawal, actor_id: int | None) -> None:
    available, held = creator_accounts(w)
    post_entry(
        EntryKind.WITHDRAWAL_HOLD,
        cause_of(w),
        [debit(available, w.amount), credit(held, w.amount)],
        guard=[available],
        memo=f"Withdrawal #{w.id} held (attempt {w.attempt})",
        actor_id=actor_id,
    )


def post_return(w: Withdrawal, actor_id: int | None, why: str) -> None:
    available, held = creator_accounts(w)
    post_entry(
        EntryKind.WITHDRAWAL_RETURNED,
        cause_of(w),
        [debit(held, w.amount), credit(available, w.amount)],
        guard=[held],
        memo=f"Withdrawal #{w.id} returned: {why}"[:255],
        actor_id=actor_id,
    )


def post_paid(w: Withdrawal, *, from_available: bool = False) -> None:
    """Held (or, for a transfer that came after its funds were returned, available) → payouts
    clearing for the net and → fee revenue for the fee."""
    source_kind = AccountKind.CREATOR_AVAILABLE if from_available else AccountKind.CREATOR_HELD
    source, clearing, revenue = accounts_for(
        w.currency,
        (source_kind, w.creator_id),
        (AccountKind.PLATFORM_PAYOUTS_CLEARING, None),
        (AccountKind.PLATFORM_FEE_REVENUE, None),
    )
    legs = [debit(source, w.amount), credit(clearing, w.net)]
    if w.fee:
        legs.append(credit(revenue, w.fee))
    post_entry(
        EntryKind.WITHDRAWAL_PAID,
        cause_of(w),
        legs,
        guard=[] if from_available else [source],
        memo=f"Withdrawal #{w.id} paid: {w.provider} {w.provider_ref}"[:255],
        # No caller goes on after a failed paid entry (a duplicate or a short held balance
        # rolls the whole transaction back), so no savepoint: two round trips fewer.
        savepoint=False,
    )


# ---------------------------------------------------------------------------- state machine


def move(
    w: Withdrawal,
    to: WithdrawalStatus,
    *,
    actor_id: int | None,
    action: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> None:
    """Make one legal move (``WITHDRAWAL``) and audit it; else ``IllegalTransition`` (409).

    Set the fields that the new state's CHECKs require (a reason, a reference) first: the
    next query flushes the row.
    """
    source = WITHDRAWAL.move(w, to)
    w.updated_at = now or utcnow()
    audit_event(w, action, actor_id, source.value if source else None, to.value, reason)
    signals.withdrawal_moved.send(w, previous=source, to=to)


def require_move(w: Withdrawal, to: WithdrawalStatus) -> None:
    """Raise ``IllegalTransition`` unless the withdrawal may move to ``to`` now (the check
    that ``move`` makes, for a caller that sets the new state's fields before moving)."""
    if not WITHDRAWAL.can_move(w, to):
        raise IllegalTransition(WITHDRAWAL.name, w.status, to.value, f"withdrawal #{w.id}")


def audit_event(
    w: Withdrawal,
    action: str,
    actor_id: int | None,
    from_state: str | None,
    to_state: str | None,
    reason: str | None,
) -> None:
    audit.record(
        actor_id=actor_id,
        action=action,
        subject_type=SUBJECT,
        subject_id=w.id,
        from_state=from_state,
        to_state=to_state,
        reason=reason[:REASON_LENGTH] if reason else None,
    )


def tell(w: Withdrawal, message: str, kind: str) -> None:
    """Notify the creator of a change to their withdrawal."""
    notify(w.creator_id, message, kind=f"withdrawal.{kind}", link=creator_withdrawal_path(w.id))
    withdrawal_mail.withdrawal_changed(w, kind, message, creator_withdrawal_path(w.id))


def lock_withdrawal(withdrawal_id: int) -> Withdrawal:
    """Load the withdrawal locked FOR UPDATE until the transaction ends (its approvals are
    loaded when first read, by a query that runs under the lock)."""
    _require_id(withdrawal_id)
    w = db.session.scalar(
        select(Withdrawal)
        .where(Withdrawal.id == withdrawal_id)
        .options(lazyload(Withdrawal.approvals))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if w is None:
        raise WithdrawalNotFound(f"There is no withdrawal #{withdrawal_id}.")
    return w


def lock_withdrawal_and_account(withdrawal_id: int) -> tuple[Withdrawal, PayoutAccount | None]:
    """``lock_withdrawal``, with the creator's payout account (if any) read in the same
    statement (only the withdrawal's row is locked)."""
    _require_id(withdrawal_id)
    row = db.session.execute(
        select(Withdrawal, PayoutAccount)
        .outerjoin(PayoutAccount, PayoutAccount.creator_id == Withdrawal.creator_id)
        .where(Withdrawal.id == withdrawal_id)
        .options(lazyload(Withdrawal.approvals))
        .with_for_update(of=Withdrawal)
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise WithdrawalNotFound(f"There is no withdrawal #{withdrawal_id}.")
    return row[0], row[1]


def _require_id(withdrawal_id: int) -> None:
    if not isinstance(withdrawal_id, int) or not 0 < withdrawal_id <= MAX_MINOR_UNITS:
        raise WithdrawalNotFound(f"There is no withdrawal #{withdrawal_id}.")


# ---------------------------------------------------------------------------- payouts


def payout_retry_policy() -> Retry:
    """RQ's back-off for the payout job: five retries over about 15 minutes."""
    return Retry(max=5, interval=[10, 30, 60, 180, 600])


def enqueue_payout(w: Withdrawal) -> None:
    """Queue the payout job for when the current transaction commits (dropped on rollback)."""
    enqueue_after_commit(PAYOUT_JOB, w.id, queue=PAYOUT_QUEUE, retry=payout_retry_policy())


def mark_paid(
    w: Withdrawal,
    result: TransferResult,
    *,
    actor_id: int | None,
    now: datetime,
    why: str | None,
) -> None:
    """Record the provider's transfer: paid, and the attempt's paid entry in the ledger."""
    require_move(w, W.PAID)
    late = w.status == W.FAILED.value and w.funds_returned_at is not None
    w.provider_ref = result.reference
    w.paid_at = now
    if late:
        # The money went back to available, then the provider paid after all: take it from
        # available (which may go below zero, like a clawback) so the books stay true.
        why = "the provider paid after the funds were returned; taken back from available"
        log.error("withdrawal %s: %s (%s)", w.id, why, result.reference)
    w.failure_reason = w.last_error = None
    move(w, W.PAID, actor_id=actor_id, action="withdrawal_paid", reason=why, now=now)
    post_paid(w, from_available=late)
    tell(
        w,
        f"Paid: {money_text(w.net, w.currency)} is on its way to {w.destination_display or 'you'}.",
        "paid",
    )
