"""The admin's user pages: access, search, pagination, roles and suspension."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from core.accounts.models import Role
from core.extensions import db
from tests.conftest import Auth, csrf_token, post_form
from tests.core.accounts.helpers import (
    audit_events,
    create_user,
    is_signed_in,
    redirect_target,
    roles_of,
    user_state,
)
from tests.factories import UserFactory

ADMIN = "admin@example.com"
TARGET = "target@example.com"
_LISTED_EMAIL = re.compile(r'<div class="small text-body-secondary">([^<]+)</div>')


@pytest.fixture
def admin_id(app) -> int:
    return create_user(app, Role.BUYER, Role.ADMIN, email=ADMIN)


@pytest.fixture
def admin(app, admin_id, auth) -> FlaskClient:
    """The test's client, signed in as an administrator."""
    assert auth.login(ADMIN).status_code == 302
    return auth.client


@pytest.fixture
def target_id(app) -> int:
    return create_user(app, Role.BUYER, Role.CREATOR, email=TARGET, display_name="Tara Target")


def listed_emails(response) -> list[str]:
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    table = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in body else ""
    return _LISTED_EMAIL.findall(table)


def admin_urls(user_id: int) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("GET", "/admin/", {}),
        ("GET", "/admin/?q=target&role=creator&page=2", {}),
        ("GET", f"/admin/users/{user_id}", {}),
        ("POST", f"/admin/users/{user_id}/roles", {"role": "admin"}),
        ("POST", f"/admin/users/{user_id}/roles/creator/revoke", {}),
        ("POST", f"/admin/users/{user_id}/suspend", {"reason": "because"}),
        ("POST", f"/admin/users/{user_id}/reinstate", {"reason": "because"}),
    ]


def request(client: FlaskClient, method: str, url: str, data: dict[str, str]):
    if method == "GET":
        return client.get(url)
    return post_form(client, url, data)


# -- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.BUYER, Role.FINANCE, Role.CREATOR, Role.SELLER])
def test_non_admin_gets_403_on_every_admin_url(app, client, target_id, role):
    create_user(app, role, email="staff@example.com")
    Auth(client).login("staff@example.com")

    statuses = {
        url: request(client, method, url, data).status_code
        for method, url, data in admin_urls(target_id)
    }

    assert set(statuses.values()) == {403}, statuses
    assert roles_of(app, TARGET) == {"buyer", "creator"}
    assert not user_state(app, TARGET).suspended
    assert audit_events(app) == []


def test_non_admin_403_page_says_what_is_wrong(app, client):
    create_user(app, Role.FINANCE, email="staff@example.com")
    Auth(client).login("staff@example.com")

    response = client.get("/admin/")

    assert response.status_code == 403
    assert "You don&#39;t have access to this page" in response.get_data(as_text=True)


def test_anonymous_visitor_is_sent_to_sign_in_from_every_admin_url(app, client, target_id):
    for method, url, data in admin_urls(target_id):
        response = request(client, method, url, data)
        path, query = redirect_target(response)
        assert path == "/login", url
        if method == "GET":
            assert query["next"] == [url]
    assert roles_of(app, TARGET) == {"buyer", "creator"}
    assert audit_events(app) == []


def test_admin_post_without_csrf_token_is_refused(app, admin, target_id):
    response = admin.post(f"/admin/users/{target_id}/roles", data={"role": "admin"})

    assert response.status_code == 400
    assert roles_of(app, TARGET) == {"buyer", "creator"}


def test_admin_post_with_wrong_csrf_token_is_refused(app, admin, target_id):
    csrf_token(admin)
    response = admin.post(
        f"/admin/users/{target_id}/suspend", data={"reason": "x", "csrf_token": "forged"}
    )

    assert response.status_code == 400
    assert not user_state(app, TARGET).suspended


# -- list, search, pagination ----------------------------------------------------------------


def test_admin_sees_the_user_list(admin, target_id):
    emails = listed_emails(admin.get("/admin/"))

    assert set(emails) == {ADMIN, TARGET}


@pytest.mark.parametrize(
    "query", ["target", "TARGET", "Target@Example", "tara", "TARA TARGET", "  tara  "]
)
def test_search_finds_users_by_email_or_name_in_any_letter_case(app, admin, target_id, query):
    create_user(app, email="someone@example.com", display_name="Somebody Else")

    emails = listed_emails(admin.get("/admin/", query_string={"q": query}))

    assert emails == [TARGET]


def test_search_with_no_match_shows_an_empty_state(admin, target_id):
    response = admin.get("/admin/?q=nobody-like-this")

    assert listed_emails(response) == []
    assert "No users match" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["%", "_", "\\", "%%", "a_b", "'; DROP TABLE user_account; --"])
