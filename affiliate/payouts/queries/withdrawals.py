"""One withdrawal as its pages read it, the creator's and the Finance centre's alike: the
loader that every view taking a withdrawal id calls (``get_withdrawal_or_404``), and its
timeline (the audit events of its every change)."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from affiliate.payouts.exceptions import NotAllowed, PayoutError, WithdrawalNotFound
from affiliate.payouts.models import Withdrawal
from affiliate.payouts.transitions import SUBJECT
from core.accounts.models import User
from core.audit.models import AuditEvent
from core.extensions import db


def get_withdrawal(withdrawal_id: int) -> Withdrawal:
    """One withdrawal with its creator, or ``WithdrawalNotFound``."""
    if not isinstance(withdrawal_id, int) or not 0 < withdrawal_id < 2**63:
        raise WithdrawalNotFound(f"There is no withdrawal #{withdrawal_id}.")
    w = db.session.scalar(
        select(Withdrawal)
        .join(User, User.id == Withdrawal.creator_id)
        .options(contains_eager(Withdrawal.creator))
        .where(Withdrawal.id == withdrawal_id)
    )
    if w is None:
        raise WithdrawalNotFound(f"There is no withdrawal #{withdrawal_id}.")
    return w


def withdrawal_for_creator(creator_id: int, withdrawal_id: int) -> Withdrawal:
    """The creator's own withdrawal: ``WithdrawalNotFound`` (404) or ``NotAllowed`` (403)."""
    w = get_withdrawal(withdrawal_id)
    if w.creator_id != creator_id:
        raise NotAllowed("This withdrawal is someone else's.")
    return w


def get_withdrawal_or_404(
    withdrawal_id: int, *, owner: User | None = None, conceal: bool = False
) -> Withdrawal:
    """The withdrawal a view was asked about: 404 if there is none; with ``owner``, 403 if it
    is someone else's (404 with ``conceal``, so that a creator cannot tell another creator's
    withdrawal from a missing one by its id)."""
    try:
        if owner is None:
            return get_withdrawal(withdrawal_id)
        return withdrawal_for_creator(owner.id, withdrawal_id)
    except PayoutError as error:
        abort(404 if conceal else error.status_code)


def timeline(withdrawal_id: int) -> list[AuditEvent]:
    """Every recorded change of a withdrawal, oldest first (who, when, from, to, why)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == SUBJECT, AuditEvent.subject_id == str(withdrawal_id))
            .order_by(AuditEvent.id)
        )
    )


#: How each audit action of a withdrawal reads on its timeline.
TIMELINE_LABELS = {
    "withdrawal_requested": "Requested",
    "withdrawal_approval_recorded": "First approval",
    "withdrawal_approved": "Approved",
    "withdrawal_processing": "Payout started",
    "withdrawal_paid": "Paid",
    "withdrawal_rejected": "Rejected",
    "withdrawal_failed": "Failed",
    "withdrawal_retried": "Retried",
    "withdrawal_requeued": "Queued again",
    "withdrawal_funds_returned": "Funds returned",
    "withdrawal_transfer_unexpected": "Transfer to reconcile",
}


def timeline_label(action: str) -> str:
    """How an audit action reads on the timeline ("withdrawal_paid" → "Paid")."""
    return TIMELINE_LABELS.get(action, action.removeprefix("withdrawal_").replace("_", " ").title())
