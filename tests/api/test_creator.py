"""Creator: profile, showcase, content and commissions over the API."""

from __future__ import annotations

from affiliate.plans.models import PlanKind
from core.accounts.models import Role, User
from core.extensions import db
from tests.api.conftest import is_problem, make_key
from tests.creators.factories import (
    make_commission,
    make_content,
    make_plan,
    make_profile,
    showcase,
)
from tests.factories import make_user
from tests.shop.factories import Shop


def _creator() -> User:
    profile = make_profile(handle="cleo", display_name="Cleo")
    return db.session.get(User, profile.user_id)


def test_gets_the_profile(app_ctx, api):
    creator = _creator()
    body = api.get("/creator/profile", make_key(creator)).get_json()
    assert body["handle"] == "cleo"


def test_updates_the_profile(app_ctx, api):
    creator = _creator()
    response = api.patch("/creator/profile", make_key(creator), {"bio": "Skincare every day"})
    assert response.status_code == 200
    assert response.get_json()["bio"] == "Skincare every day"
    assert response.get_json()["handle"] == "cleo"


def test_a_taken_handle_is_a_field_problem(app_ctx, api):
    make_profile(handle="taken")
    creator = _creator()
    response = api.patch("/creator/profile", make_key(creator), {"handle": "taken"})
    assert is_problem(response, 422)
    assert response.get_json()["errors"][0]["field"] == "handle"


def test_a_seller_key_has_no_creator_profile(app_ctx, api):
    shop = Shop()
    assert is_problem(api.get("/creator/profile", make_key(shop.seller)), 404)


def test_adds_to_and_lists_the_showcase(app_ctx, api):
    shop = Shop()
    make_plan(shop.store, PlanKind.OPEN, "Everyday", 1500, [shop.product])
    creator = _creator()
    key = make_key(creator)
    added = api.post("/creator/showcase", key, {"product_id": shop.product.id})
    assert added.status_code == 200, added.get_json()
    assert added.get_json()["in_showcase"] is True
    assert added.get_json()["rate_now"]["rate_bps"] == 1500
    listed = api.get("/creator/showcase", key).get_json()["data"]
    assert [row["product_id"] for row in listed] == [shop.product.id]


def test_a_product_without_a_plan_cannot_be_showcased(app_ctx, api):
    shop = Shop()
    response = api.post("/creator/showcase", make_key(_creator()), {"product_id": shop.product.id})
    assert response.status_code in {400, 409, 422}
    assert response.mimetype == "application/problem+json"


def test_removes_from_the_showcase(app_ctx, api):
    shop = Shop()
    creator = _creator()
    showcase(creator.id, shop.product)
    key = make_key(creator)
    assert api.post(f"/creator/showcase/{shop.product.id}/remove", key).status_code == 200
    assert is_problem(api.post(f"/creator/showcase/{shop.product.id}/remove", key), 404)


def test_lists_content_with_figures(app_ctx, api):
    shop = Shop()
    creator = _creator()
    video = make_content(creator)
    make_commission(creator, shop.product, content=video)
    body = api.get("/creator/content", make_key(creator)).get_json()
    assert [c["id"] for c in body["data"]] == [video.id]
    figures = body["data"][0]["figures"]
    assert figures["orders"] == 1
    assert figures["commission"][0]["currency"] == "USD"


def test_another_creators_content_is_404(app_ctx, api):
    other = make_user(Role.CREATOR)
    video = make_content(other)
    assert is_problem(api.get(f"/creator/content/{video.id}", make_key(_creator())), 404)


def test_creator_sees_own_commissions_only(app_ctx, api):
    shop = Shop()
    creator = _creator()
    own = make_commission(creator, shop.product)
    make_commission(make_user(Role.CREATOR), shop.product)
    body = api.get("/commissions", make_key(creator)).get_json()
    assert [c["id"] for c in body["data"]] == [own.id]


def _statements(api, count_queries, path: str, key: str) -> int:
    api.get(path, key)
    before = count_queries.count
    assert api.get(path, key).status_code == 200
    return count_queries.count - before


def test_creator_lists_keep_their_statement_counts(app_ctx, api, count_queries):
    shop = Shop(stock=100)
    creator = _creator()
    key = make_key(creator)
    paths = ("/creator/content", "/commissions", "/withdrawals", "/creator/showcase")

    def add_some() -> None:
        video = make_content(creator, [shop.product])
        make_commission(creator, shop.product, content=video)

    add_some()
    small = {p: _statements(api, count_queries, p, key) for p in paths}
    for _ in range(4):
        add_some()
    large = {p: _statements(api, count_queries, p, key) for p in paths}
    assert large == small
