"""Account commands: staff accounts come from the CLI; the demo seed is idempotent."""

from __future__ import annotations

import pytest

from demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.conftest import Auth
from tests.core.accounts.helpers import (
    audit_events,
    create_user,
    redirect_target,
    roles_of,
    user_count,
    user_state,
)

STAFF_PASSWORD = "staff-secret-123"


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.mark.parametrize("role", ["finance", "admin"])
def test_users_create_makes_a_staff_account(app, role):
    result = run(
        app, "users", "create", "--role", role, "staff@example.com", "--password", STAFF_PASSWORD
    )

    assert result.exit_code == 0, result.output
    assert "created staff@example.com" in result.output
    assert roles_of(app, "staff@example.com") == {"buyer", role}


def test_users_create_records_the_grant_in_the_audit_log_with_no_actor(app):
    run(
        app,
        "users",
        "create",
        "--role",
        "finance",
        "staff@example.com",
        "--password",
        STAFF_PASSWORD,
    )

    [event] = audit_events(app, "role_granted")
    assert (event.actor_id, event.to_state) == (None, "finance")


def test_users_create_accepts_several_roles(app):
    result = run(
        app,
        "users",
        "create",
        "--role",
        "finance",
        "--role",
        "admin",
        "staff@example.com",
        "--password",
        STAFF_PASSWORD,
    )

    assert result.exit_code == 0, result.output
    assert roles_of(app, "staff@example.com") == {"buyer", "finance", "admin"}


def test_users_create_stores_the_email_in_lower_case(app):
    run(
        app,
        "users",
        "create",
        "--role",
        "finance",
        "Staff@Example.com",
        "--password",
        STAFF_PASSWORD,
    )

    assert user_state(app, "staff@example.com") is not None


def test_staff_account_created_from_the_cli_can_sign_in(app, client):
    run(
        app,
        "users",
        "create",
        "--role",
        "finance",
        "staff@example.com",
        "--password",
        STAFF_PASSWORD,
    )

    response = Auth(client).login("staff@example.com", STAFF_PASSWORD)

    assert redirect_target(response)[0] == "/finance/"


@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@example.com"])
def test_users_create_with_a_taken_email_fails_with_a_message(app, email):
    create_user(app, email="taken@example.com")

    result = run(app, "users", "create", "--role", "finance", email, "--password", STAFF_PASSWORD)

    assert result.exit_code != 0
    assert "An account with this email already exists" in result.output
    assert user_count(app) == 1
    assert roles_of(app, "taken@example.com") == {"buyer"}


def test_users_create_with_a_weak_password_fails_with_a_message(app):
    result = run(
        app, "users", "create", "--role", "finance", "staff@example.com", "--password", "short"
    )

    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert user_count(app) == 0


def test_users_create_refuses_an_unknown_role(app):
    result = run(
        app,
        "users",
        "create",
        "--role",
        "superuser",
        "staff@example.com",
        "--password",
        STAFF_PASSWORD,
    )

    assert result.exit_code != 0
    assert user_count(app) == 0


def test_users_create_refuses_a_malformed_email(app):
    result = run(
        app, "users", "create", "--role", "finance", "not-an-email", "--password", STAFF_PASSWORD
    )

    assert result.exit_code != 0
    assert "email" in result.output.lower()
    assert user_count(app) == 0


def test_users_grant_adds_a_role_to_an_existing_account(app):
    create_user(app, email="member@example.com")

    result = run(app, "users", "grant", "member@example.com", "admin")

    assert result.exit_code == 0, result.output
    assert roles_of(app, "member@example.com") == {"buyer", "admin"}


def test_users_grant_for_an_unknown_email_fails(app):
    result = run(app, "users", "grant", "nobody@example.com", "admin")

    assert result.exit_code != 0
    assert "no account for nobody@example.com" in result.output


def test_demo_seed_creates_the_five_demo_accounts(app):
    result = run(app, "demo", "seed")

    assert result.exit_code == 0, result.output
    for email, _name, roles in DEMO_ACCOUNTS:
        assert roles_of(app, email) == {"buyer", *roles}


def test_demo_seed_twice_is_idempotent(app):
    run(app, "demo", "seed")
    events_after_first = len(audit_events(app))
    users_after_first = user_count(app)

    result = run(app, "demo", "seed")

    assert result.exit_code == 0, result.output
    assert "(0 created)" in result.output
    assert user_count(app) == users_after_first
    for email, _name, roles in DEMO_ACCOUNTS:
        assert roles_of(app, email) == {"buyer", *roles}
    assert len(audit_events(app)) == events_after_first


@pytest.mark.parametrize(
    ("email", "landing"),
    [
        ("buyer@example.com", "/"),
        ("creator@example.com", "/creator/"),
        ("seller@example.com", "/seller/"),
        ("finance@example.com", "/finance/"),
        ("admin@example.com", "/admin/"),
    ],
)
def test_demo_accounts_sign_in_with_the_documented_password(app, client, email, landing):
    run(app, "demo", "seed")
    run(app, "demo", "seed")

    response = Auth(client).login(email, DEMO_PASSWORD)

    assert DEMO_PASSWORD == "demo-pass-123"
    assert redirect_target(response)[0] == landing
