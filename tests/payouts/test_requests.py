"""Requesting a withdrawal: the amount is held at once, in one guarded ledger entry; bad input
is refused with a clear message and writes nothing; one form submitted twice is one request."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from affiliate.payouts import services
from affiliate.payouts.exceptions import (
    InsufficientBalance,
    InvalidAmount,
    InvalidRequestToken,
    NotAllowed,
    PayoutAccountNotReady,
)
from affiliate.payouts.models import PayoutAccount, Withdrawal
from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from core.ledger.models import LedgerEntry
from core.notifications.models import Notification
from tests.factories import make_user
from tests.payouts.helpers import balances, count, fund, make_creator, token


def _nothing_written() -> None:
    db.session.rollback()
    assert count(Withdrawal) == 0
    holds = select(LedgerEntry).where(LedgerEntry.kind == "withdrawal_hold")
    assert db.session.scalars(holds).all() == []


def test_request_holds_the_amount_and_records_fee_and_net(app_ctx):
    creator = make_creator(balance=15_000)

    w = services.request_withdrawal(creator.id, 10_000, request_token=token())
    db.session.commit()

    assert (w.status, w.amount, w.fee, w.net, w.fee_bps) == ("requested", 10_000, 200, 9_800, 200)
    assert w.needs_two_approvals is False
    assert balances(creator.id)["available"] == 5_000
    assert balances(creator.id)["held"] == 10_000
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.subject_type == "withdrawal")
    ).one()
    assert (event.action, event.actor_id, event.from_state, event.to_state) == (
        "withdrawal_requested",
        creator.id,
        None,
        "requested",
    )
    notice = db.session.scalars(
        select(Notification).where(Notification.user_id == creator.id)
    ).all()[-1]
    assert "$98.00" in notice.message
    assert notice.link == f"/creator/withdrawals/{w.id}"


def test_the_same_token_twice_is_one_withdrawal(app_ctx):
    creator = make_creator(balance=50_000)
    once = token()

    first = services.request_withdrawal(creator.id, 10_000, request_token=once)
    db.session.commit()
    second = services.request_withdrawal(creator.id, 10_000, request_token=once)
    db.session.commit()

    assert second.id == first.id
    assert count(Withdrawal) == 1
    assert balances(creator.id)["held"] == 10_000


def test_a_used_token_with_another_amount_is_refused(app_ctx):
    creator = make_creator(balance=50_000)
    once = token()
    services.request_withdrawal(creator.id, 10_000, request_token=once)
    db.session.commit()

    with pytest.raises(InvalidRequestToken, match="already used"):
        services.request_withdrawal(creator.id, 12_000, request_token=once)


@pytest.mark.parametrize("bad", ["", "short", "x" * 65, "has spaces in it!!!!", None])
def test_a_missing_or_malformed_token_is_refused(app_ctx, bad):
    creator = make_creator(balance=50_000)

    with pytest.raises(InvalidRequestToken):
        services.request_withdrawal(creator.id, 10_000, request_token=bad)
    _nothing_written()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (-500, "more than zero"),
        (0, "more than zero"),
        (999, r"smallest withdrawal is \$10\.00"),
        (10.5, "whole number of cents"),
        ("1000", "whole number of cents"),
        (True, "whole number of cents"),
        (None, "whole number of cents"),
    ],
)
def test_bad_amounts_are_refused_and_nothing_is_written(app_ctx, amount, message):
    creator = make_creator(balance=50_000)

    with pytest.raises(InvalidAmount, match=message):
        services.request_withdrawal(creator.id, amount, request_token=token())
    _nothing_written()
    assert balances(creator.id)["available"] == 50_000


def test_more_than_available_is_refused_and_nothing_is_written(app_ctx):
    creator = make_creator(balance=5_000)

    with pytest.raises(InsufficientBalance, match=r"asked for \$50\.01 but \$50\.00 is available"):
        services.request_withdrawal(creator.id, 5_001, request_token=token())
    _nothing_written()
    assert balances(creator.id) == {"available": 5_000, "held": 0, "clearing": 0, "fees": 0}


def test_a_negative_balance_after_a_clawback_allows_no_withdrawal(app_ctx):
    from tests.payouts.helpers import claw_back

    creator = make_creator(balance=2_000)
    claw_back(creator.id, 3_000)

    with pytest.raises(InsufficientBalance, match=r"but \$0\.00 is available"):
        services.request_withdrawal(creator.id, 1_000, request_token=token())
    _nothing_written()


def test_no_withdrawal_without_a_ready_payout_account(app_ctx):
    creator = make_creator(balance=50_000, last4=None)

    with pytest.raises(PayoutAccountNotReady):
        services.request_withdrawal(creator.id, 10_000, request_token=token())
    _nothing_written()

    make_creator()  # another creator's account is not theirs
    account = db.session.scalars(select(PayoutAccount)).one()
    account.status = "restricted"
    db.session.commit()
    with pytest.raises(PayoutAccountNotReady):
        services.request_withdrawal(account.creator_id, 10_000, request_token=token())


def test_only_creators_withdraw(app_ctx):
    buyer = make_user(Role.BUYER)
    fund(buyer.id, 50_000)

    with pytest.raises(NotAllowed):
        services.request_withdrawal(buyer.id, 10_000, request_token=token())
    _nothing_written()


def test_above_the_threshold_needs_two_approvals(app_ctx):
    creator = make_creator(balance=500_000)

    at = services.request_withdrawal(creator.id, 100_000, request_token=token())
    above = services.request_withdrawal(creator.id, 100_001, request_token=token())

    assert (at.needs_two_approvals, above.needs_two_approvals) == (False, True)


# --- PostgreSQL: real concurrency ------------------------------------------------------------


def _in_threads(app, count_: int, work) -> list[object]:
    barrier = threading.Barrier(count_)
    results: list[object] = [None] * count_

    def run(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[index] = work(index)
                db.session.commit()
            except Exception as error:  # the outcome is what the test reads
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count_)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
def test_twenty_concurrent_requests_against_a_balance_for_five_create_exactly_five(
    app, app_ctx, postgres_only
):
    creator = make_creator(balance=5 * 2_000 + 1_999)
    creator_id = creator.id
    db.session.commit()

    results = _in_threads(
        app,
        20,
        lambda i: services.request_withdrawal(creator_id, 2_000, request_token=token()).id,
    )

    made = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, InsufficientBalance)]
    assert (len(made), len(refused)) == (5, 15), results
    assert count(Withdrawal) == 5
    assert balances(creator_id)["available"] == 1_999
    assert balances(creator_id)["held"] == 10_000


@pytest.mark.postgres
def test_the_same_token_from_two_threads_at_once_is_one_withdrawal(app, app_ctx, postgres_only):
    creator = make_creator(balance=50_000)
    creator_id = creator.id
    once = token()

    results = _in_threads(
        app, 4, lambda i: services.request_withdrawal(creator_id, 10_000, request_token=once).id
    )

    assert len(set(results)) == 1, results
    assert count(Withdrawal) == 1
    assert balances(creator_id)["held"] == 10_000
