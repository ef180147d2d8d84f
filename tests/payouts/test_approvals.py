"""Finance decisions: approve (one officer, or two above the threshold), bulk approve, reject;
never one's own withdrawal; approval enqueues exactly one payout, after the commit."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from affiliate.payouts import services
from affiliate.payouts.exceptions import (
    DuplicateApproval,
    InvalidReason,
    InvalidTransition,
    NotAllowed,
    SelfApproval,
    WithdrawalNotFound,
)
from affiliate.payouts.models import WithdrawalApproval
from affiliate.payouts.transitions import PAYOUT_JOB
from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from core.states import IllegalTransition
from tests.factories import make_user
from tests.payouts.helpers import balances, count, make_creator, officer, reload, token


def _request(creator, amount=10_000):
    w = services.request_withdrawal(creator.id, amount, request_token=token())
    db.session.commit()
    return w


def _actions(withdrawal_id: int) -> list[tuple[str, str | None, str | None, int | None]]:
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "withdrawal", AuditEvent.subject_id == str(withdrawal_id))
        .order_by(AuditEvent.id)
    )
    return [(e.action, e.from_state, e.to_state, e.actor_id) for e in events]


def test_approval_enqueues_the_payout_only_when_the_transaction_commits(app_ctx, enqueued):
    creator = make_creator(balance=20_000)
    w = _request(creator)
    fin = officer()

    approved = services.approve(w.id, fin)
    assert approved.status == "approved"
    assert enqueued.calls == []

    db.session.commit()
    assert enqueued.of(PAYOUT_JOB) == [(w.id,)]
    _, _, options = enqueued.calls[0]
    assert options["queue"] == "payouts"
    assert options["retry"].max == 5
    assert _actions(w.id)[-1] == ("withdrawal_approved", "requested", "approved", fin.id)


def test_approval_rolled_back_enqueues_nothing(app_ctx, enqueued):
    creator = make_creator(balance=20_000)
    w = _request(creator)

    services.approve(w.id, officer())
    db.session.rollback()
    db.session.commit()

    assert enqueued.calls == []
    assert reload(w.id).status == "requested"


def test_a_non_finance_user_cannot_approve_or_reject(app_ctx, enqueued):
    creator = make_creator(balance=20_000)
    w = _request(creator)
    seller = make_user(Role.SELLER, Role.ADMIN)

    with pytest.raises(NotAllowed):
        services.approve(w.id, seller)
    with pytest.raises(NotAllowed):
        services.reject(w.id, seller, "not on my watch")
    db.session.rollback()
    assert reload(w.id).status == "requested"
    assert count(WithdrawalApproval) == 0


def test_an_officer_who_is_also_a_creator_cannot_approve_their_own(app_ctx, enqueued):
    both = make_creator(balance=20_000, roles=(Role.FINANCE,))
    w = _request(both)

    with pytest.raises(SelfApproval, match="your own withdrawal"):
        services.approve(w.id, both)
    db.session.rollback()
    assert reload(w.id).status == "requested"
    assert count(WithdrawalApproval) == 0
    assert enqueued.calls == []


def test_unknown_withdrawals_are_not_found(app_ctx):
    fin = officer()
    for bad in (999, 0, -1, 2**70):
        with pytest.raises(WithdrawalNotFound):
            services.approve(bad, fin)


def test_approving_twice_is_refused(app_ctx, enqueued):
    creator = make_creator(balance=20_000)
    w = _request(creator)
    services.approve(w.id, officer())
    db.session.commit()

    with pytest.raises(InvalidTransition, match="already approved"):
        services.approve(w.id, officer())
    db.session.rollback()
    assert len(enqueued.of(PAYOUT_JOB)) == 1


def test_four_eyes_needs_two_different_officers(app_ctx, enqueued):
    creator = make_creator(balance=200_000)
    w = _request(creator, 150_000)
    first, second = officer(), officer()

    services.approve(w.id, first)
    db.session.commit()
    assert reload(w.id).status == "requested"
    assert enqueued.calls == []

    with pytest.raises(DuplicateApproval, match="second officer"):
        services.approve(w.id, first)
    db.session.rollback()
    assert count(WithdrawalApproval) == 1

    services.approve(w.id, second)
    db.session.commit()
    approved = reload(w.id)
    assert approved.status == "approved"
    assert {a.officer_id for a in approved.approvals} == {first.id, second.id}
    assert enqueued.of(PAYOUT_JOB) == [(w.id,)]
    assert [a[0] for a in _actions(w.id)] == [
        "withdrawal_requested",
        "withdrawal_approval_recorded",
        "withdrawal_approved",
    ]


def test_four_eyes_threshold_comes_from_configuration(app_ctx, enqueued, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "FOUR_EYES_THRESHOLD", 5_000)
    creator = make_creator(balance=20_000)
    w = _request(creator, 5_001)

    services.approve(w.id, officer())
    db.session.commit()

    assert reload(w.id).status == "requested"


def test_bulk_approve_reports_each_withdrawal(app_ctx, enqueued):
    creator = make_creator(balance=500_000)
    small = [_request(creator) for _ in range(3)]
    large = _request(creator, 200_000)
    fin = officer()
    own = make_creator(balance=20_000, roles=(Role.FINANCE,))
    mine = _request(own)
    fin_own = own

    results = services.bulk_approve([small[2].id, small[0].id, small[1].id, large.id], fin)
    results += services.bulk_approve([mine.id], fin_own)
    db.session.commit()

    by_id = {r.withdrawal_id: r for r in results}
    assert [by_id[w.id].status for w in small] == ["approved"] * 3
    assert by_id[large.id].ok
    assert by_id[large.id].status == "requested"
    assert by_id[large.id].message == "needs a second approval"
    assert not by_id[mine.id].ok
    assert "own" in by_id[mine.id].message
    assert sorted(args[0] for args in enqueued.of(PAYOUT_JOB)) == sorted(w.id for w in small)
    assert reload(mine.id).status == "requested"


@pytest.mark.parametrize("unknown", [424242, 0, -1, 2**31, 10**20])
def test_bulk_approve_with_an_unknown_id_approves_none(app_ctx, enqueued, unknown):
    known = _request(make_creator(balance=20_000))

    with pytest.raises(WithdrawalNotFound, match=f"no withdrawal #{unknown}: nothing was approved"):
        services.bulk_approve([known.id, unknown], officer())
    db.session.rollback()

    assert reload(known.id).status == "requested"
    assert count(WithdrawalApproval) == 0
    assert enqueued.calls == []


def test_reject_returns_the_money_with_a_reason(app_ctx, enqueued):
    creator = make_creator(balance=20_000)
    w = _request(creator)
    fin = officer()

    services.reject(w.id, fin, "  Bank details under review  ")
    db.session.commit()

    rejected = reload(w.id)
    assert (rejected.status, rejected.reject_reason) == ("rejected", "Bank details under review")
    assert rejected.funds_returned_at is not None
    assert balances(creator.id)["available"] == 20_000
    assert balances(creator.id)["held"] == 0
    assert _actions(w.id)[-1] == ("withdrawal_rejected", "requested", "rejected", fin.id)
    assert enqueued.calls == []


@pytest.mark.parametrize("reason", ["", "  ", "no", "x" * 501, None])
def test_reject_needs_a_reason(app_ctx, reason):
    creator = make_creator(balance=20_000)
    w = _request(creator)

    with pytest.raises(InvalidReason):
        services.reject(w.id, officer(), reason)
    db.session.rollback()
    assert reload(w.id).status == "requested"
    assert balances(creator.id)["held"] == 10_000


def test_an_approved_withdrawal_can_still_be_rejected_before_it_is_paid(app_ctx, enqueued):
    creator = make_creator(balance=20_000)
    w = _request(creator)
    services.approve(w.id, officer())
    db.session.commit()

    services.reject(w.id, officer(), "Creator asked us to stop it")
    db.session.commit()

    assert reload(w.id).status == "rejected"
    assert balances(creator.id)["available"] == 20_000


def test_a_rejected_withdrawal_cannot_be_approved_or_rejected_again(app_ctx, enqueued):
    creator = make_creator(balance=20_000)
    w = _request(creator)
    services.reject(w.id, officer(), "Duplicate request")
    db.session.commit()

    with pytest.raises(IllegalTransition):
        services.approve(w.id, officer())
    db.session.rollback()
    with pytest.raises(IllegalTransition):
        services.reject(w.id, officer(), "Again")
    db.session.rollback()
    assert balances(creator.id)["available"] == 20_000


# --- PostgreSQL: two officers at the same moment ---------------------------------------------


def _at_once(app, calls) -> list[object]:
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[index] = calls[index]().status
                db.session.commit()
            except Exception as error:  # the outcome is what the test reads
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _officer_call(withdrawal_id: int, officer_id: int):
    from core.accounts.models import User

    return lambda: services.approve(withdrawal_id, db.session.get(User, officer_id))


@pytest.mark.postgres
def test_two_officers_approving_at_once_enqueue_one_payout(app, app_ctx, postgres_only, enqueued):
    creator = make_creator(balance=20_000)
    w = _request(creator)
    a, b = officer().id, officer().id

    results = _at_once(app, [_officer_call(w.id, a), _officer_call(w.id, b)])

    assert sorted(map(str, results)) == sorted(
        ["approved", f"Withdrawal #{w.id} is already approved."]
    )
    assert enqueued.of(PAYOUT_JOB) == [(w.id,)]
    assert count(WithdrawalApproval) == 1


@pytest.mark.postgres
def test_two_officers_approving_a_four_eyes_one_at_once_enqueue_one_payout(
    app, app_ctx, postgres_only, enqueued
):
    creator = make_creator(balance=200_000)
    w = _request(creator, 150_000)
    a, b = officer().id, officer().id

    results = _at_once(app, [_officer_call(w.id, a), _officer_call(w.id, b)])

    assert sorted(results) == ["approved", "requested"]
    assert enqueued.of(PAYOUT_JOB) == [(w.id,)]
    assert reload(w.id).status == "approved"


@pytest.mark.postgres
def test_one_officer_double_clicking_a_four_eyes_one_counts_once(
    app, app_ctx, postgres_only, enqueued
):
    creator = make_creator(balance=200_000)
    w = _request(creator, 150_000)
    a = officer().id

    results = _at_once(app, [_officer_call(w.id, a), _officer_call(w.id, a)])

    assert "requested" in results
    assert any(isinstance(r, DuplicateApproval) for r in results), results
    assert enqueued.calls == []
    assert count(WithdrawalApproval) == 1