def test_search_treats_wildcards_and_quotes_as_plain_text(app, admin, target_id, query):
    emails = listed_emails(admin.get("/admin/", query_string={"q": query}))

    assert emails == []


def test_search_matches_an_underscore_only_literally(app, admin, target_id):
    create_user(app, email="first_last@example.com")
    create_user(app, email="firstxlast@example.com")

    assert listed_emails(admin.get("/admin/?q=first_last")) == ["first_last@example.com"]


def test_role_filter_lists_only_holders_of_the_role(app, admin, target_id):
    create_user(app, Role.SELLER, email="seller@example.com")

    assert listed_emails(admin.get("/admin/?role=creator")) == [TARGET]
    assert listed_emails(admin.get("/admin/?role=seller")) == ["seller@example.com"]
    assert listed_emails(admin.get("/admin/?role=admin")) == [ADMIN]


def test_role_filter_combines_with_search(app, admin, target_id):
    create_user(app, Role.CREATOR, email="other-creator@example.com")

    emails = listed_emails(admin.get("/admin/?role=creator&q=target"))

    assert emails == [TARGET]


@pytest.mark.parametrize("role", ["bogus", "ADMIN", "", "%"])
def test_unknown_role_filter_lists_everyone(admin, target_id, role):
    emails = listed_emails(admin.get("/admin/", query_string={"role": role}))

    assert set(emails) == {ADMIN, TARGET}


def _thirty_users(app) -> list[str]:
    with app.app_context():
        users = UserFactory.create_batch(30)
        return [u.email for u in users]


def test_users_are_paginated(app, admin):
    emails = _thirty_users(app)
    page_size = app.config["ADMIN_PAGE_SIZE"]
    everyone = [*reversed(emails), ADMIN]  # newest first

    first = listed_emails(admin.get("/admin/"))
    second = listed_emails(admin.get("/admin/?page=2"))

    assert first == everyone[:page_size]
    assert second == everyone[page_size:]
    assert len(first) + len(second) == 31


def test_pagination_keeps_the_search_in_its_links(app, admin):
    _thirty_users(app)

    body = admin.get("/admin/?q=example").get_data(as_text=True)

    assert "/admin/?q=example&amp;page=2" in body


@pytest.mark.parametrize("page", ["abc", "-1", "0", "1.5", "", " 2", "\u0661", "\u00b2", "\u2460"])
def test_malformed_page_number_shows_the_first_page(app, admin, page):
    emails = _thirty_users(app)

    listed = listed_emails(admin.get("/admin/", query_string={"page": page}))

    assert listed[0] == emails[-1]


@pytest.mark.parametrize("page", ["50", "99999999999999999999"])
def test_page_past_the_end_is_empty_not_an_error(app, admin, page):
    _thirty_users(app)

    assert listed_emails(admin.get("/admin/", query_string={"page": page})) == []


@pytest.mark.parametrize(
    "query",
    ["x" * 5000, "\u202e\U0001f600", "<script>alert(1)</script>"],
    ids=["very-long", "unicode", "markup"],
)
def test_odd_search_text_is_searched_as_plain_text(admin, target_id, query):
    response = admin.get("/admin/", query_string={"q": query})

    assert listed_emails(response) == []
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["\x00", "tar\x00get"])
def test_search_with_a_nul_byte_is_a_bad_request_not_a_server_error(admin, target_id, query):
    assert admin.get("/admin/", query_string={"q": query}).status_code == 400


def test_suspension_reason_with_a_nul_byte_is_refused(app, admin, target_id):
    response = post_form(admin, f"/admin/users/{target_id}/suspend", {"reason": "bad\x00actor"})

    assert response.status_code == 400
    assert not user_state(app, TARGET).suspended


def test_users_page_issues_the_same_number_of_statements_for_5_or_40_users(
    app, admin, count_queries
):
    def statements_for_one_get() -> int:
        with app.app_context():
            db.session.remove()
        before = count_queries.count
        assert admin.get("/admin/").status_code == 200
        return count_queries.count - before

    with app.app_context():
        for i in range(4):
            UserFactory(roles=[Role.BUYER, Role.CREATOR] if i % 2 else [Role.SELLER])
    admin.get("/admin/")  # warm up caches that are not about the number of users
    with_5 = statements_for_one_get()

    with app.app_context():
        for i in range(35):
            UserFactory(roles=[Role.BUYER, Role.CREATOR] if i % 2 else [Role.SELLER])
    with_40 = statements_for_one_get()

    assert with_5 == with_40


