"""The flat-fee pages: the seller's offer and review, the creator's submissions; role and
ownership checks (another's objects are 404), CSRF, bad input answered 4xx with a message."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from affiliate.creators.flatfees import submissions
from affiliate.creators.flatfees.models import FlatFeeHold, FlatFeeOffer, FlatFeeSubmission
from affiliate.plans import memberships
from core.accounts.models import Role
from core.extensions import db
from tests.conftest import Auth, post_form
from tests.creators.flatfees.helpers import balances, invite, offer, video, world
from tests.factories import make_user
from tests.shop.factories import make_store

pytestmark = pytest.mark.usefixtures("app_ctx")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _login(client, user) -> None:
    Auth(client).login(user.email)


def _accepted(w):
    membership = invite(w)
    memberships.respond_to_invitation(membership.id, w.creator.id, accept=True)
    db.session.commit()
    return db.session.scalar(select(FlatFeeHold))


def test_seller_offers_a_flat_fee_and_sees_it(client):
    w = world(balance=100_000)
    _login(client, w.seller)

    answer = post_form(
        client,
        f"/seller/plans/{w.plan.id}/flat-fee",
        {"amount": "50.00", "max_pieces": "3", "review_days": "3"},
        follow_redirects=True,
    )

    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "$50.00 per approved video or live, up to 3" in page
    assert _count(FlatFeeOffer) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "fifty", "max_pieces": "3", "review_days": "3"}, "such as 50.00"),
        ({"amount": "50.001", "max_pieces": "3", "review_days": "3"}, "such as 50.00"),
        ({"amount": "0", "max_pieces": "3", "review_days": "3"}, "above zero"),
        ({"amount": "50", "max_pieces": "99", "review_days": "3"}, "Between 1 and 20"),
        ({"amount": "50", "max_pieces": "3", "review_days": "x"}, "days"),
    ],
)
def test_bad_offers_answer_400_and_write_nothing(client, data, message):
    w = world()
    _login(client, w.seller)

    answer = post_form(client, f"/seller/plans/{w.plan.id}/flat-fee", data)

    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert _count(FlatFeeOffer) == 0


def test_an_offer_the_balance_cannot_hold_answers_409(client):
    w = world(balance=1_000)
    _accepted(w)
    _login(client, w.seller)

    answer = post_form(
        client,
        f"/seller/plans/{w.plan.id}/flat-fee",
        {"amount": "50", "max_pieces": "1", "review_days": "3"},
    )

    assert answer.status_code == 409
    assert "cannot hold" in answer.get_data(as_text=True)
    assert _count(FlatFeeOffer) == 0


def test_without_csrf_nothing_is_offered(client):
    w = world()
    _login(client, w.seller)

    answer = client.post(
        f"/seller/plans/{w.plan.id}/flat-fee",
        data={"amount": "50", "max_pieces": "3", "review_days": "3"},
    )

    assert answer.status_code == 400
    assert _count(FlatFeeOffer) == 0


def test_another_seller_plan_and_submission_are_404(client):
    w = world()
    offer(w)
    hold = _accepted(w)

    piece = submissions.submit(hold.id, w.creator.id, video(w).id)
    db.session.commit()
    other = make_user(Role.SELLER)

    make_store(other)
    _login(client, other)

    assert client.get(f"/seller/plans/{w.plan.id}/flat-fee").status_code == 404
    assert post_form(client, f"/seller/flat-fees/{piece.id}/approve").status_code == 404
    assert (
        post_form(client, f"/seller/flat-fees/{piece.id}/decline", {"reason": "no way"}).status_code
        == 404
    )
    assert balances(w.creator.id)["creator_pending"] == 0


def test_a_creator_cannot_reach_the_seller_pages(client):
    w = world()
    _login(client, w.creator)

    assert client.get("/seller/flat-fees").status_code == 403
    assert client.get(f"/seller/plans/{w.plan.id}/flat-fee").status_code == 403


def test_creator_sees_the_offer_on_the_invitation(client):
    w = world()
    offer(w, amount=5_000, pieces=3)
    invite(w)
    _login(client, w.creator)

    page = client.get("/creator/invitations").get_data(as_text=True)

    assert "$50.00 per approved video or live, up to 3" in page


def test_creator_submits_and_seller_approves_through_the_pages(client, app):
    w = world(balance=100_000)
    offer(w, amount=5_000, pieces=3)
    hold = _accepted(w)
    clip = video(w, title="Glow unboxing")
    _login(client, w.creator)

    empty_before = client.get("/creator/flat-fees").get_data(as_text=True)
    sent = post_form(
        client,
        f"/creator/flat-fees/{hold.id}/submit",
        {"content_id": clip.id},
        follow_redirects=True,
    )
    assert "Glow unboxing" in empty_before
    assert sent.status_code == 200
    assert "Waiting for review" in sent.get_data(as_text=True)

    seller_client = app.test_client()
    _login(seller_client, w.seller)
    review = seller_client.get("/seller/flat-fees").get_data(as_text=True)
    piece = db.session.scalar(select(FlatFeeSubmission))
    approved = post_form(
        seller_client, f"/seller/flat-fees/{piece.id}/approve", follow_redirects=True
    )

    assert "Answer by" in review
    assert approved.status_code == 200
    assert "Approved" in approved.get_data(as_text=True)
    assert balances(w.creator.id)["creator_pending"] == 5_000


def test_a_decline_without_a_reason_answers_400(client):
    w = world()
    offer(w)
    hold = _accepted(w)

    piece = submissions.submit(hold.id, w.creator.id, video(w).id)
    db.session.commit()
    _login(client, w.seller)

    answer = post_form(client, f"/seller/flat-fees/{piece.id}/decline", {"reason": ""})

    assert answer.status_code == 400
    assert "Say why" in answer.get_data(as_text=True)
    assert balances(w.seller.id)["seller_held"] == 15_000


def test_a_second_approval_answers_409(client):
    w = world()
    offer(w)
    hold = _accepted(w)

    piece = submissions.submit(hold.id, w.creator.id, video(w).id)
    db.session.commit()
    _login(client, w.seller)
    post_form(client, f"/seller/flat-fees/{piece.id}/approve")

    again = post_form(client, f"/seller/flat-fees/{piece.id}/approve")

    assert again.status_code == 409
    assert balances(w.creator.id)["creator_pending"] == 5_000


def test_another_creator_hold_is_404_and_bad_content_is_refused(client):
    w = world()
    offer(w)
    hold = _accepted(w)
    stranger = make_user(Role.CREATOR)
    _login(client, stranger)

    assert (
        post_form(client, f"/creator/flat-fees/{hold.id}/submit", {"content_id": "1"}).status_code
        == 404
    )

    Auth(client).logout()
    _login(client, w.creator)
    assert (
        post_form(client, f"/creator/flat-fees/{hold.id}/submit", {"content_id": "abc"}).status_code
        == 400
    )
    assert (
        post_form(
            client, f"/creator/flat-fees/{hold.id}/submit", {"content_id": "999999999999"}
        ).status_code
        == 404
    )
    assert _count(FlatFeeSubmission) == 0


def test_empty_states_say_what_to_do(client):
    w = world()
    _login(client, w.creator)
    creator_page = client.get("/creator/flat-fees").get_data(as_text=True)
    Auth(client).logout()
    _login(client, w.seller)
    seller_page = client.get("/seller/flat-fees").get_data(as_text=True)

    assert "No flat fees yet" in creator_page
    assert "No content submitted yet" in seller_page
