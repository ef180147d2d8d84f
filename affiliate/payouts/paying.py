"""The payout job's two writing steps in their common case, as a few Core statements through
the Session (no ORM object loaded or flushed):

- ``begin_approved``: an approved withdrawal whose creator's payout account is ready at the
  configured provider moves to processing in one ``UPDATE ... FROM payout_account ...
  RETURNING`` (the row is locked and re-checked by the statement itself), then its audit event
  and "being paid" notice are inserted (one statement on PostgreSQL);
- ``record_paid``: a processing withdrawal of the same attempt moves to paid in one
  ``UPDATE ... RETURNING``, then the paid entry (``core.ledger.posting``: held → payouts
  clearing for the net and fee revenue for the fee, held guarded), its audit event, notice and
  mail.

The guard of every move is in the statement's ``WHERE``: when it matches no row (anything but
the common case: already moved, another attempt, an account not ready) these return None and
``processing`` takes its general, ORM path, which locks the row and decides. The moves,
audit events, notices, mail, ledger entry and signals are the general path's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm.util import identity_key

from affiliate.payouts import mail as withdrawal_mail
from affiliate.payouts import signals
from affiliate.payouts.models import (
    REASON_LENGTH,
    WITHDRAWAL,
    PayoutAccount,
    Withdrawal,
    WithdrawalStatus,
)
from affiliate.payouts.providers import TransferResult
from affiliate.payouts.rules import money_text
from core.audit.models import AuditEvent
from core.extensions import db
from core.ledger.models import AccountKind, EntryKind, LedgerAccount
from core.ledger.posting import AccountRef, account_refs, post_entry_core
from core.ledger.services import Cause, account_key
from core.notifications.models import MESSAGE_LENGTH, Notification
from core.notifications.services import safe_link

W = WithdrawalStatus
WITHDRAWALS = cast(Table, Withdrawal.__table__)
ACCOUNTS = cast(Table, PayoutAccount.__table__)
AUDIT = cast(Table, AuditEvent.__table__)
NOTICES = cast(Table, Notification.__table__)
LEDGER_ACCOUNTS = cast(Table, LedgerAccount.__table__)
_COLUMN_NAMES = [column.key for column in WITHDRAWALS.c]
SUBJECT = "withdrawal"

# The two moves taken here must stay legal moves of the state machine.
assert W.PROCESSING in WITHDRAWAL.transitions[W.APPROVED]
assert W.PAID in WITHDRAWAL.transitions[W.PROCESSING]


# The two moves, built once (their guards in the WHERE; the values bound at each execution).
_TO_PROCESSING = (
    update(WITHDRAWALS)
    .where(
        WITHDRAWALS.c.id == bindparam("wid"),
        WITHDRAWALS.c.status == W.APPROVED.value,
        WITHDRAWALS.c.destination.is_(None),
        ACCOUNTS.c.creator_id == WITHDRAWALS.c.creator_id,
        ACCOUNTS.c.status == "ready",
        ACCOUNTS.c.provider == bindparam("provider_name"),
    )
    .values(
        status=W.PROCESSING.value,
        provider=ACCOUNTS.c.provider,
        destination=ACCOUNTS.c.external_id,
        destination_display=ACCOUNTS.c.display,
        processing_at=func.coalesce(WITHDRAWALS.c.processing_at, bindparam("now")),
        last_attempt_at=bindparam("now"),
        provider_calls=WITHDRAWALS.c.provider_calls + 1,
        updated_at=bindparam("now"),
    )
    .returning(*WITHDRAWALS.c)
)
_TO_PAID = (
    update(WITHDRAWALS)
    .where(
        WITHDRAWALS.c.id == bindparam("wid"),
        WITHDRAWALS.c.status == W.PROCESSING.value,
        WITHDRAWALS.c.attempt == bindparam("attempt_no"),
    )
    .values(
        status=W.PAID.value,
        provider_ref=bindparam("reference"),
        paid_at=bindparam("now"),
        failure_reason=None,
        last_error=None,
        updated_at=bindparam("now"),
    )
    # The paid entry's three accounts, read by the same statement (a missing one is None).
    .returning(
        *WITHDRAWALS.c,
        select(LEDGER_ACCOUNTS.c.id)
        .where(
            LEDGER_ACCOUNTS.c.owner_id == WITHDRAWALS.c.creator_id,
            LEDGER_ACCOUNTS.c.kind == AccountKind.CREATOR_HELD.value,
            LEDGER_ACCOUNTS.c.currency == WITHDRAWALS.c.currency,
        )
        .scalar_subquery()
        .label("held_account_id"),
        select(LEDGER_ACCOUNTS.c.id)
        .where(LEDGER_ACCOUNTS.c.key == bindparam("clearing_key"))
        .scalar_subquery()
        .label("clearing_account_id"),
        select(LEDGER_ACCOUNTS.c.id)
        .where(LEDGER_ACCOUNTS.c.key == bindparam("revenue_key"))
        .scalar_subquery()
        .label("revenue_account_id"),
    )
)
_AUDIT = insert(AUDIT).values(
    created_at=bindparam("a_created_at"),
    actor_id=None,
    action=bindparam("a_action"),
    subject_type=SUBJECT,
    subject_id=bindparam("a_subject_id"),
    from_state=bindparam("a_from_state"),
    to_state=bindparam("a_to_state"),
    reason=bindparam("a_reason"),
)
# The notice's row goes as the statement's parameters, so that the kept-identity listener sees
# whose it is (``core.accounts.identity_cache``: only the creator's kept identity goes stale).
_NOTICE = insert(NOTICES)
_AUDIT_AND_NOTICE = insert(NOTICES).add_cte(_AUDIT.cte("audit_row"))  # PostgreSQL: one statement


def begin_approved(withdrawal_id: int, provider_name: str, now: datetime) -> Withdrawal | None:
    """Approved, destination not yet chosen, the creator's account ready at ``provider_name``:
    move to processing with that destination; return the withdrawal as moved (a detached
    copy of the row), or None (nothing written) when the case is not this one."""
    row = db.session.execute(
        _TO_PROCESSING, {"wid": withdrawal_id, "provider_name": provider_name, "now": now}
    ).first()
    if row is None:
        return None
    w = _moved(row)
    tell(
        w,
        W.APPROVED,
        "withdrawal_processing",
        None,
        f"Your withdrawal of {money_text(w.amount, w.currency)} is being paid.",
        "processing",
        now,
    )
    return w


def record_paid(
    withdrawal_id: int, attempt: int, currency: str, result: TransferResult, now: datetime
) -> Withdrawal | None:
    """The provider paid the attempt still processing: paid, with the attempt's paid entry,
    audit event, notice and mail; None (nothing written) when the case is not this one."""
    row = db.session.execute(
        _TO_PAID,
        {
            "wid": withdrawal_id,
            "attempt_no": attempt,
            "reference": result.reference,
            "now": now,
            "clearing_key": account_key(AccountKind.PLATFORM_PAYOUTS_CLEARING, None, currency),
            "revenue_key": account_key(AccountKind.PLATFORM_FEE_REVENUE, None, currency),
        },
    ).first()
    if row is None:
        return None
    w = _moved(row)
    found = (row.held_account_id, row.clearing_account_id, row.revenue_account_id)
    post_paid(w, now, found if w.currency == currency and None not in found else None)
    tell(
        w,
        W.PROCESSING,
        "withdrawal_paid",
        None,
        f"Paid: {money_text(w.net, w.currency)} is on its way to {w.destination_display or 'you'}.",
        "paid",
        now,
    )
    return w


def post_paid(w: Withdrawal, now: datetime, account_ids: tuple[int, int, int] | None) -> int:
    """Held → payouts clearing (the net) and fee revenue (the fee): the general path's
    ``transitions.post_paid``, written by ``core.ledger.posting``. Returns the entry's id.

    ``account_ids`` are the held, clearing and revenue accounts' ids if the caller read them
    (else they are read, and created if missing)."""
    wanted: list[tuple[AccountKind, int | None]] = [
        (AccountKind.CREATOR_HELD, w.creator_id),
        (AccountKind.PLATFORM_PAYOUTS_CLEARING, None),
        (AccountKind.PLATFORM_FEE_REVENUE, None),
    ]
    if account_ids is None:
        held, clearing, revenue = account_refs(w.currency, *wanted)
    else:
        held, clearing, revenue = (
            AccountRef(account_id, account_key(kind, owner, w.currency), kind, w.currency)
            for account_id, (kind, owner) in zip(account_ids, wanted, strict=True)
        )
    legs = [(held, w.amount), (clearing, -w.net)]
    if w.fee:
        legs.append((revenue, -w.fee))
    return post_entry_core(
        EntryKind.WITHDRAWAL_PAID,
        Cause(SUBJECT, f"{w.id}:{w.attempt}"),
        legs,
        guard=[held],
        memo=f"Withdrawal #{w.id} paid: {w.provider} {w.provider_ref}"[:255],
        now=now,
    )


def tell(
    w: Withdrawal,
    previous: WithdrawalStatus,
    action: str,
    reason: str | None,
    message: str,
    kind: str,
    now: datetime,
) -> None:
    """What follows a move: its audit event and the creator's notice (one statement on
    PostgreSQL), the signal, and the mail of the kinds that are mailed."""
    path = f"/creator/withdrawals/{w.id}"
    audit = {
        "a_created_at": now,
        "a_action": action,
        "a_subject_id": str(w.id),
        "a_from_state": previous.value,
        "a_to_state": w.status,
        "a_reason": reason[:REASON_LENGTH] if reason else None,
    }
    notice = {
        "user_id": w.creator_id,
        "kind": f"withdrawal.{kind}",
        "message": message.strip()[:MESSAGE_LENGTH],
        "link": safe_link(path),
        "created_at": now,
        "read_at": None,
    }
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(_AUDIT_AND_NOTICE, {**notice, **audit})
    else:
        db.session.execute(_AUDIT, audit)
        db.session.execute(_NOTICE, notice)
    signals.withdrawal_moved.send(w, previous=previous, to=W(w.status))
    withdrawal_mail.withdrawal_changed(w, kind, message, path)


def _moved(row: Row[Any]) -> Withdrawal:
    """The withdrawal as the statement left it, for the signal's receivers and the mail: a
    transient copy (never added to the session); an instance this session already holds is
    expired, so that it reloads what was written."""
    held = db.session.identity_map.get(identity_key(Withdrawal, row.id))
    if held is not None:
        db.session.expire(held)
    return Withdrawal(**{name: getattr(row, name) for name in _COLUMN_NAMES})
