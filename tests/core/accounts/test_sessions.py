"""Sessions follow the account as it is now: suspension and role changes apply at once."""

from __future__ import annotations

import pytest

from core.accounts.models import Role
from tests.conftest import Auth, post_form
from tests.core.accounts.helpers import create_user, is_signed_in, redirect_target

ADMIN = "admin@example.com"
EMAIL = "member@example.com"


@pytest.fixture
def admin_client(app):
    create_user(app, Role.ADMIN, email=ADMIN)
    client = app.test_client()
    assert Auth(client).login(ADMIN).status_code == 302
    return client


def test_suspending_a_user_ends_their_existing_session(app, client, auth, admin_client):
    user_id = create_user(app, Role.BUYER, email=EMAIL)
    auth.login(EMAIL)
    assert is_signed_in(client)

    response = post_form(admin_client, f"/admin/users/{user_id}/suspend", {"reason": "chargebacks"})
    assert response.status_code == 302

    path, query = redirect_target(client.get("/account"))
    assert path == "/login"
    assert query["next"] == ["/account"]


def test_suspending_a_user_ends_their_remember_me_cookie(app, client, auth, admin_client):
    user_id = create_user(app, Role.BUYER, email=EMAIL)
    auth.login(EMAIL, remember="y")

    post_form(admin_client, f"/admin/users/{user_id}/suspend", {"reason": "chargebacks"})
    with client.session_transaction() as session:
        session.clear()  # the browser was closed: only the remember-me cookie is left

    assert not is_signed_in(client)


def test_reinstated_user_must_sign_in_again(app, client, auth, admin_client):
    user_id = create_user(app, Role.BUYER, email=EMAIL)
    auth.login(EMAIL)
    post_form(admin_client, f"/admin/users/{user_id}/suspend", {"reason": "chargebacks"})

    post_form(admin_client, f"/admin/users/{user_id}/reinstate", {"reason": "cleared"})

    assert not is_signed_in(client)
    assert auth.login(EMAIL).status_code == 302
    assert is_signed_in(client)


def test_revoking_the_creator_role_closes_the_creator_centre_at_once(
    app, client, auth, admin_client
):
    user_id = create_user(app, Role.BUYER, Role.CREATOR, email=EMAIL)
    auth.login(EMAIL)
    assert client.get("/creator/").status_code == 200

    response = post_form(admin_client, f"/admin/users/{user_id}/roles/creator/revoke")
    assert response.status_code == 302

    assert client.get("/creator/").status_code == 403
    assert is_signed_in(client)


def test_navigation_follows_a_revoked_role_at_once(app, client, auth, admin_client):
    user_id = create_user(app, Role.BUYER, Role.SELLER, email=EMAIL)
    auth.login(EMAIL)
    assert "Seller centre" in client.get("/").get_data(as_text=True)

    post_form(admin_client, f"/admin/users/{user_id}/roles/seller/revoke")

    assert "Seller centre" not in client.get("/").get_data(as_text=True)


def test_granting_a_role_opens_its_pages_without_signing_in_again(app, client, auth, admin_client):
    user_id = create_user(app, Role.BUYER, email=EMAIL)
    auth.login(EMAIL)
    assert client.get("/finance/").status_code == 403

    post_form(admin_client, f"/admin/users/{user_id}/roles", {"role": "finance"})

    # Still signed in: the new officer is sent to set up two-factor sign-in, not to sign in.
    path, query = redirect_target(client.get("/finance/"))
    assert path == "/account/two-factor/setup"
    assert query["next"] == ["/finance/"]


def test_session_cookie_is_http_only_and_same_site(app, client, auth):
    create_user(app, Role.BUYER, email=EMAIL)

    response = auth.login(EMAIL)

    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie
