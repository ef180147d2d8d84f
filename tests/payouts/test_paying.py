"""The payout job's statement path (``paying``): it writes what the general, ORM path writes
(the same states, audit events, notices, mail and ledger entry), its paid entry balances, and
it never pays twice: not on a second run, not when two workers run the same job at once."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from affiliate.payouts import paying, processing, services
from affiliate.payouts.models import Withdrawal
from affiliate.payouts.providers import TransferResult
from affiliate.payouts.transitions import PAYOUT_JOB
from api.webhooks.models import WebhookEvent
from api.webhooks.services import create_endpoint
from core.accounts.models import User
from core.audit.models import AuditEvent
from core.extensions import db
from core.ledger.checks import check_ledger
from core.ledger.exceptions import InsufficientFunds
from core.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerPosting
from core.ledger.services import Cause, account_for, credit, debit, post_entry
from core.mail.models import SentMail
from core.notifications.models import Notification
from tests.payouts.helpers import (
    balances,
    make_creator,
    officer,
    reload,
    run_payout,
    token,
    transfers,
)

AMOUNT, FEE, NET = 10_000, 200, 9_800


def approved(enqueued, balance: int = 20_000) -> Withdrawal:
    creator = make_creator(balance=balance)
    w = services.request_withdrawal(creator.id, AMOUNT, request_token=token())
    db.session.commit()
    services.approve(w.id, officer())
    db.session.commit()
    assert enqueued.of(PAYOUT_JOB) == [(w.id,)]
    enqueued.calls.clear()
    return w


def general_path_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the statement path decline every case, so the job takes the general path."""
    monkeypatch.setattr(paying, "begin_approved", lambda *args, **kwargs: None)
    monkeypatch.setattr(paying, "record_paid", lambda *args, **kwargs: None)


def what_was_written(w: Withdrawal) -> dict[str, Any]:
    """Everything the job wrote about ``w``, with its own ids and references made generic."""
    db.session.expire_all()
    paid = db.session.get(Withdrawal, w.id)
    assert paid is not None
    entry = db.session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.kind == "withdrawal_paid",
            LedgerEntry.cause_id == f"{w.id}:{w.attempt}",
        )
    ).one()
    audit = db.session.execute(
        select(
            AuditEvent.action,
            AuditEvent.actor_id,
            AuditEvent.from_state,
            AuditEvent.to_state,
            AuditEvent.reason,
        )
        .where(
            AuditEvent.subject_type == "withdrawal",
            AuditEvent.subject_id == str(w.id),
            AuditEvent.action.in_(["withdrawal_processing", "withdrawal_paid"]),
        )
        .order_by(AuditEvent.id)
    ).all()
    notices = db.session.execute(
        select(Notification.kind, Notification.message, Notification.link, Notification.read_at)
        .where(
            Notification.user_id == w.creator_id,
            Notification.kind.in_(["withdrawal.processing", "withdrawal.paid"]),
        )
        .order_by(Notification.id)
    ).all()
    mails = db.session.execute(
        select(
            SentMail.event_key,
            SentMail.template,
            SentMail.subject,
            SentMail.text_body,
            SentMail.html_body,
        )
        .where(SentMail.user_id == w.creator_id, SentMail.event_key.like("withdrawal-paid:%"))
        .order_by(SentMail.id)
    ).all()

    creator = db.session.get(User, w.creator_id)
    assert creator is not None

    def generic(value: Any) -> Any:
        text = str(value).replace(creator.display_name, "NAME")
        text = text.replace(str(paid.provider_ref), "REF").replace(paid.destination or "", "DEST")
        text = re.sub(rf"_(held|available):{w.creator_id}:", r"_\1:CREATOR:", text)
        return re.sub(rf"(#|/withdrawals/|-(paid|processing):){w.id}(?![0-9])", r"\1ID", text)

    return {
        "withdrawal": {
            "status": paid.status,
            "attempt": paid.attempt,
            "provider": paid.provider,
            "destination_display": paid.destination_display,
            "provider_calls": paid.provider_calls,
            "set": [
                name
                for name in ("processing_at", "last_attempt_at", "paid_at", "provider_ref")
                if getattr(paid, name) is not None
            ],
            "cleared": [paid.failure_reason, paid.last_error],
        },
        "entry": (entry.kind, entry.cause_type, generic(entry.memo), entry.actor_id),
        "postings": sorted((generic(p.account.key), p.amount) for p in entry.postings),
        "audit": [tuple(generic(v) for v in row) for row in audit],
        "notices": [tuple(generic(v) for v in row) for row in notices],
        "mails": [tuple(generic(v) for v in row) for row in mails],
        "balances": balances(w.creator_id),
    }


