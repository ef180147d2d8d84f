"""Seller plans over the API."""

from __future__ import annotations

from datetime import timedelta

from affiliate.plans.models import PlanKind
from core.accounts.models import Role
from core.types import utcnow
from tests.api.conftest import is_problem, make_key
from tests.creators.factories import make_plan, make_profile, showcase
from tests.factories import make_user
from tests.shop.factories import Shop


def test_creates_an_open_plan(app_ctx, api):
    shop = Shop()
    body = {
        "kind": "open",
        "name": "Everyday",
        "product_rates": [{"product_id": shop.product.id, "rate_bps": 1500}],
    }
    response = api.post("/plans", make_key(shop.seller), body)
    assert response.status_code == 201, response.get_json()
    plan = response.get_json()
    assert plan["kind"] == "open"
    assert plan["rates"][0] == {**plan["rates"][0], "product_id": shop.product.id, "rate_bps": 1500}


def test_creates_a_store_plan(app_ctx, api):
    shop = Shop()
    response = api.post("/plans", make_key(shop.seller), {"kind": "store", "rate_bps": 1000})
    assert response.status_code == 201
    assert response.get_json()["rates"][0]["rate_bps"] == 1000


def test_store_plan_needs_a_rate(app_ctx, api):
    shop = Shop()
    response = api.post("/plans", make_key(shop.seller), {"kind": "store"})
    assert is_problem(response, 422)
    assert response.get_json()["errors"][0]["field"] == "rate_bps"


def test_a_rate_out_of_bounds_is_a_validation_problem(app_ctx, api):
    shop = Shop()
    response = api.post("/plans", make_key(shop.seller), {"kind": "store", "rate_bps": 9000})
    assert is_problem(response, 422)


def test_lists_and_gets_plans(app_ctx, api):
    shop = Shop()
    plan = make_plan(shop.store, PlanKind.OPEN, "Everyday", 1500, [shop.product])
    key = make_key(shop.seller)
    listed = api.get("/plans", key).get_json()
    assert [p["id"] for p in listed["data"]] == [plan.id]
    assert api.get(f"/plans/{plan.id}", key).get_json()["name"] == "Everyday"


def test_another_sellers_plan_is_404(app_ctx, api):
    mine, theirs = Shop(), Shop()
    plan = make_plan(theirs.store, PlanKind.OPEN, "Theirs", 1500, [theirs.product])
    key = make_key(mine.seller)
    assert is_problem(api.get(f"/plans/{plan.id}", key), 404)
    body = {"product_id": theirs.product.id, "rate_bps": 2000}
    assert is_problem(api.post(f"/plans/{plan.id}/rates", key, body), 404)
    assert is_problem(api.post(f"/plans/{plan.id}/invitations", key, {"creator_ids": [1]}), 404)


def test_a_raise_applies_at_once(app_ctx, api):
    shop = Shop()
    plan = make_plan(shop.store, PlanKind.OPEN, "Everyday", 1500, [shop.product])
    body = {"product_id": shop.product.id, "rate_bps": 2000}
    response = api.post(f"/plans/{plan.id}/rates", make_key(shop.seller), body)
    assert response.status_code == 200
    effective = response.get_json()["effective_at"]
    assert effective <= (utcnow() + timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_cut_of_a_promoted_rate_waits_for_the_notice(app, app_ctx, api):
    shop = Shop()
    plan = make_plan(shop.store, PlanKind.OPEN, "Everyday", 1500, [shop.product])
    creator = make_user(Role.CREATOR)
    showcase(creator.id, shop.product)
    body = {"product_id": shop.product.id, "rate_bps": 1000}
    response = api.post(f"/plans/{plan.id}/rates", make_key(shop.seller), body)
    assert response.status_code == 200
    notice = app.config["PLAN_RATE_CUT_NOTICE_DAYS"]
    expected = (utcnow() + timedelta(days=notice - 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert response.get_json()["effective_at"] > expected


def test_invites_creators_to_a_targeted_plan(app_ctx, api):
    shop = Shop()
    plan = make_plan(shop.store, PlanKind.TARGETED, "Launch", 2500, [shop.product])
    creator = make_profile()
    response = api.post(
        f"/plans/{plan.id}/invitations", make_key(shop.seller), {"creator_ids": [creator.user_id]}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["invitations"] == [
        {"creator_id": creator.user_id, "status": "invited"}
    ]


def test_inviting_to_an_open_plan_is_refused(app_ctx, api):
    shop = Shop()
    plan = make_plan(shop.store, PlanKind.OPEN, "Everyday", 1500, [shop.product])
    creator = make_profile()
    response = api.post(
        f"/plans/{plan.id}/invitations", make_key(shop.seller), {"creator_ids": [creator.user_id]}
    )
    assert response.status_code in {400, 409}
    assert response.mimetype == "application/problem+json"
