"""The audit log page: who may read it, its filters, and that odd filter values never break it."""

from __future__ import annotations

import re

import pytest

from core.accounts.models import Role
from core.audit import services as audit
from core.extensions import db
from tests.conftest import Auth
from tests.core.accounts.helpers import create_user, redirect_target

_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
_CELL = re.compile(r'<td class="small[^"]*">(.*?)</td>', re.S)


def rows(response) -> list[list[str]]:
    """The cells of the log's table: when, who, action, subject, from → to, why."""
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    if "<tbody>" not in body:
        return []
    table = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in _CELL.findall(row)]
        for row in _ROW.findall(table)
    ]


def actions(response) -> list[str]:
    return [row[2] for row in rows(response)]


def signed_in(app, *roles: Role, email: str = "staff@example.com"):
    create_user(app, *roles, email=email)
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


@pytest.fixture
def events(app) -> dict[str, int]:
    """A few events of different kinds, by a real admin about a real user."""
    admin_id = create_user(app, Role.ADMIN, email="admin@example.com")
    user_id = create_user(app, Role.BUYER, email="member@example.com")
    with app.app_context():
        audit.record(
            actor_id=admin_id,
            action="role_granted",
            subject_type="user",
            subject_id=user_id,
            to_state="creator",
        )
        audit.record(
            actor_id=admin_id,
            action="user_suspended",
            subject_type="user",
            subject_id=user_id,
            from_state="active",
            to_state="suspended",
            reason="chargebacks",
        )
        audit.record(
            actor_id=None,
            action="withdrawal_approved",
            subject_type="withdrawal",
            subject_id=7,
            from_state="requested",
            to_state="approved",
        )
        db.session.commit()
    return {"admin": admin_id, "user": user_id}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.FINANCE])
def test_audit_log_is_visible_to_admin_and_finance(app, events, role):
    client = signed_in(app, role)

    response = client.get("/admin/audit")

    assert response.status_code == 200
    assert len(rows(response)) == 3


@pytest.mark.parametrize("role", [Role.BUYER, Role.CREATOR, Role.SELLER])
def test_audit_log_is_forbidden_to_other_roles(app, events, role):
    client = signed_in(app, role)

    assert client.get("/admin/audit").status_code == 403


def test_audit_log_sends_anonymous_visitors_to_sign_in(client):
    path, query = redirect_target(client.get("/admin/audit"))

    assert path == "/login"
    assert query["next"] == ["/admin/audit"]


def test_audit_log_shows_who_did_what_to_whom_and_why(app, events):
    client = signed_in(app, Role.ADMIN)

    newest_first = rows(client.get("/admin/audit"))

    assert [row[2] for row in newest_first] == [
        "withdrawal approved",
        "user suspended",
        "role granted",
    ]
    suspended = newest_first[1]
    assert suspended[1] == "admin@example.com"
    assert suspended[3] == f"user #{events['user']}"
    assert suspended[4] == "active → suspended"
    assert suspended[5] == "chargebacks"
    assert newest_first[0][1] == "system"


def test_finance_sees_user_subjects_without_links_to_admin_pages(app, events):
    client = signed_in(app, Role.FINANCE)

    body = client.get("/admin/audit").get_data(as_text=True)

    assert f"/admin/users/{events['user']}" not in body


def test_audit_log_filters_by_action(app, events):
    client = signed_in(app, Role.ADMIN)

    assert actions(client.get("/admin/audit?action=user_suspended")) == ["user suspended"]
    assert actions(client.get("/admin/audit?action=role_granted")) == ["role granted"]


def test_audit_log_filters_by_subject(app, events):
    client = signed_in(app, Role.ADMIN)

    response = client.get(f"/admin/audit?subject_type=user&subject_id={events['user']}")

    assert actions(response) == ["user suspended", "role granted"]
    assert actions(client.get("/admin/audit?subject_type=withdrawal")) == ["withdrawal approved"]


def test_audit_log_filter_with_no_match_shows_an_empty_state(app, events):
    client = signed_in(app, Role.ADMIN)

    response = client.get("/admin/audit?action=no_such_action")

    assert rows(response) == []
    assert "Nothing recorded yet" in response.get_data(as_text=True)


def test_audit_log_offers_the_recorded_actions_as_filter_choices(app, events):
    client = signed_in(app, Role.ADMIN)

    body = client.get("/admin/audit?action=user_suspended").get_data(as_text=True)

    assert '<option value="user_suspended" selected>' in body
    assert '<option value="role_granted">' in body


def test_audit_log_is_paginated(app, events):
    with app.app_context():
        for i in range(60):
            audit.record(actor_id=None, action="bulk", subject_type="thing", subject_id=i)
        db.session.commit()
    client = signed_in(app, Role.ADMIN)

    first = rows(client.get("/admin/audit?action=bulk"))
    second = rows(client.get("/admin/audit?action=bulk&page=2"))

    assert len(first) == 50
    assert len(second) == 10
    assert first[0][3] == "thing #59"
    assert second[-1][3] == "thing #0"


@pytest.mark.parametrize(
    "query",
    [
        {"action": "x" * 5000},
        {"action": "'; DROP TABLE audit_event; --"},
        {"action": "%"},
        {"subject_type": "<script>alert(1)</script>"},
        {"subject_id": "-1"},
        {"subject_id": "abc"},
        {"subject_id": "9" * 200},
        {"actor_id": "abc"},
        {"page": "abc"},
        {"page": "-1"},
        {"page": "\u00b2"},
        {"page": "99999999999999999999"},
    ],
    ids=lambda q: next(iter(q)) + ":" + repr(next(iter(q.values())))[:30],
)
def test_malformed_filter_values_do_not_break_the_page(app, events, query):
    client = signed_in(app, Role.ADMIN)

    response = client.get("/admin/audit", query_string=query)

    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [{"action": "\x00"}, {"subject_id": "1\x00"}, {"subject_type": "user\x00"}],
    ids=["action", "subject_id", "subject_type"],
)
def test_filter_values_with_a_nul_byte_are_a_bad_request_not_a_server_error(app, events, query):
    client = signed_in(app, Role.ADMIN)

    assert client.get("/admin/audit", query_string=query).status_code == 400
