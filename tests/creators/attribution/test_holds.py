"""Commission holds: a held pending commission does not settle until its holds close;
release lets it settle, reverse takes it back in one entry (the conftest checks the ledger)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from affiliate.creators.attribution import holds
from affiliate.creators.attribution.commissions import take_back
from affiliate.creators.attribution.exceptions import HoldClosed, NotHoldable
from affiliate.creators.attribution.models import CommissionHold, HoldSource
from affiliate.creators.attribution.settlement import expected_settlement
from core.audit.models import AuditEvent
from core.extensions import db
from core.ledger.models import AccountKind, EntryKind, LedgerEntry
from tests.creators.attribution.test_commissions import (
    attributed_order,
    commissions_of,
    complete,
    creator,  # noqa: F401 - fixture
    creator_balances,
    shop,  # noqa: F401 - fixture
)
from tests.creators.factories import showcase, store_plan
from tests.shop.factories import pay


@pytest.fixture
def earned(shop, creator):  # noqa: F811 - fixtures by name
    store_plan(shop.store, 1000)
    showcase(creator.id, shop.product)
    order = pay(attributed_order(shop, creator))
    return order, commissions_of(order)


def _hold(commission, source=HoldSource.DISPUTE):
    hold = holds.place_hold(commission, source=source, reason="Looks like brushing")
    db.session.commit()
    return hold


def test_a_held_commission_does_not_settle_when_its_order_completes(earned, creator):  # noqa: F811
    order, (first, second) = earned
    _hold(first)
    complete(order)
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.state, second.state) == ("pending", "settled")
    assert creator_balances(creator)[AccountKind.CREATOR_PENDING] == first.amount


def test_releasing_the_last_hold_settles_a_completed_order_at_once(earned, creator):  # noqa: F811
    order, (first, _second) = earned
    hold = _hold(first)
    complete(order)
    assert holds.release_hold(hold, reason="Checked: a real buyer") is True
    db.session.commit()
    assert (first.state, first.held_at) == ("settled", None)
    assert creator_balances(creator).get(AccountKind.CREATOR_PENDING, 0) == 0


def test_releasing_before_completion_leaves_it_pending_to_settle_as_usual(earned):
    order, (first, _second) = earned
    hold = _hold(first)
    assert holds.release_hold(hold, reason="Fine") is False
    db.session.commit()
    assert (first.state, first.held_at) == ("pending", None)
    complete(order)
    db.session.refresh(first)
    assert first.state == "settled"


def test_one_open_hold_of_two_keeps_the_commission_held(earned):
    order, (first, _second) = earned
    dispute = _hold(first)
    _hold(first, HoldSource.FRAUD)
    complete(order)
    assert holds.release_hold(dispute, reason="Seller withdrew") is False
    db.session.commit()
    assert (first.state, first.held) == ("pending", True)


def test_reversing_a_hold_returns_the_commission_to_the_seller_in_one_entry(earned, creator):  # noqa: F811
    _order, (first, second) = earned
    hold = _hold(first)
    _hold(first, HoldSource.FRAUD)
    amount = holds.reverse_held(hold, reason="Same address as the creator")
    db.session.commit()
    assert amount == first.amount
    assert (first.state, first.net_amount, first.held_at) == ("reversed", 0, None)
    assert holds.open_holds(first.id) == []
    reversal = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.kind == EntryKind.COMMISSION_REVERSED.value)
    ).one()
    assert sum(p.amount for p in reversal.postings) == 0
    assert creator_balances(creator)[AccountKind.CREATOR_PENDING] == second.amount


def test_a_decided_hold_cannot_be_decided_again(earned):
    _order, (first, _second) = earned
    hold = _hold(first)
    holds.reverse_held(hold, reason="Fraud")
    db.session.commit()
    with pytest.raises(HoldClosed):
        holds.release_hold(hold, reason="Oops")
    with pytest.raises(HoldClosed):
        holds.reverse_held(hold, reason="Again")
    assert (
        db.session.scalar(
            select(func.count(LedgerEntry.id)).where(
                LedgerEntry.kind == EntryKind.COMMISSION_REVERSED.value
            )
        )
        == 1
    )


def test_only_a_pending_commission_can_be_held(earned):
    order, (first, _second) = earned
    complete(order)
    db.session.refresh(first)
    with pytest.raises(NotHoldable):
        holds.place_hold(first, source=HoldSource.FRAUD, reason="Late")


def test_a_refund_of_a_held_commission_closes_its_holds(earned):
    order, (first, _second) = earned
    _hold(first)
    line = next(line for line in order.lines if line.id == first.order_line_id)
    take_back(order, line, line.amount)
    db.session.commit()
    hold = db.session.scalars(select(CommissionHold)).one()
    assert (first.state, first.held_at, hold.outcome) == ("reversed", None, "reversed")


def test_every_hold_step_is_audited(earned):
    _order, (first, _second) = earned
    hold = _hold(first)
    holds.release_hold(hold, reason="Fine")
    db.session.commit()
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"commission.hold.dispute", "commission.hold.dispute.released"} <= actions


def test_a_held_commission_expects_no_settlement_date():
    expected = expected_settlement("pending", delivered_at=None, settled_at=None, held=True)
    assert expected is not None
    assert not expected.known
    assert expected.rule == "on hold until finance decides"
