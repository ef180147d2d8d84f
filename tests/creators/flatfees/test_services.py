"""Flat fees: held on acceptance, paid on approval (or at the review deadline), returned on
decline and when the offer closes; one ledger entry per step, never two."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from affiliate.creators.content.models import ContentStatus
from affiliate.creators.flatfees import jobs, services, submissions
from affiliate.creators.flatfees.exceptions import (
    InvalidDecision,
    InvalidOffer,
    NotFound,
    OfferNotAllowed,
    SellerBalanceShort,
    SubmissionRefused,
)
from affiliate.creators.flatfees.models import (
    FlatFeeHold,
    FlatFeeOffer,
    HoldStatus,
    OfferStatus,
    SubmissionStatus,
)
from affiliate.plans import memberships
from affiliate.plans import services as plan_services
from affiliate.plans.models import MembershipStatus, PlanKind
from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from core.ledger.checks import check_ledger
from core.ledger.models import EntryKind, LedgerEntry
from core.notifications.models import Notification
from core.states import IllegalTransition
from core.types import utcnow
from tests.creators.factories import make_plan, member, targeted_plan
from tests.creators.flatfees.helpers import balances, fund, invite, offer, video, world
from tests.factories import make_user
from tests.shop.factories import make_product

pytestmark = pytest.mark.usefixtures("app_ctx")


def entries(kind: EntryKind) -> int:
    return db.session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == kind))


def accept(w, creator=None):
    membership = invite(w, creator)
    memberships.respond_to_invitation(membership.id, membership.creator_id, accept=True)
    db.session.commit()
    return membership


def submitted(w, title="Unboxing", now=None):
    hold = db.session.scalar(select(FlatFeeHold).where(FlatFeeHold.creator_id == w.creator.id))
    made = submissions.submit(hold.id, w.creator.id, video(w, title=title).id, now=now)
    db.session.commit()
    return made


# --- the offer and the hold --------------------------------------------------------------------


def test_accepting_holds_the_fee_of_every_offered_piece_in_one_entry():
    w = world(balance=100_000)
    offer(w, amount=5_000, pieces=3)

    accept(w)

    assert balances(w.seller.id)["seller_receivable"] == 85_000
    assert balances(w.seller.id)["seller_held"] == 15_000
    assert entries(EntryKind.FLAT_FEE_HELD) == 1
    assert check_ledger().ok


def test_an_offer_on_a_plan_already_accepted_holds_for_its_creators():
    w = world(balance=100_000)
    accept(w)

    offer(w, amount=2_000, pieces=2)

    assert balances(w.seller.id)["seller_held"] == 4_000
    assert db.session.scalar(select(Notification.kind).where(Notification.user_id == w.creator.id))


def test_acceptance_is_refused_when_the_seller_balance_is_short_and_nothing_is_written():
    w = world(balance=10_000)
    offer(w, amount=5_000, pieces=3)
    membership = invite(w)

    with pytest.raises(SellerBalanceShort, match="cannot hold"):
        memberships.respond_to_invitation(membership.id, w.creator.id, accept=True)
    db.session.rollback()

    assert db.session.get(type(membership), membership.id).status == MembershipStatus.INVITED
    assert balances(w.seller.id)["seller_receivable"] == 10_000
    assert db.session.scalar(select(func.count(FlatFeeHold.id))) == 0


def test_an_offer_is_refused_when_the_balance_cannot_hold_for_creators_who_accepted():
    w = world(balance=1_000)
    accept(w)

    with pytest.raises(SellerBalanceShort):
        services.set_offer(w.plan, services.OfferInput(5_000, 1, 3))
    db.session.rollback()

    assert db.session.scalar(select(func.count(FlatFeeOffer.id))) == 0


@pytest.mark.parametrize(
    ("amount", "pieces", "days", "field"),
    [
        (0, 3, 3, "amount"),
        (5_000, 0, 3, "max_pieces"),
        (5_000, 21, 3, "max_pieces"),
        (5_000, 3, 0, "review_days"),
        (5_000, 3, 31, "review_days"),
    ],
)
def test_an_offer_out_of_bounds_is_refused(amount, pieces, days, field):
    w = world()

    with pytest.raises(InvalidOffer) as refused:
        services.set_offer(w.plan, services.OfferInput(amount, pieces, days))

    assert refused.value.field == field


def test_only_a_running_targeted_plan_takes_one_offer():
    w = world()
    open_one = make_plan(w.store, PlanKind.OPEN, "Everyday", 1000, [make_product(w.store)])
    offer(w)

    with pytest.raises(OfferNotAllowed, match="targeted"):
        services.set_offer(open_one, services.OfferInput(5_000, 1, 3))
    with pytest.raises(OfferNotAllowed, match="already"):
        services.set_offer(w.plan, services.OfferInput(5_000, 1, 3))


def test_accepting_twice_holds_once():
    w = world()
    offer(w)
    membership = accept(w)

    again = services.hold_on_acceptance(membership)
    db.session.commit()

    assert again is not None
    assert entries(EntryKind.FLAT_FEE_HELD) == 1


# --- submissions and decisions -------------------------------------------------------------------


def test_approval_pays_the_piece_to_the_creator_pending_balance():
    w = world()
    offer(w, amount=5_000)
    accept(w)
    piece = submitted(w)

    submissions.approve(piece.id, actor_id=w.seller.id, clearing_days=7)
    db.session.commit()

    assert balances(w.creator.id)["creator_pending"] == 5_000
    assert balances(w.seller.id)["seller_held"] == 10_000
    assert piece.status == SubmissionStatus.APPROVED
    assert check_ledger().ok


def test_approving_twice_posts_once_and_says_why():
    w = world()
    offer(w)
    accept(w)
    piece = submitted(w)
    submissions.approve(piece.id, actor_id=w.seller.id, clearing_days=7)
    db.session.commit()

    with pytest.raises(IllegalTransition):
        submissions.approve(piece.id, actor_id=w.seller.id, clearing_days=7)
    db.session.rollback()

    assert entries(EntryKind.FLAT_FEE_PAID) == 1


def test_decline_returns_that_piece_to_the_seller_with_the_reason():
    w = world(balance=100_000)
    offer(w, amount=5_000)
    accept(w)
    piece = submitted(w)

    submissions.decline(piece.id, "The products are not shown.", actor_id=w.seller.id)
    db.session.commit()

    assert balances(w.seller.id)["seller_receivable"] == 90_000
    assert balances(w.seller.id)["seller_held"] == 10_000
    assert piece.reason == "The products are not shown."
    notice = db.session.scalar(select(Notification).where(Notification.user_id == w.creator.id))
    assert "not shown" in notice.message
    with pytest.raises(IllegalTransition):
        submissions.decline(piece.id, "again", actor_id=w.seller.id)
    db.session.rollback()
    assert entries(EntryKind.FLAT_FEE_RETURNED) == 1


@pytest.mark.parametrize("reason", ["", "  ", "no", "x" * 501])
def test_a_decline_needs_a_reason(reason):
    w = world()
    offer(w)
    accept(w)
    piece = submitted(w)

    with pytest.raises(InvalidDecision):
        submissions.decline(piece.id, reason, actor_id=w.seller.id)


def test_content_without_the_plan_products_is_refused():
    w = world()
    offer(w)
    accept(w)
    hold = db.session.scalar(select(FlatFeeHold))
    other = video(w)
    other.products.clear()
    db.session.commit()

    with pytest.raises(SubmissionRefused, match="none of this plan"):
        submissions.submit(hold.id, w.creator.id, other.id)


def test_removed_content_another_creator_content_and_a_repeat_are_refused():
    w = world()
    offer(w)
    accept(w)
    hold = db.session.scalar(select(FlatFeeHold))
    removed = video(w, title="Gone")
    removed.status = ContentStatus.REMOVED.value
    someone_else = video(w, creator=make_user(Role.CREATOR))
    piece = video(w)
    db.session.commit()

    with pytest.raises(SubmissionRefused, match="removed"):
        submissions.submit(hold.id, w.creator.id, removed.id)
    with pytest.raises(NotFound):
        submissions.submit(hold.id, w.creator.id, someone_else.id)
    with pytest.raises(NotFound):
        submissions.submit(hold.id, w.creator.id, 10**12)
    submissions.submit(hold.id, w.creator.id, piece.id)
    with pytest.raises(SubmissionRefused, match="already"):
        submissions.submit(hold.id, w.creator.id, piece.id)


def test_no_more_pieces_than_offered():
    w = world()
    offer(w, pieces=1)
    accept(w)
    submitted(w, "First")

    with pytest.raises(SubmissionRefused, match="all 1"):
        submitted(w, "Second")


# --- the clock ---------------------------------------------------------------------------------


def test_a_submission_past_its_review_deadline_is_approved_by_the_sweep():
    w = world()
    offer(w, amount=5_000, days=3)
    accept(w)
    start = utcnow()
    piece = submitted(w, now=start)

    early = jobs.sweep_at(start + timedelta(days=2, hours=23))
    late = jobs.sweep_at(start + timedelta(days=3, minutes=1))
    again = jobs.sweep_at(start + timedelta(days=3, minutes=2))

    db.session.refresh(piece)
    assert "0 auto-approved" in early
    assert "1 auto-approved" in late
    assert "0 auto-approved" in again
    assert piece.status == SubmissionStatus.APPROVED
    assert piece.auto_approved
    assert balances(w.creator.id)["creator_pending"] == 5_000
    assert entries(EntryKind.FLAT_FEE_PAID) == 1
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "flat_fee.auto_approved")
        )
        == 1
    )


def test_an_approved_fee_settles_into_the_available_balance_after_the_clearing_days():
    w = world()
    offer(w, amount=5_000)
    accept(w)
    start = utcnow()
    piece = submitted(w, now=start)
    submissions.approve(piece.id, actor_id=w.seller.id, clearing_days=7, now=start)
    db.session.commit()

    jobs.sweep_at(start + timedelta(days=6))
    assert balances(w.creator.id)["creator_available"] == 0
    jobs.sweep_at(start + timedelta(days=7, minutes=1))
    jobs.sweep_at(start + timedelta(days=7, minutes=2))

    db.session.refresh(piece)
    assert piece.status == SubmissionStatus.SETTLED
    assert balances(w.creator.id)["creator_available"] == 5_000
    assert balances(w.creator.id)["creator_pending"] == 0
    assert entries(EntryKind.FLAT_FEE_SETTLED) == 1


# --- closing -----------------------------------------------------------------------------------


def test_ending_the_plan_returns_the_unused_pieces_and_keeps_the_waiting_one_held():
    w = world(balance=100_000)
    offer(w, amount=5_000, pieces=3)
    accept(w)
    piece = submitted(w)

    plan_services.end(w.plan)
    db.session.commit()

    hold = db.session.scalar(select(FlatFeeHold))
    assert hold.status == HoldStatus.CLOSED
    assert hold.returned_pieces == 2
    assert db.session.scalar(select(FlatFeeOffer.status)) == OfferStatus.ENDED
    assert balances(w.seller.id)["seller_held"] == 5_000
    submissions.approve(piece.id, actor_id=w.seller.id, clearing_days=7)
    db.session.commit()
    assert balances(w.seller.id)["seller_held"] == 0
    assert balances(w.seller.id)["seller_receivable"] == 95_000
    assert check_ledger().ok


def test_withdrawing_returns_unused_pieces_once():
    w = world(balance=100_000)
    made = offer(w, amount=5_000, pieces=3)
    accept(w)

    returned = services.withdraw_offer(made.id)
    db.session.commit()

    assert returned == 3
    assert balances(w.seller.id)["seller_receivable"] == 100_000
    with pytest.raises(OfferNotAllowed):
        services.withdraw_offer(made.id)
    assert services.close_hold(db.session.scalar(select(FlatFeeHold.id))) == 0
    assert entries(EntryKind.FLAT_FEE_RETURNED) == 1


def test_the_sweep_closes_the_offer_of_a_plan_past_its_end_date():
    w = world()
    offer(w)
    accept(w)
    w.plan.ends_at = utcnow() + timedelta(days=1)
    db.session.commit()

    jobs.sweep_at(utcnow() + timedelta(days=2))

    assert db.session.scalar(select(FlatFeeOffer.status)) == OfferStatus.ENDED
    assert balances(w.seller.id)["seller_held"] == 0


def test_every_entry_sums_to_zero_per_currency_across_a_whole_life():
    w = world(balance=100_000)
    second = make_user(Role.CREATOR)
    offer(w, amount=5_000, pieces=2)
    accept(w)
    accept(w, second)
    one = submitted(w, "One")
    two = submitted(w, "Two")
    submissions.approve(one.id, actor_id=w.seller.id, clearing_days=0)
    submissions.decline(two.id, "Off brief.", actor_id=w.seller.id)
    db.session.commit()
    jobs.sweep_at(utcnow() + timedelta(minutes=1))
    plan_services.end(w.plan)
    db.session.commit()

    assert check_ledger().ok
    seller = balances(w.seller.id)
    assert seller["seller_held"] == 0
    assert seller["seller_receivable"] == 95_000
    assert balances(w.creator.id)["creator_available"] == 5_000


def test_a_plan_without_an_offer_accepts_as_before():
    w = world(balance=0)
    plan = targeted_plan(w.store, 2000, [w.product], name="No fee")
    membership = member(plan, w.creator.id)

    memberships.respond_to_invitation(membership.id, w.creator.id, accept=True)
    db.session.commit()

    assert membership.status == MembershipStatus.ACCEPTED
    fund(w.seller.id, 1)  # the ledger still works for the store
