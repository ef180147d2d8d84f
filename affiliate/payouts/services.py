"""Withdrawals: request, approve (four eyes above a threshold), reject, pay, fail, retry,
return funds. Every state change is one function; each writes an audit event (who, from,
to, why) and a notice to the creator, and flushes. The caller (a view, a job) commits.

Money moves only through the ledger, one entry per movement of an attempt: hold (available
→ held, guarded), paid (held → payouts clearing and fee revenue), returned (held → available);
see ``transitions``.

**Attempts, retry and return of funds.** An attempt is one hold of the amount and one
idempotency key at the provider (``withdrawal-<id>-attempt-<n>``); it ends paid or returned,
never both. A withdrawal ``failed`` in one of two ways, told apart by ``funds_returned_at``:

- *declined* (``PermanentPayoutError``, or the payout account stopped being ready): the
  provider made no transfer, so the held amount went back to available at once;
- *unreachable* (``TransientPayoutError`` through every RQ retry): a transfer may exist under
  the key, so the amount **stays held** until finance decides.

``retry`` a failed withdrawal: if its money is still held, the same attempt runs again with
the same key (a transfer made meanwhile is found, never made twice); if its money was
returned, a new attempt holds the amount again (refused if available no longer covers it)
under a new key. ``return_funds`` applies to a failed withdrawal whose money is still held:
it asks the provider for a transfer under the attempt's key first (found: the withdrawal is
marked paid instead; provider unreachable: nothing changes), then returns held → available.

Elsewhere in the package: the fee, amount and who-decides rules in ``rules``; the payout
job's steps in ``processing`` (``affiliate.payouts.jobs`` orders them around the provider
call); payout accounts in ``payout_accounts``; what the pages read in ``queries``; and the
moving parts of the state machine (lock, legal moves, ledger entries) in ``transitions``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from affiliate.payouts import mail as withdrawal_mail
from affiliate.payouts import providers
from affiliate.payouts.exceptions import (
    DuplicateApproval,
    InsufficientBalance,
    InvalidRequestToken,
    InvalidTransition,
    NotAllowed,
    PayoutAccountCoolingDown,
    PayoutAccountNotReady,
    PayoutError,
    ProviderUnavailable,
    WithdrawalNotFound,
)
from affiliate.payouts.models import PayoutAccount, Withdrawal, WithdrawalApproval, WithdrawalStatus
from affiliate.payouts.payout_accounts import cooling_down_until
from affiliate.payouts.rules import (
    check_amount,
    clean_reason,
    default_currency,
    fee_bps,
    fee_for,
    four_eyes_threshold,
    money_text,
    require_officer,
    stuck_after,
)
from affiliate.payouts.tax import require_tax_details
from affiliate.payouts.transitions import (
    audit_event,
    enqueue_payout,
    lock_withdrawal,
    mark_paid,
    move,
    post_hold,
    post_return,
    require_move,
    tell,
)
from core.accounts.models import Role, User
from core.accounts.recovery import require_verified
from core.exceptions import DomainError
from core.extensions import db
from core.ledger.exceptions import InsufficientFunds
from core.ledger.models import AccountKind
from core.ledger.services import owner_balances
from core.types import utcnow

log = logging.getLogger(__name__)

W = WithdrawalStatus
MAX_BULK = 500
MAX_ID = 2**31 - 1  # the id columns are INTEGER: a larger id names nothing
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


# ---------------------------------------------------------------------------- requesting


def request_withdrawal(
    creator_id: int, amount: int, *, request_token: str, currency: str | None = None
) -> Withdrawal:
    """Hold ``amount`` of the creator's available balance for a new withdrawal.

    One guarded ledger entry moves available → held, so concurrent requests can never
    overdraw. The same ``request_token`` again (a double click, a resubmitted form) answers
    with the first withdrawal and writes nothing. Raises ``InvalidAmount``,
    ``InvalidRequestToken``, ``PayoutAccountNotReady``, ``InsufficientBalance``, ``NotAllowed``.
    """
    currency = (currency or default_currency()).upper()
    if not isinstance(request_token, str) or not _TOKEN.fullmatch(request_token):
        raise InvalidRequestToken("This form has expired; reload the page and try again.")
    existing = _by_token(request_token)
    if existing is not None:
        return _same_request(existing, creator_id, amount, currency)
    creator = db.session.get(User, creator_id)
    if creator is None or not creator.has_role(Role.CREATOR) or creator.is_suspended:
        raise NotAllowed("Only creators can withdraw earnings.")
    require_verified(creator, "withdraw your earnings")
    check_amount(amount, currency)
    account = db.session.scalar(select(PayoutAccount).where(PayoutAccount.creator_id == creator_id))
    if account is None or not account.is_ready:
        raise PayoutAccountNotReady("Connect a payout account before you withdraw.")
    opens = cooling_down_until(account)
    if opens is not None:
        raise PayoutAccountCoolingDown(
            f"Your payout account changed recently: new withdrawals open on "
            f"{opens:%b %d, %Y at %H:%M} UTC."
        )
    require_tax_details(creator_id, amount, currency)
    bps = fee_bps()
    fee, net = fee_for(amount, bps=bps)
    withdrawal = Withdrawal(
        creator_id=creator_id,
        currency=currency,
        amount=amount,
        fee=fee,
        net=net,
        fee_bps=bps,
        status=W.REQUESTED.value,
        request_token=request_token,
        needs_two_approvals=amount > four_eyes_threshold(currency),
        attempt=1,
        provider=account.provider,
    )
    try:
        with db.session.begin_nested():
            db.session.add(withdrawal)
            db.session.flush()
            post_hold(withdrawal, creator_id)
    except InsufficientFunds:
        available = owner_balances(creator_id, currency).get(AccountKind.CREATOR_AVAILABLE, 0)
        asked, have = money_text(amount, currency), money_text(max(available, 0), currency)
        raise InsufficientBalance(
            f"You asked for {asked} but {have} is available to withdraw."
        ) from None
    except IntegrityError:
        # The same token, submitted twice at once: the other request created it first.
        first = _by_token(request_token)
        if first is None:
            raise
        return _same_request(first, creator_id, amount, currency)
    audit_event(withdrawal, "withdrawal_requested", creator_id, None, W.REQUESTED.value, None)
    tell(
        withdrawal,
        f"Withdrawal of {money_text(amount, currency)} requested: {money_text(net, currency)} "
        f"after the {money_text(fee, currency)} fee. Finance will review it.",
        "requested",
    )
    return withdrawal


def _by_token(token: str) -> Withdrawal | None:
    return db.session.scalar(select(Withdrawal).where(Withdrawal.request_token == token))


def _same_request(w: Withdrawal, creator_id: int, amount: object, currency: str) -> Withdrawal:
    if (w.creator_id, w.amount, w.currency) != (creator_id, amount, currency):
        raise InvalidRequestToken("This form was already used; reload the page and try again.")
    return w


# ---------------------------------------------------------------------------- finance decisions


def approve(withdrawal_id: int, officer: User, *, now: datetime | None = None) -> Withdrawal:
    """Approve a requested withdrawal; the last approval needed enqueues its payout.

    The row is locked, so two officers approving at once enqueue one payout. Above
    ``FOUR_EYES_THRESHOLD`` two different officers must approve; the same officer twice is
    ``DuplicateApproval``, one's own withdrawal ``SelfApproval``.
    """
    now = now or utcnow()
    w = lock_withdrawal(withdrawal_id)
    require_officer(officer, w)
    if w.status != W.REQUESTED.value:
        raise InvalidTransition(
            f"Withdrawal #{w.id} is already {w.status}.", current=w.status, target=W.APPROVED
        )
    if any(a.officer_id == officer.id for a in w.approvals):
        raise DuplicateApproval(
            f"You already approved withdrawal #{w.id}; a second officer must approve it too."
        )
    w.approvals.append(WithdrawalApproval(officer_id=officer.id, created_at=now))
    db.session.flush()
    if len(w.approvals) < w.approvals_needed:
        w.updated_at = now
        audit_event(
            w,
            "withdrawal_approval_recorded",
            officer.id,
            w.status,
            w.status,
            f"approval 1 of {w.approvals_needed}: above "
            f"{money_text(four_eyes_threshold(w.currency), w.currency)}, "
            "a second officer must approve",
        )
        withdrawal_mail.second_approval_needed(w, officer.id)
        return w
    reason = "approved" if w.approvals_needed == 1 else f"approval {len(w.approvals)} of 2"
    move(w, W.APPROVED, actor_id=officer.id, action="withdrawal_approved", reason=reason, now=now)
    w.approved_at = now
    w.decided_by_id = officer.id
    enqueue_payout(w)
    tell(w, f"Your withdrawal of {money_text(w.amount, w.currency)} was approved.", "approved")
    return w


@dataclass(frozen=True)
class BulkResult:
    """What happened to one withdrawal of a bulk approval."""

    withdrawal_id: int
    ok: bool
    status: str | None
    message: str


def _require_all_exist(ids: list[int]) -> None:
    """Raise ``WithdrawalNotFound`` naming the ids that are no withdrawal, if any."""
    in_range = [i for i in ids if 0 < i <= MAX_ID]
    found = (
        set(db.session.scalars(select(Withdrawal.id).where(Withdrawal.id.in_(in_range))))
        if in_range
        else set()
    )
    missing = [i for i in ids if i not in found]
    if missing:
        names = ", ".join(f"#{i}" for i in missing[:5]) + ("…" if len(missing) > 5 else "")
        what = "is no withdrawal" if len(missing) == 1 else "are no withdrawals"
        raise WithdrawalNotFound(f"There {what} {names}: nothing was approved.")


def bulk_approve(withdrawal_ids: Iterable[int], officer: User) -> list[BulkResult]:
    """Approve each withdrawal in its own savepoint (in id order, so locks never cross);
    one refusal does not stop the others. Payouts are enqueued when the caller commits.

    An id that names no withdrawal refuses the whole batch before anything is approved
    (``WithdrawalNotFound``): the selection is not what the officer saw, so none of it is
    taken on trust."""
    ids = sorted({int(i) for i in withdrawal_ids})
    if len(ids) > MAX_BULK:
        raise PayoutError(f"Approve at most {MAX_BULK} withdrawals at once.")
    _require_all_exist(ids)
    results = []
    for withdrawal_id in ids:
        try:
            with db.session.begin_nested():
                w = approve(withdrawal_id, officer)
        except DomainError as error:
            results.append(BulkResult(withdrawal_id, False, None, str(error)))
            continue
        waiting = w.status == W.REQUESTED.value
        message = "needs a second approval" if waiting else "approved"
        results.append(BulkResult(withdrawal_id, True, w.status, message))
    return results


def reject(
    withdrawal_id: int, officer: User, reason: str, *, now: datetime | None = None
) -> Withdrawal:
    """Refuse a requested (or approved, not yet processing) withdrawal; held → available."""
    now = now or utcnow()
    text = clean_reason(reason)
    w = lock_withdrawal(withdrawal_id)
    require_officer(officer, w)
    require_move(w, W.REJECTED)
    w.reject_reason = text
    w.rejected_at = w.funds_returned_at = now
    w.decided_by_id = officer.id
    move(w, W.REJECTED, actor_id=officer.id, action="withdrawal_rejected", reason=text, now=now)
    post_return(w, officer.id, "rejected")
    tell(
        w,
        f"Your withdrawal of {money_text(w.amount, w.currency)} was rejected: {text}. "
        "The amount is back in your available balance.",
        "rejected",
    )
    return w


def retry(withdrawal_id: int, officer: User, *, now: datetime | None = None) -> Withdrawal:
    """Pay a failed withdrawal again (see the module's docstring): the same attempt if its
    money is still held, else a new attempt that holds the amount again."""
    now = now or utcnow()
    w = lock_withdrawal(withdrawal_id)
    require_officer(officer, w)
    if w.status != W.FAILED.value:
        raise InvalidTransition(
            f"Only failed withdrawals can be retried; #{w.id} is {w.status}.",
            current=w.status,
            target=W.APPROVED,
        )
    if w.funds_returned_at is not None:
        try:
            with db.session.begin_nested():
                w.attempt += 1
                w.destination = w.destination_display = None  # pay the current account
                w.funds_returned_at = None
                post_hold(w, officer.id)
        except InsufficientFunds:
            raise InsufficientBalance(
                "The creator's available balance no longer covers this withdrawal."
            ) from None
        how = f"new attempt {w.attempt}: amount held again"
    else:
        how = f"attempt {w.attempt} again, same idempotency key"
    move(w, W.APPROVED, actor_id=officer.id, action="withdrawal_retried", reason=how, now=now)
    w.failure_reason = w.last_error = None
    w.failed_at = None
    w.approved_at = now
    enqueue_payout(w)
    tell(
        w, f"We are trying your withdrawal of {money_text(w.amount, w.currency)} again.", "retried"
    )
    return w


def return_funds(
    withdrawal_id: int,
    officer: User,
    reason: str,
    *,
    provider: providers.PayoutProvider | None = None,
    now: datetime | None = None,
) -> Withdrawal:
    """Give up on a failed withdrawal whose money is still held: held → available.

    The provider is asked first whether a transfer exists under the attempt's key: if it
    does, the withdrawal is recorded as paid instead; if the provider cannot answer,
    ``ProviderUnavailable`` and nothing changes. Refused until ``PAYOUT_STUCK_MINUTES`` have
    passed since the last provider call, so that no payout can still be in flight.
    """
    now = now or utcnow()
    text = clean_reason(reason)
    w = lock_withdrawal(withdrawal_id)
    require_officer(officer, w)
    if w.status != W.FAILED.value:
        raise InvalidTransition(
            f"Only failed withdrawals can return funds; #{w.id} is {w.status}.", current=w.status
        )
    if w.funds_returned_at is not None:
        raise InvalidTransition(
            f"The funds of withdrawal #{w.id} were already returned.", current=w.status
        )
    if w.last_attempt_at is not None and now - w.last_attempt_at < stuck_after():
        raise InvalidTransition(
            "A payout of this withdrawal may still be in flight; try again in a few minutes.",
            current=w.status,
        )
    if w.destination is not None:
        provider = provider or providers.get_provider(w.provider)
        try:
            found = provider.find_transfer(w.idempotency_key)
        except providers.PayoutProviderError as error:
            raise ProviderUnavailable(
                f"The payout provider could not say whether it paid: {error}"
            ) from None
        if found is not None:
            mark_paid(w, found, actor_id=officer.id, now=now, why="found at the provider")
            return w
    post_return(w, officer.id, text)
    w.funds_returned_at = now
    w.updated_at = now
    audit_event(w, "withdrawal_funds_returned", officer.id, w.status, w.status, text)
    tell(
        w,
        f"The {money_text(w.amount, w.currency)} of your failed withdrawal is back in your "
        "available balance.",
        "returned",
    )
    return w