def test_the_statement_path_writes_what_the_general_path_writes(app_ctx, enqueued, monkeypatch):
    fast = approved(enqueued)
    assert run_payout(fast.id) == "paid"
    written_fast = what_was_written(fast)
    db.session.commit()

    with monkeypatch.context() as mp:
        general_path_only(mp)
        slow = approved(enqueued)
        assert run_payout(slow.id) == "paid"
    written_slow = what_was_written(slow)

    # The platform's accounts are shared: each payout adds its own net and fee to them.
    assert written_fast.pop("balances") == {
        "available": 10_000,
        "held": 0,
        "clearing": NET,
        "fees": FEE,
    }
    assert written_slow.pop("balances") == {
        "available": 10_000,
        "held": 0,
        "clearing": 2 * NET,
        "fees": 2 * FEE,
    }
    assert written_fast == written_slow
    assert written_fast["withdrawal"]["status"] == "paid"
    assert len(written_fast["mails"]) == 1
    assert [row[0] for row in written_fast["notices"]] == [
        "withdrawal.processing",
        "withdrawal.paid",
    ]
    assert [row[0] for row in written_fast["audit"]] == [
        "withdrawal_processing",
        "withdrawal_paid",
    ]
    assert written_fast["entry"] == (
        "withdrawal_paid",
        "withdrawal",
        "Withdrawal #ID paid: simulated REF",
        None,
    )
    assert check_ledger().ok


def test_the_paid_entry_balances_and_splits_the_amount_into_net_and_fee(app_ctx, enqueued):
    w = approved(enqueued)
    run_payout(w.id)

    entry = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.kind == "withdrawal_paid")
    ).one()
    amounts = {posting.account.kind: posting.amount for posting in entry.postings}
    assert amounts == {
        AccountKind.CREATOR_HELD.value: AMOUNT,  # debit: the held money leaves
        AccountKind.PLATFORM_PAYOUTS_CLEARING.value: -NET,  # credit: the net is paid out
        AccountKind.PLATFORM_FEE_REVENUE.value: -FEE,  # credit: the fee is earned
    }
    assert sum(amounts.values()) == 0
    paid = reload(w.id)
    assert paid.fee + paid.net == paid.amount == AMOUNT
    held = db.session.scalars(
        select(LedgerAccount).where(LedgerAccount.key == f"creator_held:{w.creator_id}:USD")
    ).one()
    postings_sum = db.session.scalar(
        select(func.sum(LedgerPosting.amount)).where(LedgerPosting.account_id == held.id)
    )
    assert held.cached_balance == -postings_sum == 0
    assert check_ledger().ok


def test_recording_the_same_transfer_again_writes_nothing(app_ctx, enqueued):
    w = approved(enqueued)
    order = processing.begin_payout(w.id)
    db.session.commit()
    assert order is not None
    result = TransferResult("sim_tr_once", order.amount, order.currency, order.destination)
    processing.record_payout_paid(order, result)
    db.session.commit()
    counts = _counts()

    assert (
        paying.record_paid(w.id, order.attempt, order.currency, result, reload(w.id).paid_at)
        is None
    )
    processing.record_payout_paid(order, result)
    db.session.commit()
    assert run_payout(w.id) == "nothing to do"

    assert _counts() == counts
    assert reload(w.id).provider_ref == "sim_tr_once"
    assert balances(w.creator_id)["clearing"] == NET


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model)) or 0
        for model in (LedgerEntry, LedgerPosting, AuditEvent, Notification, SentMail)
    )