# -- user detail -------------------------------------------------------------------------------


def test_user_detail_shows_the_account_and_its_roles(admin, target_id):
    body = admin.get(f"/admin/users/{target_id}").get_data(as_text=True)

    assert TARGET in body
    assert "Tara Target" in body
    assert "role-badge-creator" in body


@pytest.mark.parametrize(
    "method", ["GET", "POST-roles", "POST-revoke", "POST-suspend", "POST-reinstate"]
)
def test_unknown_user_id_is_404(admin, method):
    urls = {
        "GET": ("GET", "/admin/users/999999", {}),
        "POST-roles": ("POST", "/admin/users/999999/roles", {"role": "admin"}),
        "POST-revoke": ("POST", "/admin/users/999999/roles/creator/revoke", {}),
        "POST-suspend": ("POST", "/admin/users/999999/suspend", {"reason": "x"}),
        "POST-reinstate": ("POST", "/admin/users/999999/reinstate", {}),
    }
    assert request(admin, *urls[method]).status_code == 404


@pytest.mark.parametrize("user_id", ["abc", "-1", "1.5", "99999999999999999999999"])
def test_malformed_user_id_is_404(admin, user_id):
    assert admin.get(f"/admin/users/{user_id}").status_code == 404


# -- roles ---------------------------------------------------------------------------------------


def test_admin_grants_a_role(app, admin, target_id):
    response = post_form(admin, f"/admin/users/{target_id}/roles", {"role": "finance"})

    assert redirect_target(response)[0] == f"/admin/users/{target_id}"
    assert roles_of(app, TARGET) == {"buyer", "creator", "finance"}
    assert f"Granted Finance to {TARGET}." in admin.get(response.location).get_data(as_text=True)


def test_granting_a_role_is_audited_with_the_admin_as_actor(app, admin, admin_id, target_id):
    post_form(admin, f"/admin/users/{target_id}/roles", {"role": "finance"})

    [event] = audit_events(app, "role_granted")
    assert event.actor_id == admin_id
    assert (event.subject_type, event.subject_id, event.to_state) == (
        "user",
        str(target_id),
        "finance",
    )


def test_granting_a_role_already_held_changes_nothing(app, admin, target_id):
    response = post_form(admin, f"/admin/users/{target_id}/roles", {"role": "creator"})

    assert response.status_code == 302
    assert roles_of(app, TARGET) == {"buyer", "creator"}
    assert audit_events(app) == []


@pytest.mark.parametrize("role", ["superuser", "", "Admin"])
def test_granting_an_unknown_role_is_refused(app, admin, target_id, role):
    response = post_form(admin, f"/admin/users/{target_id}/roles", {"role": role})

    assert response.status_code == 400
    assert roles_of(app, TARGET) == {"buyer", "creator"}


def test_admin_revokes_a_role(app, admin, target_id):
    response = post_form(admin, f"/admin/users/{target_id}/roles/creator/revoke")

    assert redirect_target(response)[0] == f"/admin/users/{target_id}"
    assert roles_of(app, TARGET) == {"buyer"}


def test_revoking_a_role_is_audited_with_the_admin_as_actor(app, admin, admin_id, target_id):
    post_form(admin, f"/admin/users/{target_id}/roles/creator/revoke")

    [event] = audit_events(app, "role_revoked")
    assert (event.actor_id, event.subject_id, event.from_state) == (
        admin_id,
        str(target_id),
        "creator",
    )


def test_revoking_a_role_not_held_changes_nothing(app, admin, target_id):
    response = post_form(admin, f"/admin/users/{target_id}/roles/seller/revoke")

    assert response.status_code == 302
    assert roles_of(app, TARGET) == {"buyer", "creator"}
    assert audit_events(app) == []


def test_buyer_role_cannot_be_revoked(app, admin, target_id):
    response = post_form(admin, f"/admin/users/{target_id}/roles/buyer/revoke")

    assert response.status_code == 409
    assert "the buyer role cannot be removed" in response.get_data(as_text=True)
    assert roles_of(app, TARGET) == {"buyer", "creator"}


@pytest.mark.parametrize("role_name", ["superuser", "ADMIN", "%20"])
def test_unknown_role_name_in_the_revoke_url_is_404(app, admin, target_id, role_name):
    response = post_form(admin, f"/admin/users/{target_id}/roles/{role_name}/revoke")

    assert response.status_code == 404
    assert roles_of(app, TARGET) == {"buyer", "creator"}


