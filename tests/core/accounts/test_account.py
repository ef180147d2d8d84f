"""The account page: taking on self-service roles and changing the password."""

from __future__ import annotations

import pytest

from core.accounts.models import Role
from tests.conftest import Auth, post_form
from tests.core.accounts.helpers import (
    PASSWORD,
    audit_events,
    create_user,
    is_signed_in,
    redirect_target,
    roles_of,
)

EMAIL = "member@example.com"
NEW_PASSWORD = "a-brand-new-secret"


@pytest.fixture
def member(app, auth) -> int:
    """A signed-in buyer."""
    user_id = create_user(app, Role.BUYER, email=EMAIL)
    assert auth.login(EMAIL).status_code == 302
    return user_id


def change_password(
    client, current: str = PASSWORD, new: str = NEW_PASSWORD, confirm: str | None = None
):
    return post_form(
        client,
        "/account/password",
        {
            "current_password": current,
            "new_password": new,
            "confirm": new if confirm is None else confirm,
        },
    )


def test_account_page_needs_sign_in(client):
    response = client.get("/account")

    path, query = redirect_target(response)
    assert path == "/login"
    assert query["next"] == ["/account"]


def test_account_page_shows_the_user_and_their_roles(member, client):
    page = client.get("/account").get_data(as_text=True)

    assert EMAIL in page
    assert "role-badge-buyer" in page
    assert "Become a creator" in page
    assert "Open a store" in page


def test_become_a_creator_adds_the_creator_role(app, member, client):
    response = post_form(client, "/account/roles", {"role": "creator"})

    assert redirect_target(response)[0] == "/creator/"
    assert roles_of(app, EMAIL) == {"buyer", "creator"}
    assert client.get("/creator/").status_code == 200


def test_become_a_creator_is_recorded_in_the_audit_log(app, member, client):
    post_form(client, "/account/roles", {"role": "creator"})

    [event] = audit_events(app, "role_added")
    assert (event.actor_id, event.subject_type, event.subject_id) == (member, "user", str(member))
    assert event.to_state == "creator"


def test_open_a_store_adds_the_seller_role(app, member, client):
    response = post_form(client, "/account/roles", {"role": "seller"})

    assert redirect_target(response)[0] == "/seller/"
    assert roles_of(app, EMAIL) == {"buyer", "seller"}
    assert client.get("/seller/").status_code == 200


def test_open_a_store_is_recorded_in_the_audit_log(app, member, client):
    post_form(client, "/account/roles", {"role": "seller"})

    [event] = audit_events(app, "role_added")
    assert (event.actor_id, event.to_state) == (member, "seller")


def test_taking_a_role_already_held_changes_nothing(app, member, client):
    post_form(client, "/account/roles", {"role": "creator"})
    response = post_form(client, "/account/roles", {"role": "creator"})

    assert response.status_code == 302
    assert roles_of(app, EMAIL) == {"buyer", "creator"}
    assert len(audit_events(app, "role_added")) == 1


@pytest.mark.parametrize("role", ["finance", "admin", "superuser", ""])
def test_staff_or_unknown_role_cannot_be_taken_from_the_account_page(app, member, client, role):
    response = post_form(client, "/account/roles", {"role": role})

    assert redirect_target(response)[0] == "/account"
    assert roles_of(app, EMAIL) == {"buyer"}
    assert audit_events(app) == []
    page = client.get("/account").get_data(as_text=True)
    assert "That role cannot be added from your account page." in page


def test_taking_a_role_needs_a_csrf_token(app, member, client):
    response = client.post("/account/roles", data={"role": "creator"})

    assert response.status_code == 400
    assert roles_of(app, EMAIL) == {"buyer"}


def test_taking_a_role_needs_sign_in(app, client):
    response = post_form(client, "/account/roles", {"role": "creator"})

    assert redirect_target(response)[0] == "/login"


def test_change_password_with_wrong_current_password_is_refused(app, member, client):
    response = change_password(client, current="not-my-password")

    assert response.status_code == 400
    assert "That is not your current password." in response.get_data(as_text=True)
    assert Auth(app.test_client()).login(EMAIL, PASSWORD).status_code == 302


@pytest.mark.parametrize("new", ["short", "aaaaaaaaaaaaaa", EMAIL])
def test_change_password_to_a_weak_one_is_refused(app, member, client, new):
    response = change_password(client, new=new)

    assert response.status_code == 400
    assert Auth(app.test_client()).login(EMAIL, PASSWORD).status_code == 302


def test_change_password_with_mismatched_confirmation_is_refused(app, member, client):
    response = change_password(client, confirm=NEW_PASSWORD + "-typo")

    assert response.status_code == 400
    assert "The passwords differ." in response.get_data(as_text=True)


def test_change_password_replaces_the_old_password(app, member, client):
    assert redirect_target(change_password(client))[0] == "/account"

    assert Auth(app.test_client()).login(EMAIL, NEW_PASSWORD).status_code == 302
    assert Auth(app.test_client()).login(EMAIL, PASSWORD).status_code == 401


def test_change_password_is_recorded_in_the_audit_log(app, member, client):
    change_password(client)

    [event] = audit_events(app, "password_changed")
    assert (event.actor_id, event.subject_id) == (member, str(member))


def test_change_password_keeps_this_session_signed_in(app, member, client):
    change_password(client)

    assert is_signed_in(client)


def test_change_password_signs_out_the_other_sessions(app, member, client):
    other_device = app.test_client()
    assert Auth(other_device).login(EMAIL).status_code == 302
    assert is_signed_in(other_device)

    change_password(client)

    assert not is_signed_in(other_device)
    assert is_signed_in(client)


def test_change_password_ends_remember_me_cookies_of_other_devices(app, member, client):
    other_device = app.test_client()
    Auth(other_device).login(EMAIL, remember="y")
    with other_device.session_transaction() as session:
        session.clear()  # the browser was closed: only the remember-me cookie is left
    assert is_signed_in(other_device)

    change_password(client)
    with other_device.session_transaction() as session:
        session.clear()

    assert not is_signed_in(other_device)


def test_change_password_keeps_the_remember_me_cookie_of_this_device_working(app, client):
    create_user(app, Role.BUYER, email=EMAIL)
    Auth(client).login(EMAIL, remember="y")

    change_password(client)
    with client.session_transaction() as session:
        session.clear()  # the browser was closed: only the remember-me cookie is left

    assert is_signed_in(client)
