"""The payout job: approved → processing → paid through the provider, with the withdrawal
attempt's idempotency key; declines fail it and return the money; an unreachable provider is
retried; and a crash at any step, followed by a rerun or by the recovery job, never pays twice
and never loses money."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from affiliate.payouts import jobs as payout_jobs
from affiliate.payouts import paying, processing, providers, services, transitions
from affiliate.payouts.exceptions import InsufficientBalance, InvalidTransition, ProviderUnavailable
from affiliate.payouts.models import PayoutAccount, SimulatedTransfer, Withdrawal
from affiliate.payouts.transitions import PAYOUT_JOB
from core.audit.models import AuditEvent
from core.extensions import db
from core.jobs import periodic_jobs
from core.ledger.models import LedgerEntry
from core.notifications.models import Notification
from core.types import utcnow
from tests.payouts.helpers import (
    balances,
    connect,
    fund,
    make_creator,
    officer,
    reload,
    run_payout,
    token,
    transfers,
)

AMOUNT, FEE, NET = 10_000, 200, 9_800


class Crash(BaseException):
    """The worker died here (a BaseException, like the SystemExit of a killed worker)."""


def approved(
    enqueued, last4: str = "6789", balance: int = 20_000, amount: int = AMOUNT
) -> Withdrawal:
    """An approved withdrawal whose payout job has not run (its enqueue recorded, then
    forgotten: the test runs the job itself)."""
    creator = make_creator(balance=balance, last4=last4)
    w = services.request_withdrawal(creator.id, amount, request_token=token())
    db.session.commit()
    services.approve(w.id, officer())
    db.session.commit()
    assert enqueued.of(PAYOUT_JOB) == [(w.id,)]
    enqueued.calls.clear()
    return w


def run(withdrawal_id: int) -> str:
    """Run the job as a worker would (the test's own transaction ends first)."""
    return run_payout(withdrawal_id)


def run_enqueued(enqueued) -> list[str]:
    """Run (and forget) the payout jobs recorded so far, as a worker would."""
    pending = [args for path, args, _ in enqueued.calls if path == PAYOUT_JOB]
    enqueued.calls.clear()
    return [run(*args) for args in pending]


def recover() -> dict[str, int]:
    db.session.commit()
    return payout_jobs.recover_stuck_payouts()


def paid_entries(w: Withdrawal) -> list[LedgerEntry]:
    return list(
        db.session.scalars(
            select(LedgerEntry).where(
                LedgerEntry.kind == "withdrawal_paid",
                LedgerEntry.cause_type == "withdrawal",
                LedgerEntry.cause_id == f"{w.id}:{w.attempt}",
            )
        )
    )


def actions(withdrawal_id: int) -> list[str]:
    query = (
        select(AuditEvent.action)
        .where(AuditEvent.subject_type == "withdrawal", AuditEvent.subject_id == str(withdrawal_id))
        .order_by(AuditEvent.id)
    )
    return list(db.session.scalars(query))


def assert_paid_once(w: Withdrawal, creator_id: int, *, available: int = 20_000 - AMOUNT) -> None:
    paid = reload(w.id)
    assert paid.status == "paid"
    assert (paid.provider_ref or "").startswith("sim_tr_")
    made = transfers(paid.idempotency_key)
    assert [(t.status, t.amount, t.reference) for t in made] == [("paid", NET, paid.provider_ref)]
    assert len(transfers()) == 1
    assert len(paid_entries(paid)) == 1
    assert balances(creator_id) == {
        "available": available,
        "held": 0,
        "clearing": NET,
        "fees": FEE,
    }


# --- the happy path and the provider's answers ---------------------------------------------


def test_the_job_pays_the_net_and_books_the_fee(app_ctx, enqueued):
    w = approved(enqueued)

    assert run(w.id) == "paid"

    assert_paid_once(w, w.creator_id)
    paid = reload(w.id)
    assert paid.processing_at is not None
    assert paid.paid_at is not None
    assert paid.last_attempt_at is not None
    assert paid.destination.endswith("6789")
    assert paid.destination_display == "Simulated bank •••• 6789 (Cleo Creator)"
    assert transfers()[0].idempotency_key == f"withdrawal-{w.id}-attempt-1"
    assert actions(w.id) == [
        "withdrawal_requested",
        "withdrawal_approved",
        "withdrawal_processing",
        "withdrawal_paid",
    ]
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == w.creator_id)
    ).all()
    assert [k for k in kinds if k.startswith("withdrawal.")] == [
        "withdrawal.requested",
        "withdrawal.approved",
        "withdrawal.processing",
        "withdrawal.paid",
    ]


def test_in_process_approval_pays_at_once_when_the_approval_commits(app_ctx):
    # No ``enqueued`` fixture: the embedded default runs the job in-process at the commit.
    creator = make_creator(balance=20_000)
    w = services.request_withdrawal(creator.id, AMOUNT, request_token=token())
    db.session.commit()

    services.approve(w.id, officer())
    db.session.commit()

    assert_paid_once(w, creator.id)


def test_running_the_job_again_changes_nothing(app_ctx, enqueued):
    w = approved(enqueued)
    run(w.id)

    assert run(w.id) == "nothing to do"
    assert run(w.id) == "nothing to do"

    assert_paid_once(w, w.creator_id)
    assert transfers()[0].calls == 1


def test_a_decline_fails_the_withdrawal_and_returns_the_money(app_ctx, enqueued):
    w = approved(enqueued, last4="0002")

    assert run(w.id) == "failed"

    failed = reload(w.id)
    assert failed.status == "failed"
    assert "declined" in failed.failure_reason
    assert failed.funds_returned_at is not None
    assert not failed.funds_held
    assert balances(w.creator_id) == {"available": 20_000, "held": 0, "clearing": 0, "fees": 0}
    assert actions(w.id)[-1] == "withdrawal_failed"
    assert run(w.id) == "nothing to do"


def test_an_unreachable_provider_is_retried_with_the_same_key(app_ctx, enqueued, monkeypatch):
    monkeypatch.setattr(payout_jobs, "_retries_remain", lambda: True)
    w = approved(enqueued, last4="0003")  # the simulated bank fails the first call for each key

    with pytest.raises(providers.TransientPayoutError):
        run(w.id)
    waiting = reload(w.id)
    assert waiting.status == "processing"
    assert "not answering" in waiting.last_error
    assert balances(w.creator_id)["held"] == AMOUNT

    assert run(w.id) == "paid"  # RQ's retry

    assert_paid_once(w, w.creator_id)
    assert transfers()[0].calls == 2
    assert reload(w.id).last_error is None


def test_the_retry_policy_backs_off(app_ctx):
    policy = transitions.payout_retry_policy()

    assert policy.max == 5
    assert policy.intervals == [10, 30, 60, 180, 600]


def test_unreachable_through_every_retry_fails_with_the_money_still_held(app_ctx, enqueued):
    w = approved(enqueued, last4="0004")  # in-process: no retries left after the first run

    assert run(w.id) == "failed, funds held"

    failed = reload(w.id)
    assert failed.status == "failed"
    assert failed.funds_returned_at is None
    assert failed.funds_held
    assert "could not be reached" in failed.failure_reason
    assert balances(w.creator_id)["held"] == AMOUNT


def test_an_account_no_longer_ready_fails_the_payout_without_calling_the_provider(
    app_ctx, enqueued
):
    w = approved(enqueued)
    db.session.execute(update(PayoutAccount).values(status="restricted"))
    db.session.commit()

    assert run(w.id) == "nothing to do"

    failed = reload(w.id)
    assert (failed.status, failed.funds_returned_at is not None) == ("failed", True)
    assert transfers() == []
    assert balances(w.creator_id)["available"] == 20_000


# --- retry and return of funds by finance -----------------------------------------------------


def test_retry_of_an_unreachable_one_reuses_its_key_and_pays_once(app_ctx, enqueued):
    w = approved(enqueued, last4="0003")
    assert run(w.id) == "failed, funds held"  # in-process: no RQ retries

    services.retry(w.id, officer())
    db.session.commit()
    assert reload(w.id).status == "approved"
    assert run_enqueued(enqueued) == ["paid"]

    assert_paid_once(w, w.creator_id)
    assert reload(w.id).attempt == 1
    assert transfers()[0].calls == 2


def test_retry_of_a_declined_one_holds_the_money_again_under_a_new_key(app_ctx, enqueued):
    w = approved(enqueued, last4="0002")
    run(w.id)
    creator = reload(w.id).creator
    account = db.session.scalars(select(PayoutAccount)).one()
    db.session.delete(account)
    db.session.commit()
    connect(creator, "6789")  # the creator fixes their bank details

    services.retry(w.id, officer())
    db.session.commit()
    retried = reload(w.id)
    assert (retried.status, retried.attempt, retried.funds_held) == ("approved", 2, True)
    assert balances(w.creator_id)["held"] == AMOUNT
    assert run_enqueued(enqueued) == ["paid"]

    paid = reload(w.id)
    assert paid.status == "paid"
    assert paid.idempotency_key == f"withdrawal-{w.id}-attempt-2"
    assert [t.status for t in transfers()] == ["declined", "paid"]
    assert balances(w.creator_id) == {"available": 10_000, "held": 0, "clearing": NET, "fees": FEE}


def test_retry_of_a_declined_one_is_refused_when_the_money_was_spent(app_ctx, enqueued):
    w = approved(enqueued, last4="0002", balance=AMOUNT)
    run(w.id)
    services.request_withdrawal(w.creator_id, AMOUNT, request_token=token())
    db.session.commit()

    with pytest.raises(InsufficientBalance):
        services.retry(w.id, officer())
    db.session.rollback()
    failed = reload(w.id)
    assert (failed.status, failed.attempt) == ("failed", 1)
    assert enqueued.calls == []


def test_only_failed_withdrawals_can_be_retried_or_returned(app_ctx, enqueued):
    w = approved(enqueued)
    run(w.id)

    with pytest.raises(InvalidTransition):
        services.retry(w.id, officer())
    with pytest.raises(InvalidTransition):
        services.return_funds(w.id, officer(), "give it back", now=utcnow() + timedelta(hours=1))
    db.session.rollback()
    assert_paid_once(w, w.creator_id)


def test_return_funds_waits_until_no_payout_can_be_in_flight(app_ctx, enqueued):
    w = approved(enqueued, last4="0004")
    run(w.id)

    with pytest.raises(InvalidTransition, match="in flight"):
        services.return_funds(w.id, officer(), "Provider down for days")
    db.session.rollback()

    services.return_funds(
        w.id, officer(), "Provider down for days", now=utcnow() + timedelta(minutes=16)
    )
    db.session.commit()
    returned = reload(w.id)
    assert (returned.status, returned.funds_held) == ("failed", False)
    assert balances(w.creator_id) == {"available": 20_000, "held": 0, "clearing": 0, "fees": 0}
    assert actions(w.id)[-1] == "withdrawal_funds_returned"

    with pytest.raises(InvalidTransition, match="already returned"):
        services.return_funds(w.id, officer(), "again", now=utcnow() + timedelta(hours=1))


def test_return_funds_finds_a_transfer_the_provider_made_and_records_it_paid(app_ctx, enqueued):
    w = approved(enqueued, last4="0003")
    run(w.id)  # unreachable: failed, money held
    db.session.execute(update(SimulatedTransfer).values(status="paid"))  # it went through after all
    db.session.commit()

    services.return_funds(w.id, officer(), "Giving up", now=utcnow() + timedelta(minutes=16))
    db.session.commit()

    assert_paid_once(w, w.creator_id)


def test_return_funds_changes_nothing_when_the_provider_cannot_answer(app_ctx, enqueued):
    w = approved(enqueued, last4="0004")
    run(w.id)

    class Down(providers.SimulatedPayoutProvider):
        def find_transfer(self, idempotency_key: str) -> None:
            raise providers.TransientPayoutError("timeout")

    with pytest.raises(ProviderUnavailable):
        services.return_funds(
            w.id, officer(), "Giving up", provider=Down(), now=utcnow() + timedelta(minutes=16)
        )
    db.session.rollback()
    assert reload(w.id).funds_held
    assert balances(w.creator_id)["held"] == AMOUNT


def test_a_transfer_reported_after_the_funds_were_returned_is_taken_back_from_available(
    app_ctx, enqueued
):
    w = approved(enqueued, last4="0004")
    run(w.id)
    order = processing.PayoutOrder(
        withdrawal_id=w.id,
        attempt=1,
        provider="simulated",
        amount=NET,
        currency="USD",
        destination=reload(w.id).destination,
        idempotency_key=reload(w.id).idempotency_key,
        description="",
    )
    services.return_funds(w.id, officer(), "Giving up", now=utcnow() + timedelta(minutes=16))
    db.session.commit()

    late = providers.TransferResult("sim_tr_late", NET, "USD", order.destination)
    processing.record_payout_paid(order, late)
    db.session.commit()

    paid = reload(w.id)
    assert (paid.status, paid.provider_ref) == ("paid", "sim_tr_late")
    assert balances(w.creator_id) == {"available": 10_000, "held": 0, "clearing": NET, "fees": FEE}


# --- a crash at every step ----------------------------------------------------------------------

# (where, name, when, whether the provider has made the transfer by then): the worker dies
# just before or just after that call (its second call: "after, second call").
CRASH_POINTS = [
    (processing, "begin_payout", "before", False),
    (paying, "begin_approved", "after", False),  # processing written, not committed
    (paying, "tell", "after", False),  # the "being paid" audit event and notice, not committed
    (processing, "begin_payout", "after", False),  # processing not committed
    (providers, "get_provider", "before", False),  # processing committed, provider not asked
    (providers.SimulatedPayoutProvider, "transfer", "before", False),
    (providers.SimulatedPayoutProvider, "transfer", "after", True),  # paid, the answer lost
    (processing, "record_payout_paid", "before", True),
    (paying, "record_paid", "before", True),
    (paying, "post_paid", "before", True),  # paid written, no ledger entry yet
    (paying, "post_paid", "after", True),
    (paying, "tell", "after, second call", True),  # the paid notice and mail: the last writes
    (processing, "record_payout_paid", "after", True),  # recorded, not committed
]