def test_a_short_held_balance_stops_the_paid_entry_and_writes_nothing(app_ctx, enqueued):
    w = approved(enqueued)
    order = processing.begin_payout(w.id)
    db.session.commit()
    assert order is not None
    # Someone moved part of the held money away meanwhile (held → available).
    held = account_for(AccountKind.CREATOR_HELD, currency="USD", owner_id=w.creator_id)
    available = account_for(AccountKind.CREATOR_AVAILABLE, currency="USD", owner_id=w.creator_id)
    post_entry("test_move", Cause("test", "short"), [debit(held, 1), credit(available, 1)])
    db.session.commit()
    result = TransferResult("sim_tr_short", order.amount, order.currency, order.destination)

    with pytest.raises(InsufficientFunds):
        processing.record_payout_paid(order, result)
    db.session.rollback()

    assert reload(w.id).status == "processing"
    assert balances(w.creator_id)["held"] == AMOUNT - 1
    assert db.session.scalar(select(func.count()).where(LedgerEntry.kind == "withdrawal_paid")) == 0
    assert check_ledger().ok


def test_the_notices_make_only_the_creators_kept_identity_stale(app_ctx, enqueued):
    w = approved(enqueued)
    db.session.info.pop("identity_dirty", None)
    order = processing.begin_payout(w.id)
    assert order is not None
    assert db.session.info.get("identity_dirty") == {w.creator_id}
    db.session.commit()
    result = TransferResult("sim_tr_who", order.amount, order.currency, order.destination)
    processing.record_payout_paid(order, result)
    assert db.session.info.get("identity_dirty") == {w.creator_id}
    db.session.commit()


@pytest.mark.postgres
def test_two_workers_running_the_same_payout_at_once_pay_once(
    app, app_ctx, postgres_only, enqueued
):
    w = approved(enqueued)
    db.session.commit()
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def work(index: int) -> None:
        from affiliate.payouts.jobs import process_withdrawal

        with app.app_context():
            barrier.wait()
            try:
                results[index] = process_withdrawal(w.id)
            except Exception as error:  # the outcome is what the test reads
                results[index] = error

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # One pays; the other either finds nothing to do, or takes up the processing attempt,
    # asks the provider under the same key (the same transfer) and finds it recorded.
    assert "paid" in results, results
    assert all(r in ("paid", "nothing to do") for r in results), results
    made = transfers()
    assert len(made) == 1
    assert made[0].status == "paid"
    paid = reload(w.id)
    assert paid.status == "paid"
    assert paid.provider_ref == made[0].reference
    assert db.session.scalar(select(func.count()).where(LedgerEntry.kind == "withdrawal_paid")) == 1
    assert balances(w.creator_id) == {"available": 10_000, "held": 0, "clearing": NET, "fees": FEE}
    assert check_ledger().ok


def test_the_paid_withdrawal_reaches_the_creators_webhook(app_ctx, enqueued):
    w = approved(enqueued)
    creator = db.session.get(User, w.creator_id)
    assert creator is not None
    create_endpoint(creator, "https://hooks.example.com/yc", ["withdrawal.paid"], "test")
    db.session.commit()

    assert run_payout(w.id) == "paid"

    paid = reload(w.id)
    [event] = db.session.scalars(select(WebhookEvent).where(WebhookEvent.owner_id == w.creator_id))
    assert event.type == "withdrawal.paid"
    assert {k: event.data[k] for k in ("id", "status", "amount", "fee", "net")} == {
        "id": w.id,
        "status": "paid",
        "amount": AMOUNT,
        "fee": FEE,
        "net": NET,
    }
    assert event.data["provider_reference"] == paid.provider_ref
