"""What every API operation shares: keys, scopes, errors, idempotency, pages, ETags, audit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from api.keys import services as keys
from api.keys.models import ApiKey, IdempotentRequest
from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from core.types import utcnow
from tests.api.conftest import is_problem, make_key
from tests.factories import make_user
from tests.shop.factories import Shop, category, make_product


def _new_product(sku: str = "NEW-1", title: str = "New") -> dict:
    return {
        "title": title,
        "category_id": category().id,
        "variants": [{"sku": sku, "price": 1000, "stock": 3}],
    }


def test_no_key_is_401_problem(app_ctx, api):
    response = api.get("/products", None)
    assert is_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_key_is_401(app_ctx, api):
    assert is_problem(api.get("/products", "yck_00000000_nope"), 401)


def test_revoked_key_is_401(app_ctx, api):
    shop = Shop()
    secret = make_key(shop.seller)
    key = db.session.scalars(select(ApiKey)).one()
    keys.revoke_key(shop.seller, key)
    db.session.commit()
    assert is_problem(api.get("/products", secret), 401)


def test_suspended_owner_key_is_401(app_ctx, api):
    shop = Shop()
    secret = make_key(shop.seller)
    shop.seller.suspended_at = utcnow()
    db.session.commit()
    assert is_problem(api.get("/products", secret), 401)


def test_missing_scope_is_403(app_ctx, api):
    shop = Shop()
    secret = make_key(shop.seller, "orders:read")
    assert is_problem(api.get("/products", secret), 403)


def test_read_only_key_cannot_write(app_ctx, api):
    shop = Shop()
    secret = make_key(shop.seller, "products:read")
    assert api.get("/products", secret).status_code == 200
    assert is_problem(api.post("/products", secret, _new_product()), 403)


def test_key_loses_scopes_its_owner_loses_with_a_role(app_ctx, api):
    shop = Shop()
    secret = make_key(shop.seller)
    shop.seller.roles = [r for r in shop.seller.roles if r.role != Role.SELLER.value]
    db.session.commit()
    assert is_problem(api.get("/products", secret), 403)


def test_a_buyer_cannot_make_a_key_with_seller_or_finance_scopes(app_ctx):
    buyer = make_user(Role.BUYER)
    for scope in ("products:read", "finance:write"):
        try:
            keys.create_key(buyer, "sneaky", [scope])
        except keys.InvalidScopes:
            continue
        raise AssertionError(f"{scope} was granted to a buyer")


def test_key_is_stored_hashed_and_shown_by_prefix(app_ctx):
    user = make_user(Role.SELLER)
    new = keys.create_key(user, "ERP", ["products:read"])
    db.session.commit()
    assert new.secret.startswith(new.key.prefix + "_")
    assert new.key.key_hash != new.secret
    assert new.secret not in new.key.key_hash


def test_another_sellers_product_is_404(app_ctx, api):
    mine, theirs = Shop(), Shop()
    secret = make_key(mine.seller)
    response = api.get(f"/products/{theirs.product.id}", secret)
    assert is_problem(response, 404)
    assert is_problem(api.patch(f"/products/{theirs.product.id}", secret, {"title": "x"}), 404)


def test_validation_problem_names_each_field(app_ctx, api):
    shop = Shop()
    secret = make_key(shop.seller)
    response = api.post("/products", secret, {"title": "", "variants": [{"sku": "A"}]})
    assert is_problem(response, 422)
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert {"title", "category_id", "variants[0].price", "variants[0].stock"} <= fields


def test_service_refusal_becomes_a_field_problem(app_ctx, api):
    shop = Shop()
    secret = make_key(shop.seller)
    taken = shop.variants[0].sku
    response = api.post("/products", secret, _new_product(sku=taken))
    assert is_problem(response, 422)
    assert response.get_json()["errors"][0]["field"].startswith("variants[0]")


def test_idempotent_post_returns_the_first_answer(app_ctx, api):
    shop = Shop()
    secret = make_key(shop.seller)
    headers = {"Idempotency-Key": "create-1"}
    first = api.post("/products", secret, _new_product(), headers=headers)
    again = api.post("/products", secret, _new_product(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = api.get("/products", secret).get_json()["data"]
    assert len(listed) == 2  # the seller's first product and one new one


def test_same_idempotency_key_with_another_body_is_422(app_ctx, api):
    shop = Shop()
    secret = make_key(shop.seller)
    headers = {"Idempotency-Key": "create-2"}
    api.post("/products", secret, _new_product(), headers=headers)
    other = api.post("/products", secret, _new_product(title="Other"), headers=headers)
    assert is_problem(other, 422)


def test_idempotency_keys_belong_to_their_owner(app_ctx, api):
    one, two = Shop(), Shop()
    headers = {"Idempotency-Key": "shared"}
    first = api.post("/products", make_key(one.seller), _new_product("A-1"), headers=headers)
    second = api.post("/products", make_key(two.seller), _new_product("A-1"), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] != second.get_json()["id"]


def test_idempotency_key_expires_after_a_day(app_ctx, api):
    shop = Shop()
    secret = make_key(shop.seller)
    headers = {"Idempotency-Key": "old"}
    first = api.post("/products", secret, _new_product("OLD-1"), headers=headers)
    db.session.execute(update(IdempotentRequest).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    again = api.post("/products", secret, _new_product("OLD-2"), headers=headers)
    assert again.status_code == 201
    assert again.get_json()["id"] != first.get_json()["id"]


def test_cursor_pages_are_stable_while_items_are_added(app_ctx, api):
    shop = Shop()
    for _ in range(4):
        make_product(shop.store)
    secret = make_key(shop.seller)
    first = api.get("/products?limit=2", secret).get_json()
    make_product(shop.store)  # a new product arrives between pages
    second = api.get(f"/products?limit=2&cursor={first['next_cursor']}", secret).get_json()
    third = api.get(f"/products?limit=2&cursor={second['next_cursor']}", secret).get_json()
    seen = [p["id"] for page in (first, second, third) for p in page["data"]]
    assert len(seen) == len(set(seen)) == 5
    assert seen == sorted(seen, reverse=True)
    assert third["next_cursor"] is None


def test_bad_cursor_is_a_validation_problem(app_ctx, api):
    shop = Shop()
    response = api.get("/products?cursor=not-a-cursor", make_key(shop.seller))
    assert is_problem(response, 422)
    assert response.get_json()["errors"][0]["field"] == "cursor"


def test_etag_gives_304_when_nothing_changed(app_ctx, api):
    shop = Shop()
    secret = make_key(shop.seller)
    first = api.get(f"/products/{shop.product.id}", secret)
    etag = first.headers["ETag"]
    again = api.get(f"/products/{shop.product.id}", secret, headers={"If-None-Match": etag})
    assert again.status_code == 304
    api.patch(f"/products/{shop.product.id}", secret, {"title": "Renamed"})
    changed = api.get(f"/products/{shop.product.id}", secret, headers={"If-None-Match": etag})
    assert changed.status_code == 200


def test_every_write_is_audited_with_the_keys_name(app_ctx, api):
    shop = Shop()
    secret = make_key(shop.seller, name="Warehouse ERP")
    created = api.post("/products", secret, _new_product()).get_json()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "api.create_product")
    ).one()
    assert event.actor_id == shop.seller.id
    assert event.subject_type == "product"
    assert event.subject_id == str(created["id"])
    assert "Warehouse ERP" in event.reason


def test_timestamps_are_rfc3339_utc(app_ctx, api):
    shop = Shop()
    body = api.get(f"/products/{shop.product.id}", make_key(shop.seller)).get_json()
    assert body["created_at"].endswith("Z")


def test_unknown_path_is_a_404_problem(app_ctx, api):
    shop = Shop()
    assert is_problem(api.get("/nothing-here", make_key(shop.seller)), 404)


def test_rate_limit_per_key_is_a_429_problem(app, app_ctx, api):
    shop = Shop()
    secret = make_key(shop.seller)
    other = make_key(shop.seller, name="Other")
    app.config["API_RATE_LIMIT"] = "2 per minute"
    try:
        api.get("/products", secret)
        api.get("/products", secret)
        limited = api.get("/products", secret)
        assert is_problem(limited, 429)
        assert api.get("/products", other).status_code == 200
    finally:
        app.config.pop("API_RATE_LIMIT")


def test_last_used_is_recorded(app_ctx, api):
    shop = Shop()
    secret = make_key(shop.seller)
    api.get("/products", secret)
    db.session.expire_all()
    assert db.session.scalars(select(ApiKey)).one().last_used_at is not None


def test_expired_idempotent_answers_are_purged(app_ctx, api):
    from api.keys.jobs import purge_expired

    shop = Shop()
    secret = make_key(shop.seller)
    api.post("/products", secret, _new_product(), headers={"Idempotency-Key": "p-1"})
    assert purge_expired() == 0
    assert purge_expired(now=utcnow() + timedelta(hours=25)) == 1


def test_a_known_path_with_another_method_is_405(app_ctx, api):
    shop = Shop()
    response = api.call("DELETE", f"/products/{shop.product.id}", make_key(shop.seller))
    assert is_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "PATCH"}


def test_a_refused_first_answer_is_replayed_too(app_ctx, api):
    shop = Shop()
    secret = make_key(shop.seller)
    taken = _new_product(sku=shop.variants[0].sku)
    headers = {"Idempotency-Key": "refused-1"}
    first = api.post("/products", secret, taken, headers=headers)
    again = api.post("/products", secret, taken, headers=headers)
    assert is_problem(first, 422)
    assert is_problem(again, 422)
    assert again.headers["Idempotent-Replayed"] == "true"


def test_a_body_that_is_not_json_is_a_validation_problem(app_ctx, api):
    shop = Shop()
    response = api.client.post(
        "/api/v1/products",
        data="{not json",
        headers={"Authorization": f"Bearer {make_key(shop.seller)}"},
    )
    assert is_problem(response, 422)
    assert response.get_json()["errors"][0]["field"] == "body"


def test_an_id_beyond_the_keys_range_is_404_not_an_error(app_ctx, api):
    shop = Shop()
    key = make_key(shop.seller)
    assert is_problem(api.get(f"/products/{2**31}", key), 404)
    assert is_problem(api.get(f"/products/{2**70}", key), 404)
    assert is_problem(api.get(f"/products/{2**31}", None), 401)
