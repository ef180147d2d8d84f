"""Sign-up: who may create which account, and every way a sign-up is refused without a trace."""

from __future__ import annotations

from typing import Any

import pytest
from limits import parse
from sqlalchemy import select

from core.accounts import services
from core.accounts.models import User
from core.extensions import db
from tests.conftest import csrf_token, post_form
from tests.core.accounts.helpers import (
    create_user,
    is_signed_in,
    redirect_target,
    roles_of,
    user_count,
    user_state,
)

NEW_PASSWORD = "a-long-new-secret"


def signup_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "email": "newcomer@example.com",
        "display_name": "New Comer",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        "role": "buyer",
    }
    data.update(overrides)
    return data


def signup(client, **overrides: Any):
    return post_form(client, "/signup", signup_data(**overrides))


def test_signup_page_offers_the_three_self_service_roles(client):
    page = client.get("/signup").get_data(as_text=True)
    for role in ("buyer", "creator", "seller"):
        assert f'value="{role}"' in page
    assert 'value="finance"' not in page
    assert 'value="admin"' not in page


@pytest.mark.parametrize(
    ("role", "expected_roles", "landing"),
    [
        ("buyer", {"buyer"}, "/"),
        ("creator", {"buyer", "creator"}, "/creator/"),
        ("seller", {"buyer", "seller"}, "/seller/"),
    ],
)
def test_signup_creates_account_with_chosen_role_plus_buyer(
    app, client, role, expected_roles, landing
):
    response = signup(client, role=role)

    assert redirect_target(response)[0] == landing
    assert roles_of(app, "newcomer@example.com") == expected_roles


def test_signup_signs_the_new_user_in(client):
    signup(client)
    assert is_signed_in(client)


def test_signup_stores_email_in_lower_case(app, client):
    signup(client, email="New.Comer@Example.COM")
    assert user_state(app, "new.comer@example.com") is not None


def test_signup_hashes_the_password(app, client):
    signup(client)

    with app.app_context():
        stored = db.session.scalar(select(User.password_hash))
    assert stored is not None
    assert NEW_PASSWORD not in stored
    assert stored.startswith("$argon2id$")


@pytest.mark.parametrize(
    "email", ["taken@example.com", "Taken@Example.com", "TAKEN@EXAMPLE.COM", " taken@example.com"]
)
def test_duplicate_email_in_any_letter_case_is_refused(app, client, email):
    create_user(app, email="taken@example.com")

    response = signup(client, email=email)

    assert response.status_code == 400
    assert "An account with this email already exists" in response.get_data(as_text=True)
    assert user_count(app) == 1


def test_duplicate_email_does_not_sign_anyone_in(app, client):
    create_user(app, email="taken@example.com")
    signup(client, email="Taken@example.com")
    assert not is_signed_in(client)


@pytest.mark.parametrize("password", ["short", "123456789", "nine-char"])
def test_password_under_ten_characters_is_refused(app, client, password):
    response = signup(client, password=password, confirm=password)

    assert response.status_code == 400
    assert "Use 10 to 128 characters." in response.get_data(as_text=True)
    assert user_count(app) == 0


def test_password_of_one_repeated_character_is_refused(app, client):
    response = signup(client, password="aaaaaaaaaaaa", confirm="aaaaaaaaaaaa")

    assert response.status_code == 400
    assert "repeats too few characters" in response.get_data(as_text=True)
    assert user_count(app) == 0


def test_password_equal_to_the_email_is_refused(app, client):
    email = "newcomer@example.com"
    response = signup(client, email=email, password=email, confirm=email)

    assert response.status_code == 400
    assert "must not be your email" in response.get_data(as_text=True)
    assert user_count(app) == 0


