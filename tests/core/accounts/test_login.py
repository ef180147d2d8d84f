"""Sign-in and sign-out: landing pages, refusals, the ``next`` parameter, sessions, throttling."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from limits import parse

from core.accounts.models import Role, User
from core.extensions import db
from tests.conftest import csrf_token, post_form
from tests.core.accounts.helpers import PASSWORD, create_user, is_signed_in, redirect_target
from tests.two_factor import remember_device

WRONG = "not-the-password"


def login(client, email: str, password: str = PASSWORD, *, ip: str = "127.0.0.1", **extra):
    """Post the sign-in form from ``ip`` with the session's own CSRF token."""
    data = {"csrf_token": csrf_token(client), "email": email, "password": password, **extra}
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": ip})


def session_keys(client) -> set[str]:
    with client.session_transaction() as session:
        return set(session.keys())


def limit_of(app, name: str) -> int:
    return parse(app.config[name]).amount


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.BUYER, "/"),
        (Role.CREATOR, "/creator/"),
        (Role.SELLER, "/seller/"),
        (Role.FINANCE, "/finance/"),
        (Role.ADMIN, "/admin/"),
    ],
)
def test_login_redirects_to_the_landing_page_of_the_role(app, client, role, landing):
    create_user(app, role, email="someone@example.com")
    if role in (Role.FINANCE, Role.ADMIN):  # staff: a browser that already showed a code
        remember_device(client, "someone@example.com")

    response = login(client, "someone@example.com")

    assert redirect_target(response)[0] == landing
    assert client.get(landing).status_code == 200


def test_login_of_a_seller_who_also_buys_lands_in_the_seller_centre(app, client):
    create_user(app, Role.BUYER, Role.SELLER, email="both@example.com")
    assert redirect_target(login(client, "both@example.com"))[0] == "/seller/"


def test_login_ignores_letter_case_and_spaces_in_the_email(app, client):
    create_user(app, email="someone@example.com")

    response = login(client, "  SomeOne@Example.COM ")

    assert response.status_code == 302
    assert is_signed_in(client)


def test_login_records_the_time_of_sign_in(app, client):
    create_user(app, email="someone@example.com")
    before = datetime.now(UTC)

    login(client, "someone@example.com")

    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert user.last_login_at is not None
        assert user.last_login_at >= before.replace(microsecond=0)


def test_wrong_password_is_refused_with_401_and_a_clear_message(app, client):
    create_user(app, email="someone@example.com")

    response = login(client, "someone@example.com", WRONG)

    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)


def test_wrong_password_leaves_no_signed_in_session(app, client):
    create_user(app, email="someone@example.com")

    login(client, "someone@example.com", WRONG)

    assert "_user_id" not in session_keys(client)
    assert not is_signed_in(client)


def test_unknown_email_gets_the_same_message_as_a_wrong_password(client):
    response = login(client, "nobody@example.com", WRONG)

    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)
    assert "_user_id" not in session_keys(client)


def test_login_form_without_password_is_refused_with_400(app, client):
    create_user(app, email="someone@example.com")

    response = login(client, "someone@example.com", "")

    assert response.status_code == 400
    assert "Enter your password." in response.get_data(as_text=True)
    assert not is_signed_in(client)


def test_login_without_csrf_token_is_refused(app, client):
    create_user(app, email="someone@example.com")

    response = client.post("/login", data={"email": "someone@example.com", "password": PASSWORD})

    assert response.status_code == 400
    assert not is_signed_in(client)


def _suspend(app, email: str) -> None:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        user.suspended_at = datetime.now(UTC)
        user.suspension_reason = "fraud review"
        db.session.commit()


def test_suspended_account_is_refused_with_403(app, client):
    create_user(app, email="someone@example.com")
    _suspend(app, "someone@example.com")

    response = login(client, "someone@example.com")

    assert response.status_code == 403
    assert "This account is suspended." in response.get_data(as_text=True)


def test_suspended_account_cannot_sign_in(app, client):
    create_user(app, email="someone@example.com")
    _suspend(app, "someone@example.com")

    login(client, "someone@example.com")

    assert "_user_id" not in session_keys(client)
    assert not is_signed_in(client)


def test_suspended_account_with_wrong_password_learns_nothing_about_the_suspension(app, client):
    create_user(app, email="someone@example.com")
    _suspend(app, "someone@example.com")

    response = login(client, "someone@example.com", WRONG)

    assert response.status_code == 401
    assert "suspended" not in response.get_data(as_text=True)


def test_login_page_carries_the_next_parameter_into_the_form(client):
    page = client.get("/login?next=/account").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/account"' in page


