"""The account's API keys page and ``flask api-keys create``."""

from __future__ import annotations

import re

from sqlalchemy import select

from api.keys.models import ApiKey
from core.accounts.models import Role
from core.extensions import db
from tests.api.conftest import make_key
from tests.conftest import csrf_token, post_form
from tests.factories import make_user
from tests.shop.factories import Shop
from tests.two_factor import step_up

KEY = re.compile(r"yck_[0-9a-f]{8}_[A-Za-z0-9_-]+")


def test_page_needs_sign_in(client):
    response = client.get("/account/api-keys")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_page_offers_only_the_areas_of_the_users_roles(app_ctx, client, auth):
    user = make_user(Role.CREATOR)
    auth.login(user.email)
    page = client.get("/account/api-keys").get_data(as_text=True)
    assert 'value="withdrawals:write"' in page
    assert 'value="products:read"' not in page
    assert 'value="finance:read"' not in page


def test_account_menu_links_to_the_keys_page(app_ctx, client, auth):
    user = make_user(Role.SELLER)
    auth.login(user.email)
    assert "/account/api-keys" in client.get("/account").get_data(as_text=True)


def test_creates_a_key_and_shows_it_once(app_ctx, client, auth):
    shop = Shop()
    auth.login(shop.seller.email)
    step_up(client, shop.seller.email)
    response = post_form(
        client,
        "/account/api-keys",
        {"name": "Warehouse", "scopes": ["products:read", "orders:write"]},
    )
    assert response.status_code == 201
    secret = KEY.search(response.get_data(as_text=True)).group(0)
    key = db.session.scalars(select(ApiKey)).one()
    assert key.scopes == "products:read orders:write"
    assert key.key_hash != secret
    again = client.get("/account/api-keys").get_data(as_text=True)
    assert secret not in again
    assert key.prefix in again
    used = client.get("/api/v1/products", headers={"Authorization": f"Bearer {secret}"})
    assert used.status_code == 200


def test_a_scope_beyond_the_users_roles_is_refused(app_ctx, client, auth):
    user = make_user(Role.CREATOR)
    auth.login(user.email)
    step_up(client, user.email)
    response = post_form(client, "/account/api-keys", {"name": "x", "scopes": ["finance:write"]})
    assert response.status_code == 400
    assert db.session.scalars(select(ApiKey)).first() is None


def test_a_key_without_a_name_is_refused(app_ctx, client, auth):
    user = make_user(Role.SELLER)
    auth.login(user.email)
    step_up(client, user.email)
    response = post_form(client, "/account/api-keys", {"name": "", "scopes": ["products:read"]})
    assert response.status_code == 400


def test_making_a_key_needs_a_recent_confirmation(app_ctx, client, auth):
    user = make_user(Role.SELLER)
    auth.login(user.email)
    response = post_form(client, "/account/api-keys", {"name": "x", "scopes": ["products:read"]})
    assert response.status_code == 302
    assert "/account/confirm" in response.headers["Location"]
    assert db.session.scalars(select(ApiKey)).first() is None


def test_renames_and_rescopes_a_key(app_ctx, client, auth):
    shop = Shop()
    make_key(shop.seller, "products:read", name="Old")
    key = db.session.scalars(select(ApiKey)).one()
    auth.login(shop.seller.email)
    response = post_form(
        client, f"/account/api-keys/{key.id}", {"name": "New", "scopes": ["orders:read"]}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert (key.name, key.scopes) == ("New", "orders:read")


def test_revokes_a_key(app_ctx, client, auth):
    shop = Shop()
    secret = make_key(shop.seller)
    key = db.session.scalars(select(ApiKey)).one()
    auth.login(shop.seller.email)
    assert post_form(client, f"/account/api-keys/{key.id}/revoke").status_code == 303
    used = client.get("/api/v1/products", headers={"Authorization": f"Bearer {secret}"})
    assert used.status_code == 401


def test_another_users_key_is_404(app_ctx, client, auth):
    owner = make_user(Role.SELLER)
    make_key(owner, "products:read")
    key = db.session.scalars(select(ApiKey)).one()
    other = make_user(Role.SELLER)
    auth.login(other.email)
    assert post_form(client, f"/account/api-keys/{key.id}/revoke").status_code == 404
    db.session.expire_all()
    assert key.revoked_at is None


def test_api_ignores_the_session_cookie(app_ctx, client, auth):
    shop = Shop()
    auth.login(shop.seller.email)
    assert client.get("/api/v1/products").status_code == 401
    token = csrf_token(client)
    response = client.post("/api/v1/products", json={}, headers={"X-CSRFToken": token})
    assert response.status_code == 401


def test_cli_prints_the_key_alone_on_its_last_line(app, app_ctx):
    shop = Shop(email="seller@example.com")
    result = app.test_cli_runner().invoke(
        args=["api-keys", "create", "--email", "seller@example.com", "--scopes", "all"]
    )
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert KEY.fullmatch(last)
    key = db.session.scalars(select(ApiKey)).one()
    assert key.user_id == shop.seller.id
    assert "products:write" in key.scope_set
    assert "finance:read" not in key.scope_set


def test_cli_refuses_scopes_beyond_the_roles(app, app_ctx):
    make_user(Role.BUYER, email="buyer@example.com")
    result = app.test_cli_runner().invoke(
        args=["api-keys", "create", "--email", "buyer@example.com", "--scopes", "orders:read"]
    )
    assert result.exit_code != 0
    assert "do not allow" in result.output


def test_cli_refuses_an_unknown_email(app, app_ctx):
    result = app.test_cli_runner().invoke(
        args=["api-keys", "create", "--email", "nobody@example.com", "--scopes", "all"]
    )
    assert result.exit_code != 0
