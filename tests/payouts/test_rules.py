"""The payouts' rules: the 2% withdrawal fee (half-up to the cent, taken from the amount, from
configuration), amounts as creators type them, and what each finance officer's pages offer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from affiliate.payouts import services
from affiliate.payouts.exceptions import InvalidAmount
from affiliate.payouts.rules import fee_for, officer_actions, parse_withdrawal_amount
from core.accounts.models import Role
from core.extensions import db
from tests.payouts.helpers import make_creator, officer, reload, token


@given(amount=st.integers(min_value=1, max_value=100_000_000))
def test_fee_plus_net_is_the_amount_for_every_amount_up_to_a_million_dollars(app, amount):
    with app.app_context():
        fee, net = fee_for(amount)

    assert fee + net == amount
    assert fee >= 0
    assert net > 0
    # 2% half-up: exactly the nearest cent, a half cent going up.
    assert abs(fee * 10_000 - amount * 200) <= 5_000
    assert fee == (amount * 200 + 5_000) // 10_000


@pytest.mark.parametrize(
    ("amount", "fee", "net"),
    [
        (10_000, 200, 9_800),  # $100.00 → $2.00 fee, $98.00 received
        (1_000, 20, 980),
        (25, 1, 24),  # 0.5 cent rounds up
        (24, 0, 24),  # 0.48 cent rounds down
        (75, 2, 73),  # 1.5 cents rounds up
        (1, 0, 1),
        (100_000_000, 2_000_000, 98_000_000),
    ],
)
def test_worked_examples_of_the_fee(app_ctx, amount, fee, net):
    assert fee_for(amount) == (fee, net)


def test_the_fee_rate_comes_from_configuration(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "WITHDRAWAL_FEE_BPS", 350)

    assert fee_for(10_000) == (350, 9_650)
    assert fee_for(10_000, bps=0) == (0, 10_000)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5", "more than zero"),
        ("0", "more than zero"),
        ("0.00", "more than zero"),
        ("9.99", "smallest"),
        ("10.005", "not an amount"),
        ("ten", "not an amount"),
        ("", "not an amount"),
        ("1e5", "not an amount"),
        ("12,50", "not an amount"),
        ("NaN", "not an amount"),
    ],
)
def test_typed_amounts_that_are_not_whole_cents_or_too_small_are_refused(app_ctx, text, message):
    with pytest.raises(InvalidAmount, match=message):
        parse_withdrawal_amount(text)


@pytest.mark.parametrize(
    ("text", "cents"), [("100", 10_000), ("100.5", 10_050), ("1,000.00", 100_000), ("10", 1_000)]
)
def test_typed_amounts_read_as_cents(app_ctx, text, cents):
    assert parse_withdrawal_amount(text) == cents


# ---------------------------------------------------------------------------- officer actions


def _requested(amount: int = 10_000, **creator):
    creator_user = make_creator(balance=300_000, **creator)
    w = services.request_withdrawal(creator_user.id, amount, request_token=token())
    db.session.commit()
    return creator_user, w


def _offered(actions) -> set[str]:
    """The names of the actions that are open (the true booleans)."""
    return {name for name, value in vars(actions).items() if value is True}


def test_a_requested_withdrawal_offers_approve_and_reject_to_another_officer(app_ctx):
    _, w = _requested()
    fin = officer()

    assert _offered(officer_actions(w, fin.id)) == {
        "in_review",
        "open_decision",
        "can_approve",
        "can_reject",
    }


def test_an_officers_own_withdrawal_offers_them_nothing_to_decide(app_ctx):
    both, w = _requested(roles=(Role.FINANCE,))

    actions = officer_actions(w, both.id)

    assert _offered(actions) == {"own", "in_review", "open_decision"}


def test_four_eyes_offers_the_second_approval_to_another_officer_only(app_ctx, enqueued):
    _, w = _requested(150_000)  # above the $1,000 threshold
    first, second = officer(), officer()
    assert officer_actions(w, first.id).first_of_two

    services.approve(w.id, first)
    db.session.commit()
    w = reload(w.id)

    mine = officer_actions(w, first.id)
    theirs = officer_actions(w, second.id)
    assert (mine.can_approve, mine.approved_already, mine.awaiting_second) == (False, True, True)
    assert (theirs.can_approve, theirs.first_of_two, theirs.awaiting_second) == (True, False, True)
    assert mine.can_reject
    assert theirs.can_reject


def test_a_paid_withdrawal_offers_nothing(app_ctx):
    _, w = _requested()
    services.approve(w.id, officer())
    db.session.commit()  # in-process: paid at once
    w = reload(w.id)
    assert w.status == "paid"

    assert _offered(officer_actions(w, officer().id)) == set()


@pytest.mark.parametrize(
    ("last4", "return_funds"),
    [("0002", False), ("0004", True)],  # declined: funds back at once; unreachable: still held
    ids=["declined", "unreachable"],
)
def test_a_failed_withdrawal_offers_retry_and_returning_funds_still_held(
    app_ctx, last4, return_funds
):
    _, w = _requested(last4=last4)
    services.approve(w.id, officer())
    db.session.commit()  # in-process: the provider declines or stays down
    w = reload(w.id)
    assert w.status == "failed"

    actions = officer_actions(w, officer().id)

    assert (actions.can_retry, actions.can_return_funds) == (True, return_funds)
    assert _offered(actions) == {"open_decision", "can_retry"} | (
        {"can_return_funds"} if return_funds else set()
    )
