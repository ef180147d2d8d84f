"""The finance fraud queue: who may come in, what it shows, and the decisions it takes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from affiliate.creators.attribution.models import Commission, CommissionHold
from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from core.ledger.models import AccountKind
from core.ledger.services import owner_balances
from tests.conftest import post_form
from tests.factories import make_user
from tests.fraud.conftest import flags_of
from tests.two_factor import step_up


@pytest.fixture
def held_order(world):
    order = world.buy(world.creator)
    db.session.commit()
    return order


def _hold_id(order) -> int:
    return flags_of(order)[0].hold_id


def _officer(auth, *, stepped_up: bool = True):
    fin = make_user(Role.FINANCE)
    db.session.commit()
    auth.login(fin.email)
    if stepped_up:
        step_up(auth.client, fin.email)
    return fin


def _settle(client):
    db.session.commit()
    return client


@pytest.mark.parametrize("role", [Role.BUYER, Role.CREATOR, Role.SELLER])
def test_only_finance_may_open_the_queue(client, auth, held_order, role):
    user = make_user(role)
    db.session.commit()
    auth.login(user.email)

    assert client.get("/finance/fraud/").status_code == 403
    hold_id = _hold_id(held_order)
    response = post_form(client, f"/finance/fraud/{hold_id}/decide", {"decision": "release"})
    assert response.status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, held_order):
    assert client.get("/finance/fraud/").status_code in (302, 401)


def test_the_queue_shows_why_who_and_how_much(client, auth, world, held_order):
    _officer(auth)
    page = _settle(client).get("/finance/fraud/").get_data(as_text=True)

    assert "Self-purchase" in page
    assert "The buyer is the creator&#39;s own account." in page
    assert "Cleo Creator" in page
    assert world.shop.store.name in page
    assert "$1.00" in page  # 10% of $10.00
    assert f"order #{held_order.id}" in page
    assert "Fraud queue" in page  # the finance menu names it


def test_the_queue_filters_by_rule(client, auth, world, held_order):
    _officer(auth)
    page = _settle(client).get("/finance/fraud/?rule=brushing").get_data(as_text=True)
    assert "No commission is held by this rule" in page
    assert client.get("/finance/fraud/?rule=nonsense").status_code == 400


def test_releasing_with_a_reason_lets_it_settle_and_is_audited(client, auth, held_order):
    fin = _officer(auth)
    hold_id = _hold_id(held_order)

    response = post_form(
        _settle(client),
        f"/finance/fraud/{hold_id}/decide",
        {"decision": "release", "reason": "She bought it as a gift, checked with her"},
    )

    assert response.status_code == 302
    db.session.expire_all()
    hold = db.session.get(CommissionHold, hold_id)
    assert (hold.outcome, hold.closed_by_id) == ("released", fin.id)
    assert not db.session.get(Commission, hold.commission_id).held
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == fin.id)
    ).all()
    assert "commission.hold.fraud.released" in actions


def test_reversing_takes_the_commission_back_to_the_seller(client, auth, world, held_order):
    _officer(auth)
    hold_id = _hold_id(held_order)

    post_form(
        _settle(client),
        f"/finance/fraud/{hold_id}/decide",
        {"decision": "reverse", "reason": "Self-purchase confirmed"},
    )

    db.session.expire_all()
    commission = db.session.get(Commission, db.session.get(CommissionHold, hold_id).commission_id)
    assert commission.state == "reversed"
    assert owner_balances(world.creator.id, "USD").get(AccountKind.CREATOR_PENDING, 0) == 0


def test_reversing_asks_for_a_recent_step_up(client, auth, held_order):
    _officer(auth, stepped_up=False)
    hold_id = _hold_id(held_order)

    response = post_form(
        _settle(client),
        f"/finance/fraud/{hold_id}/decide",
        {"decision": "reverse", "reason": "Self-purchase confirmed"},
    )

    assert response.status_code == 302
    assert "confirm" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(CommissionHold, hold_id).is_open


@pytest.mark.parametrize(
    "data",
    [{"decision": "release"}, {"decision": "release", "reason": " "}, {"reason": "why not"}],
)
def test_a_decision_without_a_reason_or_a_choice_is_400(client, auth, held_order, data):
    _officer(auth)
    hold_id = _hold_id(held_order)

    response = post_form(_settle(client), f"/finance/fraud/{hold_id}/decide", data)

    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(CommissionHold, hold_id).is_open


def test_a_decision_without_csrf_is_400(client, auth, held_order):
    _officer(auth)
    response = _settle(client).post(
        f"/finance/fraud/{_hold_id(held_order)}/decide",
        data={"decision": "release", "reason": "fine"},
    )
    assert response.status_code == 400


def test_an_unknown_hold_is_404(client, auth, held_order):
    _officer(auth)
    data = {"decision": "release", "reason": "fine"}
    assert post_form(_settle(client), "/finance/fraud/999999/decide", data).status_code == 404
    assert post_form(client, f"/finance/fraud/{2**70}/decide", data).status_code == 404


def test_deciding_twice_is_409(client, auth, held_order):
    _officer(auth)
    hold_id = _hold_id(held_order)
    data = {"decision": "release", "reason": "fine"}
    post_form(_settle(client), f"/finance/fraud/{hold_id}/decide", data)

    assert post_form(client, f"/finance/fraud/{hold_id}/decide", data).status_code == 409


def test_bulk_release_decides_every_ticked_row(client, auth, world):
    orders = [world.buy(world.creator) for _ in range(2)]
    _officer(auth)
    ids = [_hold_id(order) for order in orders]

    response = post_form(
        _settle(client),
        "/finance/fraud/decide-selected",
        {"ids": ids, "decision": "release", "reason": "Staff testing the store"},
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert [db.session.get(CommissionHold, i).outcome for i in ids] == ["released"] * 2


def test_bulk_without_ticks_is_400(client, auth, held_order):
    _officer(auth)
    response = post_form(
        _settle(client), "/finance/fraud/decide-selected", {"decision": "release", "reason": "x y"}
    )
    assert response.status_code == 400


def test_the_queue_is_oldest_first_and_paginated(client, auth, world):
    orders = [world.buy(world.creator) for _ in range(3)]
    hold_ids = [_hold_id(order) for order in orders]
    for age, hold_id in zip((1, 3, 2), hold_ids, strict=True):
        hold = db.session.get(CommissionHold, hold_id)
        hold.opened_at = hold.opened_at - timedelta(days=age)
    db.session.commit()
    _officer(auth)

    from affiliate.fraud import queries

    page = queries.queue(per_page=2)
    assert [row.commission.order_id for row in page.items] == [orders[1].id, orders[2].id]
    assert (page.total, page.pages) == (3, 2)
