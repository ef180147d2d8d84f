"""The case pages through HTTP: each side reaches only its own cases (404 otherwise), forms
carry CSRF, bad input answers 4xx with a message, and decisions move the money once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from affiliate.disputes import services
from affiliate.disputes.models import Dispute
from core.accounts.models import Role
from core.extensions import db
from core.notifications.models import Notification
from core.types import utcnow
from tests.conftest import csrf_token
from tests.disputes.conftest import video_of
from tests.factories import make_user
from tests.shop.factories import Shop
from tests.shop.orders.helpers import signed_in


def _contest(planned, commission) -> Dispute:
    dispute = services.open_seller_contest(
        commission.id, seller_id=planned.seller.id, reason="Same address as the creator"
    )
    db.session.commit()
    return dispute


def _post(client, url, data, page=None):
    return client.post(url, data={"csrf_token": csrf_token(client, page or "/"), **data})


def test_a_seller_contests_a_line_from_affiliate_sales(app, earned, planned):
    _order, (first, _second) = earned
    client = signed_in(app, planned.seller.email)
    sales = client.get("/seller/affiliates")
    url = f"/seller/affiliates/commissions/{first.id}/contest"
    assert url in sales.text
    assert client.get(url).status_code == 200
    answer = _post(
        client, url, {"reason": "Brushing: ten orders in a minute", "links": "https://e.com/x"}
    )
    assert answer.status_code == 303
    case_page = client.get(answer.location)
    assert "Brushing: ten orders in a minute" in case_page.text
    assert "https://e.com/x" in case_page.text
    db.session.refresh(first)
    assert first.held
    assert "On hold" in client.get("/seller/affiliates").text
    assert "Disputes" in client.get("/seller/disputes").text


def test_a_contest_without_a_reason_answers_400_and_holds_nothing(app, earned, planned):
    _order, (first, _second) = earned
    client = signed_in(app, planned.seller.email)
    url = f"/seller/affiliates/commissions/{first.id}/contest"
    answer = _post(client, url, {"reason": ""})
    assert answer.status_code == 400
    assert "Say why" in answer.text
    answer = _post(client, url, {"reason": "Fraud", "links": "ftp://nope"})
    assert answer.status_code == 400
    assert "is not a web address" in answer.text
    db.session.refresh(first)
    assert not first.held


def test_a_contest_without_its_form_token_changes_nothing(app, earned, planned):
    _order, (first, _second) = earned
    client = signed_in(app, planned.seller.email)
    url = f"/seller/affiliates/commissions/{first.id}/contest"
    assert client.post(url, data={"reason": "Fraud"}).status_code == 400
    db.session.refresh(first)
    assert not first.held


def test_a_second_contest_of_the_same_commission_answers_409(app, earned, planned):
    _order, (first, _second) = earned
    _contest(planned, first)
    client = signed_in(app, planned.seller.email)
    answer = _post(
        client, f"/seller/affiliates/commissions/{first.id}/contest", {"reason": "Again"}
    )
    assert answer.status_code == 409


def test_another_seller_sees_neither_the_commission_nor_the_case(app, earned, planned):
    _order, (first, _second) = earned
    dispute = _contest(planned, first)
    other = Shop()
    client = signed_in(app, other.seller.email)
    assert client.get(f"/seller/affiliates/commissions/{first.id}/contest").status_code == 404
    assert client.get(f"/seller/disputes/{dispute.id}").status_code == 404
    assert _post(client, f"/seller/disputes/{dispute.id}/withdraw", {}).status_code == 404


def test_another_creator_sees_neither_the_case_nor_the_commission(app, earned, planned):
    _order, (first, _second) = earned
    dispute = _contest(planned, first)
    someone = make_user(Role.CREATOR)
    db.session.commit()
    client = signed_in(app, someone.email)
    assert client.get(f"/creator/disputes/{dispute.id}").status_code == 404
    assert client.get(f"/creator/commissions/{first.id}/contest").status_code == 404
    assert (
        _post(client, f"/creator/disputes/{dispute.id}/comment", {"body": "Hi"}).status_code == 404
    )


def test_the_creator_answers_a_contest_and_the_seller_is_told(app, earned, planned, creator):
    _order, (first, _second) = earned
    dispute = _contest(planned, first)
    client = signed_in(app, creator.email)
    page = client.get(f"/creator/disputes/{dispute.id}")
    assert page.status_code == 200
    assert "Same address as the creator" in page.text
    answer = _post(
        client, f"/creator/disputes/{dispute.id}/comment", {"body": "That is my cousin's flat."}
    )
    assert answer.status_code == 303
    told = db.session.query(Notification).filter_by(user_id=planned.seller.id, kind="dispute").all()
    assert any("comment from the creator" in n.message for n in told)
    empty = _post(client, f"/creator/disputes/{dispute.id}/comment", {"body": ""})
    assert empty.status_code == 400
    # the creator did not open it: she cannot withdraw it
    assert _post(client, f"/creator/disputes/{dispute.id}/withdraw", {}).status_code == 403


def test_finance_decides_on_the_desk_and_a_second_decision_answers_409(
    app, earned, planned, officer
):
    _order, (first, _second) = earned
    dispute = _contest(planned, first)
    client = signed_in(app, officer.email)
    desk = client.get("/finance/disputes")
    assert desk.status_code == 200
    assert f'data-case-id="{dispute.id}"' in desk.text
    url = f"/finance/disputes/{dispute.id}/decide"
    no_reason = _post(
        client, url, {"decision": "uphold", "reason": ""}, f"/finance/disputes/{dispute.id}"
    )
    assert no_reason.status_code == 400
    decided = _post(
        client, url, {"decision": "uphold", "reason": "Self-purchase"}, "/finance/disputes"
    )
    assert decided.status_code == 303
    db.session.refresh(first)
    assert first.state == "reversed"
    assert (
        _post(
            client, url, {"decision": "reject", "reason": "Oops"}, "/finance/disputes"
        ).status_code
        == 409
    )
    seller = signed_in(app, planned.seller.email)
    assert "Self-purchase" in seller.get(f"/seller/disputes/{dispute.id}").text


def test_the_desk_puts_overdue_cases_first_and_filters(app, earned, planned, officer):
    _order, (first, second) = earned
    late = _contest(planned, first)
    fresh = _contest(planned, second)
    late.answer_by = utcnow() - timedelta(hours=1)
    db.session.commit()
    client = signed_in(app, officer.email)
    text = client.get("/finance/disputes").text
    assert text.index(f'data-case-id="{late.id}"') < text.index(f'data-case-id="{fresh.id}"')
    assert 'class="table-danger" data-case-id' in text
    assert "Finance is late" in text
    assert f'data-case-id="{late.id}"' not in client.get("/finance/disputes?kind=missing").text
    assert client.get("/finance/disputes?state=bogus&kind=x&page=abc").status_code == 200
    creator_view = signed_in(app, db.session.get(type(officer), late.creator_id).email)
    assert "Finance is late" in creator_view.get(f"/creator/disputes/{late.id}").text


@pytest.mark.parametrize("role", [Role.SELLER, Role.BUYER, Role.CREATOR])
def test_only_finance_opens_the_dispute_desk(app, app_ctx, role):
    user = make_user(role)
    db.session.commit()
    assert signed_in(app, user.email).get("/finance/disputes").status_code == 403


def test_a_creator_claims_a_missing_commission_through_the_form(app, planned, creator):
    order = planned.paid()
    content = video_of(creator)
    client = signed_in(app, creator.email)
    assert client.get("/creator/disputes/claim").status_code == 200
    data = {
        "order_number": order.id,
        "product_id": planned.product.id,
        "content_id": content.id,
        "reason": "The buyer sent me her receipt",
    }
    unknown = _post(client, "/creator/disputes/claim", {**data, "order_number": 987654})
    assert unknown.status_code == 400
    assert "No order #987654" in unknown.text
    junk = _post(client, "/creator/disputes/claim", {**data, "order_number": "abc"})
    assert junk.status_code == 400
    opened = _post(client, "/creator/disputes/claim", data)
    assert opened.status_code == 303
    dispute = db.session.query(Dispute).one()
    assert (dispute.kind, dispute.creator_id) == ("missing", creator.id)
    withdrawn = _post(client, f"/creator/disputes/{dispute.id}/withdraw", {"reason": "Found it"})
    assert withdrawn.status_code == 303
    db.session.refresh(dispute)
    assert dispute.state == "withdrawn"
    assert "Withdrawn" in client.get("/creator/disputes").text