def test_admin_cannot_revoke_their_own_admin_role(app, admin, admin_id):
    response = post_form(admin, f"/admin/users/{admin_id}/roles/admin/revoke")

    assert response.status_code == 409
    assert "You cannot remove your own admin role" in response.get_data(as_text=True)
    assert "admin" in roles_of(app, ADMIN)
    assert audit_events(app) == []


def test_admin_may_revoke_another_admins_admin_role(app, admin):
    other_id = create_user(app, Role.ADMIN, email="other-admin@example.com")

    response = post_form(admin, f"/admin/users/{other_id}/roles/admin/revoke")

    assert response.status_code == 302
    assert roles_of(app, "other-admin@example.com") == set()


# -- suspension ----------------------------------------------------------------------------------


def test_admin_suspends_a_user_with_a_reason(app, admin, target_id):
    response = post_form(admin, f"/admin/users/{target_id}/suspend", {"reason": "chargebacks"})

    assert redirect_target(response)[0] == f"/admin/users/{target_id}"
    state = user_state(app, TARGET)
    assert state.suspended
    assert state.suspension_reason == "chargebacks"


def test_suspension_is_audited_with_actor_and_reason(app, admin, admin_id, target_id):
    post_form(admin, f"/admin/users/{target_id}/suspend", {"reason": "chargebacks"})

    [event] = audit_events(app, "user_suspended")
    assert (event.actor_id, event.subject_id, event.reason) == (
        admin_id,
        str(target_id),
        "chargebacks",
    )
    assert (event.from_state, event.to_state) == ("active", "suspended")


def test_suspended_user_cannot_sign_in(app, admin, target_id):
    post_form(admin, f"/admin/users/{target_id}/suspend", {"reason": "chargebacks"})

    assert Auth(app.test_client()).login(TARGET).status_code == 403


@pytest.mark.parametrize("reason", ["", "   "])
def test_suspension_needs_a_reason(app, admin, target_id, reason):
    response = post_form(admin, f"/admin/users/{target_id}/suspend", {"reason": reason})

    assert response.status_code == 400
    assert "Say why the account is suspended." in response.get_data(as_text=True)
    assert not user_state(app, TARGET).suspended


def test_suspension_reason_over_500_characters_is_refused(app, admin, target_id):
    response = post_form(admin, f"/admin/users/{target_id}/suspend", {"reason": "x" * 501})

    assert response.status_code == 400
    assert not user_state(app, TARGET).suspended


def test_admin_cannot_suspend_themselves(app, admin, admin_id):
    response = post_form(admin, f"/admin/users/{admin_id}/suspend", {"reason": "oops"})

    assert response.status_code == 409
    assert "You cannot suspend your own account." in response.get_data(as_text=True)
    assert not user_state(app, ADMIN).suspended
    assert is_signed_in(admin)


def test_suspending_an_already_suspended_user_changes_nothing(app, admin, target_id):
    post_form(admin, f"/admin/users/{target_id}/suspend", {"reason": "first"})

    response = post_form(admin, f"/admin/users/{target_id}/suspend", {"reason": "second"})

    assert response.status_code == 302
    assert user_state(app, TARGET).suspension_reason == "first"
    assert len(audit_events(app, "user_suspended")) == 1


def test_admin_reinstates_a_suspended_user(app, admin, target_id):
    post_form(admin, f"/admin/users/{target_id}/suspend", {"reason": "chargebacks"})

    response = post_form(admin, f"/admin/users/{target_id}/reinstate", {"reason": "cleared"})

    assert redirect_target(response)[0] == f"/admin/users/{target_id}"
    state = user_state(app, TARGET)
    assert not state.suspended
    assert state.suspension_reason is None
    assert Auth(app.test_client()).login(TARGET).status_code == 302


def test_reinstatement_is_audited(app, admin, admin_id, target_id):
    post_form(admin, f"/admin/users/{target_id}/suspend", {"reason": "chargebacks"})
    post_form(admin, f"/admin/users/{target_id}/reinstate", {"reason": "cleared"})

    [event] = audit_events(app, "user_reinstated")
    assert (event.actor_id, event.reason) == (admin_id, "cleared")


def test_reinstating_an_active_user_changes_nothing(app, admin, target_id):
    response = post_form(admin, f"/admin/users/{target_id}/reinstate")

    assert response.status_code == 302
    assert audit_events(app) == []


def test_user_detail_shows_the_history_of_the_account(admin, target_id):
    post_form(admin, f"/admin/users/{target_id}/suspend", {"reason": "chargebacks"})

    body = admin.get(f"/admin/users/{target_id}").get_data(as_text=True)

    assert "user suspended" in body
    assert "chargebacks" in body
    assert f"by {ADMIN}" in body
