"""A creator claims a missing commission (upheld: created at the rate that applied, one earned
entry, settles with its order) or contests a reversal or clawback (upheld: paid back, one
``COMMISSION_RESTORED`` entry). Rejections move nothing. The conftest checks the ledger."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from affiliate.creators.attribution import commissions, holds
from affiliate.creators.attribution.models import Commission, HoldSource
from affiliate.disputes import claims, decisions, services
from affiliate.disputes.exceptions import CaseAlreadyOpen, ClaimInvalid, NotContestable
from core.accounts.models import Role
from core.extensions import db
from core.ledger.models import AccountKind, EntryKind
from core.money import percent_of
from shop.orders.models import OrderLine
from tests.creators.attribution.test_commissions import complete, creator_balances, deliver
from tests.disputes.conftest import RATE, count_entries, entries, video_of
from tests.factories import make_user
from tests.shop.factories import Shop


def _claim(creator, order, product, **kwargs):
    dispute = claims.open_missing_claim(
        creator_id=creator.id,
        order_id=kwargs.pop("order_id", None) or order.id,
        product_id=kwargs.pop("product_id", product.id),
        content_id=kwargs.pop("content_id", None) or video_of(creator).id,
        reason=kwargs.pop("reason", "The buyer told me she came from my video"),
        links="https://videos.example.com/1",
    )
    db.session.commit()
    return dispute


def test_an_upheld_claim_creates_the_commission_at_the_rate_that_applied(planned, creator, officer):
    order = planned.paid()  # bought without the creator's link
    dispute = _claim(creator, order, planned.product)
    line = db.session.get(OrderLine, dispute.order_line_id)
    assert dispute.amount == percent_of(line.amount, RATE)
    assert count_entries(EntryKind.COMMISSION_EARNED.value) == 0  # nothing moves on a claim
    decisions.decide(dispute.id, officer_id=officer.id, uphold=True, reason="Her post shows it")
    db.session.commit()
    commission = db.session.get(Commission, dispute.commission_id)
    assert (commission.rate_bps, commission.amount, commission.state) == (
        RATE,
        dispute.amount,
        "pending",
    )
    earned = entries(EntryKind.COMMISSION_EARNED.value)
    assert [(e.cause_type, e.cause_id) for e in earned] == [("dispute", str(dispute.id))]
    assert sum(p.amount for p in earned[0].postings) == 0
    assert creator_balances(creator)[AccountKind.CREATOR_PENDING] == commission.amount
    complete(order)
    db.session.refresh(commission)
    assert commission.state == "settled"


def test_a_claim_upheld_after_the_order_completed_settles_at_once(planned, creator, officer):
    order = planned.paid()
    dispute = _claim(creator, order, planned.product)
    complete(order)
    decisions.decide(dispute.id, officer_id=officer.id, uphold=True, reason="Checked")
    db.session.commit()
    commission = db.session.get(Commission, dispute.commission_id)
    assert commission.state == "settled"
    assert creator_balances(creator)[AccountKind.CREATOR_AVAILABLE] == commission.amount


def test_a_rejected_claim_moves_nothing(planned, creator, officer):
    order = planned.paid()
    dispute = _claim(creator, order, planned.product)
    decisions.decide(dispute.id, officer_id=officer.id, uphold=False, reason="No link used")
    db.session.commit()
    assert (dispute.state, dispute.commission_id) == ("rejected", None)
    assert count_entries(EntryKind.COMMISSION_EARNED.value) == 0


def test_a_claim_for_an_order_that_does_not_exist_is_refused(planned, creator):
    with pytest.raises(ClaimInvalid) as refused:
        _claim(creator, None, planned.product, order_id=999_999)
    assert refused.value.field == "order_number"


def test_a_claim_on_a_store_whose_plan_she_is_not_in_reads_the_same(app_ctx, creator):
    other = Shop()
    order = other.paid()
    with pytest.raises(ClaimInvalid, match="No order #"):
        _claim(creator, order, other.product)


def test_a_claim_for_an_unpaid_order_is_refused(planned, creator):
    order = planned.place()
    with pytest.raises(ClaimInvalid, match="not a paid order"):
        _claim(creator, order, planned.product)


def test_a_claim_for_a_line_that_earned_already_is_refused(earned, planned, creator):
    order, _commissions = earned
    with pytest.raises(ClaimInvalid, match="already has a commission"):
        _claim(creator, order, planned.product)


def test_a_claim_must_name_her_own_content(planned, creator):
    order = planned.paid()
    someone = make_user(Role.CREATOR)
    db.session.commit()
    with pytest.raises(ClaimInvalid) as refused:
        _claim(creator, order, planned.product, content_id=video_of(someone).id)
    assert refused.value.field == "content_id"


def test_two_claims_take_the_two_lines_of_the_product_then_refuse(planned, creator):
    order = planned.paid()  # two variants of one product: two lines
    first = _claim(creator, order, planned.product)
    second = _claim(creator, order, planned.product)
    assert first.order_line_id != second.order_line_id
    with pytest.raises(CaseAlreadyOpen):
        _claim(creator, order, planned.product)


def test_an_upheld_contest_of_a_reversal_pays_it_back_to_pending(earned, planned, creator, officer):
    order, (first, _second) = earned
    hold = holds.place_hold(first, source=HoldSource.FRAUD, reason="Brushing")
    holds.reverse_held(hold, reason="Looks like brushing")
    db.session.commit()
    pending_before = creator_balances(creator)[AccountKind.CREATOR_PENDING]
    dispute = services.open_reversal_contest(first.id, creator_id=creator.id, reason="A real fan")
    db.session.commit()
    assert dispute.amount == first.amount
    decisions.decide(dispute.id, officer_id=officer.id, uphold=True, reason="Verified buyer")
    db.session.commit()
    db.session.refresh(first)
    assert (first.state, first.reversed_amount) == ("pending", 0)
    restored = entries(EntryKind.COMMISSION_RESTORED.value)
    assert len(restored) == 1
    assert sum(p.amount for p in restored[0].postings) == 0
    assert creator_balances(creator)[AccountKind.CREATOR_PENDING] == pending_before + first.amount
    complete(order)
    db.session.refresh(first)
    assert first.state == "settled"


def test_an_upheld_contest_of_a_clawback_pays_it_back_to_available(
    earned, planned, creator, officer
):
    order, (first, _second) = earned
    complete(order)
    line = next(x for x in order.lines if x.id == first.order_line_id)
    taken = commissions.take_back(order, line, line.amount)
    db.session.commit()
    available = creator_balances(creator)[AccountKind.CREATOR_AVAILABLE]
    dispute = services.open_reversal_contest(first.id, creator_id=creator.id, reason="Not refunded")
    decisions.decide(dispute.id, officer_id=officer.id, uphold=True, reason="Refund was an error")
    db.session.commit()
    db.session.refresh(first)
    assert (first.state, first.net_amount) == ("settled", first.amount)
    assert creator_balances(creator)[AccountKind.CREATOR_AVAILABLE] == available + taken


def test_a_rejected_contest_of_a_reversal_moves_nothing(earned, planned, creator, officer):
    order, (first, _second) = earned
    line = next(x for x in deliver(order).lines if x.id == first.order_line_id)
    commissions.take_back(order, line, line.amount)
    db.session.commit()
    dispute = services.open_reversal_contest(first.id, creator_id=creator.id, reason="Unfair")
    decisions.decide(
        dispute.id, officer_id=officer.id, uphold=False, reason="The buyer returned it"
    )
    db.session.commit()
    db.session.refresh(first)
    assert first.state == "reversed"
    assert count_entries(EntryKind.COMMISSION_RESTORED.value) == 0


def test_a_pending_commission_is_no_reversal_to_contest(earned, creator):
    _order, (first, _second) = earned
    with pytest.raises(NotContestable):
        services.open_reversal_contest(first.id, creator_id=creator.id, reason="Why")


def test_another_creators_commission_cannot_be_contested(earned, app_ctx):
    _order, (first, _second) = earned
    someone = make_user(Role.CREATOR)
    db.session.commit()
    with pytest.raises(NotContestable):
        services.open_reversal_contest(first.id, creator_id=someone.id, reason="Mine")


def test_the_creators_commission_lines_show_her_claimed_commission(planned, creator, officer):
    order = planned.paid()
    dispute = _claim(creator, order, planned.product)
    decisions.decide(dispute.id, officer_id=officer.id, uphold=True, reason="Fine")
    db.session.commit()
    mine = db.session.scalars(select(Commission).where(Commission.creator_id == creator.id)).all()
    assert [c.id for c in mine] == [dispute.commission_id]
