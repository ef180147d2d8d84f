"""The partner API reads a party's cases: a seller those about their store, a creator her
own; anybody else's case is a 404."""

from __future__ import annotations

from affiliate.disputes import services
from core.accounts.models import Role
from core.extensions import db
from tests.api.conftest import api, is_problem, make_key  # noqa: F401 - fixture
from tests.factories import make_user
from tests.shop.factories import Shop


def _contest(planned, commission):
    dispute = services.open_seller_contest(
        commission.id, seller_id=planned.seller.id, reason="Looks like brushing"
    )
    db.session.commit()
    return dispute


def test_both_parties_read_the_case_and_others_do_not(earned, planned, creator, api):  # noqa: F811
    _order, (first, _second) = earned
    dispute = _contest(planned, first)
    seller_body = api.get("/disputes?state=open", make_key(planned.seller)).get_json()
    assert [d["id"] for d in seller_body["data"]] == [dispute.id]
    assert seller_body["data"][0]["amount"]["currency"] == "USD"
    mine = api.get(f"/disputes/{dispute.id}", make_key(creator)).get_json()
    assert (mine["kind"], mine["state"], mine["commission_id"]) == (
        "seller_contest",
        "open",
        first.id,
    )
    other_seller = Shop().seller
    assert api.get("/disputes", make_key(other_seller)).get_json()["data"] == []
    assert is_problem(api.get(f"/disputes/{dispute.id}", make_key(other_seller)), 404)
    someone = make_user(Role.CREATOR)
    db.session.commit()
    assert is_problem(api.get(f"/disputes/{dispute.id}", make_key(someone)), 404)
