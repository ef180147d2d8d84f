"""Seller: the creator directory, commissions on their products, promotions."""

from __future__ import annotations

from datetime import timedelta

from affiliate.creators.attribution.models import CommissionState
from core.accounts.models import Role
from core.types import utcnow
from tests.api.conftest import is_problem, make_key
from tests.creators.factories import make_commission, make_profile
from tests.factories import make_user
from tests.shop.factories import Shop


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_searches_the_creator_directory(app_ctx, api):
    shop = Shop()
    make_profile(handle="glowqueen", display_name="Glow Queen", follower_count=5000)
    make_profile(handle="fitdad", display_name="Fit Dad", follower_count=100)
    key = make_key(shop.seller)
    body = api.get("/creators?q=glow", key).get_json()
    assert [c["handle"] for c in body["data"]] == ["glowqueen"]
    assert body["data"][0]["gmv_90d"]["currency"] == "USD"


def test_directory_pages_by_cursor(app_ctx, api):
    shop = Shop()
    for n in range(3):
        make_profile(follower_count=1000 + n)
    key = make_key(shop.seller)
    first = api.get("/creators?limit=2", key).get_json()
    second = api.get(f"/creators?limit=2&cursor={first['next_cursor']}", key).get_json()
    handles = [c["handle"] for c in first["data"] + second["data"]]
    assert len(set(handles)) == 3
    assert second["next_cursor"] is None


def test_a_buyer_key_has_no_directory_scope(app_ctx, api):
    buyer = make_user(Role.BUYER, Role.CREATOR)
    key = make_key(buyer, "commissions:read")
    assert is_problem(api.get("/creators", key), 403)


def test_seller_sees_commissions_on_their_products_only(app_ctx, api):
    mine, theirs = Shop(), Shop()
    creator = make_user(Role.CREATOR)
    own = make_commission(creator, mine.product)
    make_commission(creator, theirs.product)
    body = api.get("/commissions", make_key(mine.seller)).get_json()
    assert [c["id"] for c in body["data"]] == [own.id]
    assert body["data"][0]["amount"]["currency"] == "USD"


def test_commissions_filter_by_state_and_date(app_ctx, api):
    shop = Shop()
    creator = make_user(Role.CREATOR)
    old = make_commission(
        creator, shop.product, state=CommissionState.SETTLED, created_at=utcnow() - timedelta(10)
    )
    make_commission(creator, shop.product)
    key = make_key(shop.seller)
    settled = api.get("/commissions?state=settled", key).get_json()
    assert [c["id"] for c in settled["data"]] == [old.id]
    since = _iso(utcnow() - timedelta(days=1))
    recent = api.get(f"/commissions?created_from={since}", key).get_json()
    assert old.id not in [c["id"] for c in recent["data"]]


def test_another_sellers_commission_is_404(app_ctx, api):
    mine, theirs = Shop(), Shop()
    commission = make_commission(make_user(Role.CREATOR), theirs.product)
    assert is_problem(api.get(f"/commissions/{commission.id}", make_key(mine.seller)), 404)


def _discount(shop: Shop) -> dict:
    return {
        "name": "Winter sale",
        "kind": "percent",
        "percent_bps": 1500,
        "product_ids": [shop.product.id],
        "ends_at": _iso(utcnow() + timedelta(days=3)),
    }


def test_creates_lists_and_ends_a_discount(app_ctx, api):
    shop = Shop()
    key = make_key(shop.seller)
    created = api.post("/promotions/discounts", key, _discount(shop))
    assert created.status_code == 201, created.get_json()
    discount = created.get_json()
    assert discount["percent_bps"] == 1500
    assert discount["state"] == "running"
    listed = api.get("/promotions/discounts?state=running", key).get_json()
    assert [d["id"] for d in listed["data"]] == [discount["id"]]
    ended = api.post(f"/promotions/discounts/{discount['id']}/end", key)
    assert ended.get_json()["state"] == "ended"
    assert is_problem(api.post(f"/promotions/discounts/{discount['id']}/end", key), 409)


def test_creates_a_fixed_voucher_in_minor_units(app_ctx, api):
    shop = Shop()
    body = {
        "code": "save5",
        "name": "Five off",
        "kind": "fixed",
        "amount_off": 500,
        "min_spend": 2000,
        "ends_at": _iso(utcnow() + timedelta(days=3)),
    }
    response = api.post("/promotions/vouchers", make_key(shop.seller), body)
    assert response.status_code == 201, response.get_json()
    voucher = response.get_json()
    assert voucher["code"] == "SAVE5"
    assert voucher["amount_off"] == {"amount": 500, "currency": "USD"}
    assert voucher["min_spend"] == {"amount": 2000, "currency": "USD"}


def test_another_sellers_voucher_cannot_be_ended(app_ctx, api):
    mine, theirs = Shop(), Shop()
    body = {
        "code": "THEIRS",
        "name": "Theirs",
        "kind": "percent",
        "percent_bps": 1000,
        "ends_at": _iso(utcnow() + timedelta(days=3)),
    }
    voucher = api.post("/promotions/vouchers", make_key(theirs.seller), body).get_json()
    response = api.post(f"/promotions/vouchers/{voucher['id']}/end", make_key(mine.seller))
    assert is_problem(response, 404)


def test_percent_discount_needs_its_percentage(app_ctx, api):
    shop = Shop()
    body = {**_discount(shop)}
    del body["percent_bps"]
    response = api.post("/promotions/discounts", make_key(shop.seller), body)
    assert is_problem(response, 422)
    assert response.get_json()["errors"][0]["field"] == "percent_bps"
