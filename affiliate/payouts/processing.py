"""The payout job's steps, in the order ``affiliate.payouts.jobs`` runs them:

1. ``begin_payout``: lock the withdrawal, move approved → processing (or take up one left in
   processing), snapshot the destination; the job **commits** before the provider is called,
   so a crash after the call finds the withdrawal in processing;
2. the job calls the provider with the attempt's idempotency key (no transaction open);
3. ``record_payout_paid`` / ``record_payout_declined`` / ``record_payout_unavailable`` lock the
   row again and record what the provider said, ledger entry included, in one transaction.

The common case of steps 1 and 3 (approved with a ready account; processing and paid by the
provider for the same attempt) runs as a few Core statements (``paying``) whose ``WHERE`` is
the guard; anything else falls through to the locked, ORM path below.

Every step re-reads the state under the lock and does nothing if the withdrawal moved on, so
running the job twice, or again after a crash at any line, never pays twice (the provider
answers a repeated key with the transfer it made) and never loses money (the held amount
leaves held only by the paid or the returned entry of its attempt, each posted once).

Recovery (``stuck_payouts`` then ``resolve_stuck``) settles withdrawals whose worker died:
processing with no progress for ``PAYOUT_STUCK_MINUTES`` → the provider is asked for a
transfer under the key: found → paid; none → approved again and re-enqueued.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import or_, select

from affiliate.payouts import paying, providers
from affiliate.payouts.exceptions import WithdrawalNotFound
from affiliate.payouts.models import REASON_LENGTH, Withdrawal, WithdrawalStatus
from affiliate.payouts.rules import money_text, stuck_after
from affiliate.payouts.transitions import (
    audit_event,
    enqueue_payout,
    lock_withdrawal,
    lock_withdrawal_and_account,
    mark_paid,
    move,
    post_return,
    require_move,
    tell,
)
from core.extensions import db
from core.money import MAX_MINOR_UNITS
from core.types import utcnow

log = logging.getLogger(__name__)

W = WithdrawalStatus


# ---------------------------------------------------------------------------- the payout job


@dataclass(frozen=True)
class PayoutOrder:
    """What the job asks the provider, read under the lock and carried past the commit."""

    withdrawal_id: int
    attempt: int
    provider: str
    amount: int  # the net: what the creator receives
    currency: str
    destination: str
    idempotency_key: str
    description: str


def begin_payout(
    withdrawal_id: int, *, provider_name: str | None = None, now: datetime | None = None
) -> PayoutOrder | None:
    """Move an approved withdrawal to processing (or take up one left in processing) and
    return what to ask the provider; None when there is nothing to pay (already paid,
    rejected, failed, or unknown). The caller commits before calling the provider.

    A new attempt pays the creator's current account through the configured provider
    (``provider_name``, default ``PAYOUT_PROVIDER``); an attempt taken up again keeps the
    provider and destination it started with, so its idempotency key means the same request.
    """
    now = now or utcnow()
    provider_name = provider_name or str(current_app.config["PAYOUT_PROVIDER"])
    if isinstance(withdrawal_id, int) and 0 < withdrawal_id <= MAX_MINOR_UNITS:
        # The common case in a few statements; anything else takes the locked path below.
        moved = paying.begin_approved(withdrawal_id, provider_name, now)
        if moved is not None:
            return _order_of(moved)
    try:
        w, account = lock_withdrawal_and_account(withdrawal_id)
    except WithdrawalNotFound:
        log.warning("payout of withdrawal %s: no such withdrawal", withdrawal_id)
        return None
    if w.status == W.APPROVED.value:
        if w.destination is None:
            if account is None or not account.is_ready:
                _fail_declined(w, "The payout account is not ready to receive transfers.", now)
                return None
            if account.provider != provider_name:
                _fail_declined(
                    w,
                    f"The payout account is at {account.provider}, but payouts now go through "
                    f"{provider_name}: connect a payout account again.",
                    now,
                )
                return None
            w.provider = account.provider
            w.destination = account.external_id
            w.destination_display = account.display
        w.processing_at = w.processing_at or now
        w.last_attempt_at = now
        w.provider_calls += 1
        move(w, W.PROCESSING, actor_id=None, action="withdrawal_processing", now=now)
        tell(
            w, f"Your withdrawal of {money_text(w.amount, w.currency)} is being paid.", "processing"
        )
    elif w.status == W.PROCESSING.value:
        w.last_attempt_at = now
        w.provider_calls += 1
    else:
        return None
    return _order_of(w)


def _order_of(w: Withdrawal) -> PayoutOrder:
    assert w.destination is not None
    assert w.provider is not None
    return PayoutOrder(
        withdrawal_id=w.id,
        attempt=w.attempt,
        provider=w.provider,
        amount=w.net,
        currency=w.currency,
        destination=w.destination,
        idempotency_key=w.idempotency_key,
        description=f"Withdrawal #{w.id}",
    )


def record_payout_paid(
    order: PayoutOrder, result: providers.TransferResult, *, now: datetime | None = None
) -> None:
    """The provider paid: mark the withdrawal paid and post held → clearing and fee revenue.

    A repeat (the same transfer recorded twice) changes nothing.
    """
    now = now or utcnow()
    # The common case (still processing, the same attempt, the amount asked) in a few
    # statements; anything else takes the locked path below.
    expected = (result.amount, result.currency.upper()) == (order.amount, order.currency)
    if expected and paying.record_paid(
        order.withdrawal_id, order.attempt, order.currency, result, now
    ):
        return
    w = lock_withdrawal(order.withdrawal_id)
    if w.status == W.PAID.value:
        return
    if (result.amount, result.currency.upper()) != (order.amount, order.currency):
        log.error("withdrawal %s: the provider paid %s, not %s", w.id, result, order)
    if w.attempt != order.attempt:
        log.error(
            "withdrawal %s: a transfer for attempt %s arrived during attempt %s (%s)",
            w.id,
            order.attempt,
            w.attempt,
            result.reference,
        )
        audit_event(
            w,
            "withdrawal_transfer_unexpected",
            None,
            w.status,
            w.status,
            f"transfer {result.reference} of an earlier attempt; reconcile by hand",
        )
        return
    mark_paid(w, result, actor_id=None, now=now, why=None)


def record_payout_declined(
    order: PayoutOrder, reason: str, *, now: datetime | None = None
) -> Withdrawal:
    """The provider refused (no transfer): failed, and held → available at once."""
    now = now or utcnow()
    w = lock_withdrawal(order.withdrawal_id)
    if w.status == W.PROCESSING.value and w.attempt == order.attempt:
        _fail_declined(w, reason, now)
    return w


def _fail_declined(w: Withdrawal, reason: str, now: datetime) -> None:
    text = reason.strip()[:REASON_LENGTH] or "The payout provider declined."
    require_move(w, W.FAILED)
    w.failure_reason = text
    w.failed_at = w.funds_returned_at = now
    move(w, W.FAILED, actor_id=None, action="withdrawal_failed", reason=text, now=now)
    post_return(w, None, "payout declined")
    tell(
        w,
        f"Your withdrawal of {money_text(w.amount, w.currency)} failed: {text} "
        "The amount is back in your available balance.",
        "failed",
    )


def record_payout_unavailable(
    order: PayoutOrder, error: str, *, final: bool, now: datetime | None = None
) -> Withdrawal:
    """The provider could not be reached. Not final: note the error (the job retries).
    Final (no retries left): failed with the money still held, for finance to decide."""
    now = now or utcnow()
    w = lock_withdrawal(order.withdrawal_id)
    if w.status != W.PROCESSING.value or w.attempt != order.attempt:
        return w
    w.last_error = error.strip()[:REASON_LENGTH] or "The payout provider did not answer."
    w.updated_at = now
    if final:
        tries = "one try" if w.provider_calls == 1 else f"{w.provider_calls} tries"
        text = f"The payout provider could not be reached after {tries}."
        w.failure_reason = text
        w.failed_at = now
        move(w, W.FAILED, actor_id=None, action="withdrawal_failed", reason=text, now=now)
        tell(
            w,
            f"Your withdrawal of {money_text(w.amount, w.currency)} is delayed: the payout "
            "provider is not answering. Finance will retry it or return the money.",
            "delayed",
        )
    return w


# ---------------------------------------------------------------------------- recovery


@dataclass(frozen=True)
class StuckPayout:
    """A withdrawal that recovery looks at: stuck in processing, or approved and never run."""

    withdrawal_id: int
    status: str
    attempt: int
    provider: str | None
    idempotency_key: str
    has_destination: bool


def stuck_payouts(*, now: datetime | None = None, limit: int = 200) -> list[StuckPayout]:
    """Withdrawals processing (or approved) with no progress for ``PAYOUT_STUCK_MINUTES``."""
    cutoff = (now or utcnow()) - stuck_after()
    rows = db.session.scalars(
        select(Withdrawal)
        .where(
            or_(
                (Withdrawal.status == W.PROCESSING.value) & (Withdrawal.last_attempt_at < cutoff),
                (Withdrawal.status == W.APPROVED.value) & (Withdrawal.updated_at < cutoff),
            )
        )
        .order_by(Withdrawal.id)
        .limit(limit)
    )
    return [
        StuckPayout(
            withdrawal_id=w.id,
            status=w.status,
            attempt=w.attempt,
            provider=w.provider,
            idempotency_key=w.idempotency_key,
            has_destination=w.destination is not None,
        )
        for w in rows
    ]


def resolve_stuck(
    stuck: StuckPayout,
    found: providers.TransferResult | None,
    *,
    now: datetime | None = None,
) -> str:
    """Settle one stuck payout with what the provider said about its key (asked by the job
    before this transaction): a transfer found → paid; none → approved again and re-enqueued.
    Returns what was done; nothing if the withdrawal moved on meanwhile."""
    now = now or utcnow()
    w = lock_withdrawal(stuck.withdrawal_id)
    cutoff = now - stuck_after()
    if w.attempt != stuck.attempt or w.status != stuck.status:
        return "moved on"
    if w.status == W.APPROVED.value:
        if w.updated_at >= cutoff:
            return "moved on"
        w.updated_at = now
        audit_event(w, "withdrawal_requeued", None, w.status, w.status, "approved but never paid")
        enqueue_payout(w)
        return "re-enqueued"
    if w.last_attempt_at is None or w.last_attempt_at >= cutoff:
        return "moved on"
    if found is not None:
        mark_paid(w, found, actor_id=None, now=now, why="recovery found the transfer")
        return "paid"
    move(
        w,
        W.APPROVED,
        actor_id=None,
        action="withdrawal_requeued",
        reason="stuck in processing; the provider has no transfer under its key",
        now=now,
    )
    enqueue_payout(w)
    return "re-enqueued"