def _crash(mp: pytest.MonkeyPatch, where: Any, name: str, when: str) -> None:
    real = getattr(where, name)
    calls = []
    crash_at = 2 if when.endswith("second call") else 1

    def dying(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        if len(calls) < crash_at:
            return real(*args, **kwargs)
        if when == "before":
            raise Crash(f"died before {name}")
        real(*args, **kwargs)
        raise Crash(f"died after {name}")

    mp.setattr(where, name, dying)


@pytest.mark.parametrize("resume", ["rerun", "recovery"])
@pytest.mark.parametrize(
    ("where", "name", "when", "transfer_made"),
    CRASH_POINTS,
    ids=[f"{w.__name__.rsplit('.', 1)[-1]}.{n}:{t}" for w, n, t, _ in CRASH_POINTS],
)
def test_a_crash_at_any_step_then_a_rerun_pays_exactly_once(
    app_ctx, enqueued, monkeypatch, where, name, when, transfer_made, resume
):
    monkeypatch.setitem(app_ctx.config, "PAYOUT_STUCK_MINUTES", 0)
    w = approved(enqueued)

    with pytest.MonkeyPatch.context() as mp:
        _crash(mp, where, name, when)
        with pytest.raises(Crash):
            run(w.id)
    db.session.rollback()
    crashed = reload(w.id)
    assert crashed.status in ("approved", "processing")
    assert balances(w.creator_id)["held"] == AMOUNT  # the books: nothing paid, nothing lost
    assert [t.status for t in transfers()] == (["paid"] if transfer_made else [])

    if resume == "rerun":
        assert run(w.id) == "paid"
    else:
        outcome = recover()
        assert outcome == ({"paid": 1} if transfer_made else {"re-enqueued": 1})
        if not transfer_made:
            assert run_enqueued(enqueued) == ["paid"]

    assert_paid_once(w, w.creator_id)
    # The provider was asked once, or twice when a rerun repeated the key: one transfer.
    expected_calls = 2 if transfer_made and resume == "rerun" else 1
    assert transfers()[0].calls == expected_calls
    assert actions(w.id).count("withdrawal_paid") == 1
    assert run(w.id) == "nothing to do"
    assert recover() == {}


# --- recovery -------------------------------------------------------------------------------------


def test_recovery_is_registered_to_run_every_five_minutes_on_the_payouts_queue(app):
    periodic = {p.func_path: p for p in periodic_jobs(app)}
    job = periodic["affiliate.payouts.jobs.recover_stuck_payouts"]
    assert (job.interval, job.queue) == (300, "payouts")


def _stuck_in_processing(enqueued, monkeypatch, *, transfer_made: bool) -> Withdrawal:
    w = approved(enqueued)
    with pytest.MonkeyPatch.context() as mp:
        if transfer_made:
            _crash(mp, processing, "record_payout_paid", "before")
        else:
            _crash(mp, providers.SimulatedPayoutProvider, "transfer", "before")
        with pytest.raises(Crash):
            run(w.id)
    db.session.rollback()
    assert reload(w.id).status == "processing"
    return w


def test_recovery_leaves_a_payout_alone_until_it_has_been_stuck_long_enough(
    app_ctx, enqueued, monkeypatch
):
    w = _stuck_in_processing(enqueued, monkeypatch, transfer_made=True)

    assert recover() == {}
    assert reload(w.id).status == "processing"


def test_recovery_marks_paid_a_stuck_payout_the_provider_made(app_ctx, enqueued, monkeypatch):
    w = _stuck_in_processing(enqueued, monkeypatch, transfer_made=True)
    monkeypatch.setitem(app_ctx.config, "PAYOUT_STUCK_MINUTES", 0)

    assert recover() == {"paid": 1}

    assert_paid_once(w, w.creator_id)
    assert enqueued.calls == []
    assert "withdrawal_paid" in actions(w.id)


def test_recovery_requeues_a_stuck_payout_the_provider_never_saw(app_ctx, enqueued, monkeypatch):
    w = _stuck_in_processing(enqueued, monkeypatch, transfer_made=False)
    monkeypatch.setitem(app_ctx.config, "PAYOUT_STUCK_MINUTES", 0)

    assert recover() == {"re-enqueued": 1}
    assert reload(w.id).status == "approved"
    assert run_enqueued(enqueued) == ["paid"]

    assert_paid_once(w, w.creator_id)


def test_recovery_requeues_an_approved_payout_whose_job_was_lost_once_per_period(
    app_ctx, enqueued, monkeypatch
):
    w = approved(enqueued)  # and the queue lost its job
    monkeypatch.setitem(app_ctx.config, "PAYOUT_STUCK_MINUTES", 0)

    assert recover() == {"re-enqueued": 1}
    assert [args for _, args, _ in enqueued.calls] == [(w.id,)]
    assert run_enqueued(enqueued) == ["paid"]
    assert_paid_once(w, w.creator_id)


def test_recovery_leaves_a_payout_for_later_when_the_provider_cannot_answer(
    app_ctx, enqueued, monkeypatch
):
    w = _stuck_in_processing(enqueued, monkeypatch, transfer_made=False)
    monkeypatch.setitem(app_ctx.config, "PAYOUT_STUCK_MINUTES", 0)

    def down(self: Any, key: str) -> None:
        raise providers.TransientPayoutError("timeout")

    monkeypatch.setattr(providers.SimulatedPayoutProvider, "find_transfer", down)

    assert recover() == {"provider unavailable": 1}
    assert reload(w.id).status == "processing"
    assert balances(w.creator_id)["held"] == AMOUNT


def test_the_ledger_after_many_payouts_adds_up(app_ctx, enqueued):
    creators = [make_creator(balance=50_000, last4=last4) for last4 in ("1111", "0002", "0003")]
    ids = []
    for creator in creators:
        for amount in (1_000, 12_345, 20_001):
            w = services.request_withdrawal(creator.id, amount, request_token=token())
            ids.append(w.id)
    db.session.commit()
    services.bulk_approve(ids, officer())
    db.session.commit()
    run_enqueued(enqueued)

    withdrawals = db.session.scalars(select(Withdrawal)).all()
    paid = [w for w in withdrawals if w.status == "paid"]
    platform = balances(creators[0].id)
    assert platform["clearing"] == sum(w.net for w in paid)
    assert platform["fees"] == sum(w.fee for w in paid)
    for creator in creators:
        mine = balances(creator.id)
        held = sum(w.amount for w in withdrawals if w.creator_id == creator.id and w.funds_held)
        out = sum(w.amount for w in paid if w.creator_id == creator.id)
        assert mine["held"] == held
        assert mine["available"] + held + out == 50_000
    fund(creators[0].id, 1)  # the books stay open for business