@pytest.mark.parametrize("target", ["/account", "/account?tab=password", "/creator/"])
def test_local_next_path_is_honoured(app, client, target):
    create_user(app, Role.CREATOR, email="someone@example.com")

    response = login(client, "someone@example.com", next=target)

    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/account",
        "https://evil.example",
        "http://evil.example/account",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "///evil.example",
        "https:/evil.example",
    ],
)
def test_forged_next_is_ignored(app, client, target):
    create_user(app, email="someone@example.com")

    response = login(client, "someone@example.com", next=target)

    path, _ = redirect_target(response)
    assert path == "/"
    assert "evil.example" not in response.headers["Location"]


def test_session_is_renewed_at_sign_in(app, client):
    create_user(app, email="someone@example.com")
    client.get("/")
    with client.session_transaction() as session:
        session["planted"] = "by-an-attacker"

    login(client, "someone@example.com")

    keys = session_keys(client)
    assert "planted" not in keys
    assert "_user_id" in keys


def test_signed_in_user_visiting_login_goes_to_their_landing_page(app, client):
    create_user(app, Role.CREATOR, email="someone@example.com")
    login(client, "someone@example.com")

    assert redirect_target(client.get("/login"))[0] == "/creator/"


def test_failures_beyond_the_account_limit_are_refused_with_429_even_from_another_ip(app, client):
    create_user(app, email="someone@example.com")
    for _ in range(limit_of(app, "LOGIN_LIMIT_PER_ACCOUNT")):
        assert login(client, "someone@example.com", WRONG, ip="10.0.0.1").status_code == 401

    response = login(app.test_client(), "someone@example.com", PASSWORD, ip="10.0.0.2")

    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_account_limit_counts_the_email_in_any_letter_case(app, client):
    create_user(app, email="someone@example.com")
    for i in range(limit_of(app, "LOGIN_LIMIT_PER_ACCOUNT")):
        email = "SomeOne@example.com" if i % 2 else "someone@example.com"
        login(client, email, WRONG, ip=f"10.0.0.{i + 1}")

    assert login(client, "SOMEONE@EXAMPLE.COM", PASSWORD, ip="10.0.1.1").status_code == 429


def test_account_limit_leaves_other_accounts_alone(app, client):
    create_user(app, email="someone@example.com")
    create_user(app, email="other@example.com")
    for _ in range(limit_of(app, "LOGIN_LIMIT_PER_ACCOUNT")):
        login(client, "someone@example.com", WRONG, ip="10.0.0.1")

    assert login(app.test_client(), "other@example.com", ip="10.0.0.2").status_code == 302


def test_failures_beyond_the_ip_limit_across_many_emails_are_refused_with_429(app, client):
    create_user(app, email="someone@example.com")
    for i in range(limit_of(app, "LOGIN_LIMIT_PER_IP")):
        response = login(client, f"guess{i}@example.com", WRONG, ip="10.0.0.66")
        assert response.status_code == 401

    response = login(client, "someone@example.com", PASSWORD, ip="10.0.0.66")

    assert response.status_code == 429


def test_ip_limit_leaves_other_addresses_alone(app, client):
    create_user(app, email="someone@example.com")
    for i in range(limit_of(app, "LOGIN_LIMIT_PER_IP")):
        login(client, f"guess{i}@example.com", WRONG, ip="10.0.0.66")

    assert login(app.test_client(), "someone@example.com", ip="10.0.0.67").status_code == 302


def test_successful_logins_do_not_count_against_the_limit(app, client, auth):
    create_user(app, email="someone@example.com")
    for _ in range(limit_of(app, "LOGIN_LIMIT_PER_ACCOUNT") - 1):
        login(client, "someone@example.com", WRONG)

    for _ in range(3):
        assert login(client, "someone@example.com").status_code == 302
        assert auth.logout().status_code == 302


def test_logout_ends_the_session(app, client, auth):
    create_user(app, email="someone@example.com")
    login(client, "someone@example.com")

    response = post_form(client, "/logout")

    assert redirect_target(response)[0] == "/"
    assert "_user_id" not in session_keys(client)
    assert not is_signed_in(client)


def test_logout_without_csrf_token_is_refused_and_keeps_the_session(app, client):
    create_user(app, email="someone@example.com")
    login(client, "someone@example.com")

    response = client.post("/logout")

    assert response.status_code == 400
    assert is_signed_in(client)


def test_logout_by_get_is_not_allowed(app, client):
    create_user(app, email="someone@example.com")
    login(client, "someone@example.com")

    response = client.get("/logout")

    assert response.status_code == 405
    assert is_signed_in(client)