@pytest.mark.parametrize(
    "email",
    [
        "not-an-email",
        "newcomer@",
        "@example.com",
        "new comer@example.com",
        "newcomer@example",
        "newcomer@@example.com",
        "",
    ],
)
def test_malformed_email_is_refused(app, client, email):
    response = signup(client, email=email)

    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Enter a valid email address" in body or "Enter your email address" in body
    assert user_count(app) == 0


def test_mismatched_password_confirmation_is_refused(app, client):
    response = signup(client, confirm=NEW_PASSWORD + "-typo")

    assert response.status_code == 400
    assert "The passwords differ." in response.get_data(as_text=True)
    assert user_count(app) == 0


def test_missing_display_name_is_refused(app, client):
    response = signup(client, display_name="")

    assert response.status_code == 400
    assert "Tell us what to call you." in response.get_data(as_text=True)
    assert user_count(app) == 0


def test_signup_without_csrf_token_is_refused(app, client):
    response = client.post("/signup", data=signup_data())

    assert response.status_code == 400
    assert "Your form expired or was sent from elsewhere" in response.get_data(as_text=True)
    assert user_count(app) == 0


def test_signup_with_wrong_csrf_token_is_refused(app, client):
    csrf_token(client)  # the session now holds a real token, which the post does not match
    response = client.post("/signup", data={"csrf_token": "forged-token", **signup_data()})

    assert response.status_code == 400
    assert user_count(app) == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": "a" * 250 + "@example.com"},
        {"display_name": "N" * 81},
        {"password": "p4ssw0rd-" * 15, "confirm": "p4ssw0rd-" * 15},
    ],
    ids=["email-over-254", "name-over-80", "password-over-128"],
)
def test_over_long_fields_are_refused(app, client, overrides):
    response = signup(client, **overrides)

    assert response.status_code == 400
    assert user_count(app) == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"display_name": "Nul\x00Name"},
        {"email": "nul\x00@example.com"},
        {"password": "nul\x00-password", "confirm": "nul\x00-password"},
    ],
    ids=["name", "email", "password"],
)
def test_nul_byte_in_a_field_is_refused_not_stored(app, client, overrides):
    response = signup(client, **overrides)

    assert response.status_code == 400
    assert user_count(app) == 0


@pytest.mark.parametrize("role", ["admin", "finance", "superuser", ""])
def test_unknown_or_staff_role_value_is_refused(app, client, role):
    response = signup(client, role=role)

    assert response.status_code == 400
    assert user_count(app) == 0


def test_staff_role_posted_alongside_an_allowed_role_is_never_granted(app, client):
    data = {**signup_data(), "csrf_token": csrf_token(client)}
    data["role"] = ["creator", "admin"]
    client.post("/signup", data=data)

    state = user_state(app, "newcomer@example.com")
    assert state is None or not state.roles & {"admin", "finance"}


def test_signed_in_user_visiting_signup_is_sent_to_their_account(client):
    signup(client)
    response = client.get("/signup")
    assert redirect_target(response)[0] == "/account"


def test_signup_renews_the_session(client):
    client.get("/signup")
    with client.session_transaction() as session:
        session["planted"] = "by-an-attacker"

    signup(client)

    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session


def test_email_taken_between_check_and_insert_is_refused_by_the_database(app, client, monkeypatch):
    """Two sign-ups racing for one email: the unique index decides, and the loser gets a 400."""
    create_user(app, email="taken@example.com")
    monkeypatch.setattr(services, "find_by_email", lambda email: None)

    response = signup(client, email="Taken@example.com")

    assert response.status_code == 400
    assert "An account with this email already exists" in response.get_data(as_text=True)
    assert user_count(app) == 1


def test_signups_beyond_the_per_ip_limit_are_refused_with_429(app):
    limit = parse(app.config["SIGNUP_LIMIT_PER_IP"]).amount
    for i in range(limit):
        assert signup(app.test_client(), email=f"person{i}@example.com").status_code == 302

    response = signup(app.test_client(), email="one-more@example.com")

    assert response.status_code == 429
    assert user_count(app) == limit
