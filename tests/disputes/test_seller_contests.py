"""A seller contests a pending commission as fraud: the case holds it (it does not settle at
the order clock); finance upholds (reversed, one entry) or rejects (released, settles)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from affiliate.creators.attribution.commissions import take_back
from affiliate.creators.attribution.models import CommissionHold
from affiliate.disputes import decisions, services
from affiliate.disputes.exceptions import (
    CaseAlreadyOpen,
    CaseClosed,
    DisputeError,
    NotContestable,
    NotYourCase,
)
from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from core.ledger.models import AccountKind, EntryKind
from core.notifications.models import Notification
from tests.creators.attribution.test_commissions import complete, creator_balances, deliver
from tests.disputes.conftest import count_entries, entries
from tests.factories import make_user


def _contest(shop, commission, **kwargs):
    dispute = services.open_seller_contest(
        commission.id,
        seller_id=shop.seller.id,
        reason=kwargs.pop("reason", "Same address as the creator"),
        evidence=kwargs.pop("evidence", "The buyer's address is the creator's studio."),
        links=kwargs.pop("links", "https://example.com/proof.png"),
        **kwargs,
    )
    db.session.commit()
    return dispute


def test_a_contested_commission_is_held_and_does_not_settle_at_the_order_clock(
    earned, planned, creator
):
    order, (first, second) = earned
    dispute = _contest(planned, first)
    complete(order)
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.state, first.held, second.state) == ("pending", True, "settled")
    assert dispute.hold_id is not None
    assert creator_balances(creator)[AccountKind.CREATOR_PENDING] == first.amount


def test_upholding_a_contest_reverses_the_commission_in_one_balanced_entry(
    earned, planned, officer, creator
):
    _order, (first, _second) = earned
    dispute = _contest(planned, first)
    receivable = planned.receivable()
    decisions.decide(
        dispute.id, officer_id=officer.id, uphold=True, reason="Self-purchase confirmed"
    )
    db.session.commit()
    db.session.refresh(first)
    assert (dispute.state, first.state, first.net_amount) == ("upheld", "reversed", 0)
    reversal = entries(EntryKind.COMMISSION_REVERSED.value)
    assert len(reversal) == 1
    assert sum(p.amount for p in reversal[0].postings) == 0
    assert planned.receivable() == receivable + first.amount  # back to the store
    assert dispute.answer == "Self-purchase confirmed"


def test_rejecting_a_contest_releases_the_hold_and_settles_a_completed_order_at_once(
    earned, planned, officer, creator
):
    order, (first, _second) = earned
    dispute = _contest(planned, first)
    complete(order)
    decisions.decide(
        dispute.id, officer_id=officer.id, uphold=False, reason="A real buyer, checked"
    )
    db.session.commit()
    db.session.refresh(first)
    assert (dispute.state, first.state, first.held) == ("rejected", "settled", False)
    assert creator_balances(creator).get(AccountKind.CREATOR_PENDING, 0) == 0


def test_rejecting_before_completion_leaves_it_to_settle_with_its_order(earned, planned, officer):
    order, (first, _second) = earned
    dispute = _contest(planned, first)
    decisions.decide(dispute.id, officer_id=officer.id, uphold=False, reason="No evidence")
    db.session.commit()
    assert (first.state, first.held) == ("pending", False)
    complete(order)
    db.session.refresh(first)
    assert first.state == "settled"


def test_a_case_cannot_be_decided_twice(earned, planned, officer):
    _order, (first, _second) = earned
    dispute = _contest(planned, first)
    decisions.decide(dispute.id, officer_id=officer.id, uphold=True, reason="Fraud")
    db.session.commit()
    with pytest.raises(CaseClosed):
        decisions.decide(dispute.id, officer_id=officer.id, uphold=False, reason="Changed my mind")
    db.session.rollback()
    assert count_entries(EntryKind.COMMISSION_REVERSED.value) == 1


def test_a_decision_needs_a_reason(earned, planned, officer):
    _order, (first, _second) = earned
    dispute = _contest(planned, first)
    with pytest.raises(DisputeError) as refused:
        decisions.decide(dispute.id, officer_id=officer.id, uphold=True, reason="  ")
    assert refused.value.field == "reason"


def test_only_one_case_is_open_per_commission(earned, planned):
    _order, (first, _second) = earned
    _contest(planned, first)
    with pytest.raises(CaseAlreadyOpen):
        _contest(planned, first)


def test_a_settled_commission_cannot_be_contested(earned, planned):
    order, (first, _second) = earned
    complete(order)
    db.session.refresh(first)
    with pytest.raises(NotContestable):
        _contest(planned, first)


def test_another_stores_commission_cannot_be_contested(earned, planned, app_ctx):
    _order, (first, _second) = earned
    stranger = make_user(Role.SELLER)
    db.session.commit()
    with pytest.raises(NotContestable):
        services.open_seller_contest(first.id, seller_id=stranger.id, reason="Looks odd")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"links": "javascript:alert(1)"}, "links"),
        ({"links": "\n".join(f"https://e.com/{i}" for i in range(6))}, "links"),
        ({"evidence": "y" * 4001}, "evidence"),
    ],
)
def test_bad_input_is_refused_with_its_field(earned, planned, kwargs, field):
    _order, (first, _second) = earned
    with pytest.raises(DisputeError) as refused:
        _contest(planned, first, **kwargs)
    assert refused.value.field == field
    db.session.rollback()
    assert first.held_at is None


def test_withdrawing_a_contest_releases_the_hold(earned, planned, officer):
    order, (first, _second) = earned
    dispute = _contest(planned, first)
    services.withdraw(dispute.id, actor_id=planned.seller.id, reason="Sorted it out with her")
    db.session.commit()
    assert (dispute.state, first.held) == ("withdrawn", False)
    complete(order)
    db.session.refresh(first)
    assert first.state == "settled"


def test_only_the_opener_may_withdraw(earned, planned, creator):
    _order, (first, _second) = earned
    dispute = _contest(planned, first)
    with pytest.raises(NotYourCase):
        services.withdraw(dispute.id, actor_id=creator.id)


def test_an_officer_who_is_a_party_cannot_decide(earned, planned):
    _order, (first, _second) = earned
    dispute = _contest(planned, first)
    with pytest.raises(decisions.OfficerIsParty):
        decisions.decide(dispute.id, officer_id=planned.seller.id, uphold=True, reason="Mine")


def test_a_refund_of_the_contested_line_leaves_nothing_to_decide(earned, planned, officer):
    order, (first, _second) = earned
    dispute = _contest(planned, first)
    line = next(line for line in deliver(order).lines if line.id == first.order_line_id)
    take_back(order, line, line.amount)
    db.session.commit()
    decisions.decide(dispute.id, officer_id=officer.id, uphold=True, reason="Fraud anyway")
    db.session.commit()
    assert dispute.state == "upheld"
    assert count_entries(EntryKind.COMMISSION_REVERSED.value) == 1  # the refund's, only


def test_every_step_is_audited_and_on_the_timeline(earned, planned, officer, creator):
    _order, (first, _second) = earned
    dispute = _contest(planned, first)
    services.add_comment(
        dispute.id, author_id=creator.id, party=services.Party.CREATOR, body="I did not buy it."
    )
    decisions.decide(dispute.id, officer_id=officer.id, uphold=False, reason="No proof")
    db.session.commit()
    actions = set(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "dispute"))
    )
    assert actions == {
        "dispute.opened.seller_contest",
        "dispute.comment",
        "dispute.decided.rejected",
    }
    assert [e.kind for e in dispute.events] == ["opened", "comment", "decided"]
    hold = db.session.get(CommissionHold, dispute.hold_id)
    assert hold.outcome == "released"


def test_the_other_side_and_finance_are_told(earned, planned, officer, creator):
    _order, (first, _second) = earned
    dispute = _contest(planned, first)
    told = set(
        db.session.scalars(select(Notification.user_id).where(Notification.kind == "dispute"))
    )
    assert {creator.id, officer.id} <= told
    assert planned.seller.id not in told
    assert dispute.answer_by > dispute.opened_at
