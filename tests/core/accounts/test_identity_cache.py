"""Kept signed-in identities: no round trip for a returning user, never a stale one."""

from __future__ import annotations

import re

import pytest
from flask import Response, g
from sqlalchemy import select

from core.accounts import identity_cache, services, sessions
from core.accounts.models import Role, User
from core.accounts.security_models import UserSession
from core.extensions import db
from core.notifications import services as notifications
from core.web.pageversion import cache
from tests.conftest import Auth, post_form, recorded_statements
from tests.factories import make_user

BELL = re.compile(r'notification-badge">(\d+)<')


@pytest.fixture
def session_reads(app):
    """The statements that load a session record with its user (Flask-Login's loader)."""

    def loads_a_session(statement: str) -> bool:
        return "FROM user_session" in statement and "JOIN user_account" in statement

    with recorded_statements(app, loads_a_session) as seen:
        yield seen


def signed_in(app, email: str):
    client = app.test_client()
    response = Auth(client).login(email)
    assert response.status_code in (302, 303)
    client.get("/account")  # the flash of the sign-in is shown once
    return client


def account_page(client) -> str:
    response = client.get("/account")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def signed_out(client) -> bool:
    response = client.get("/account")
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_returning_user_is_recognised_without_reading_the_session(app, app_ctx, session_reads):
    make_user(email="ann@example.com", display_name="Ann")
    db.session.commit()
    ann = signed_in(app, "ann@example.com")
    account_page(ann)
    session_reads.clear()

    assert "Ann" in account_page(ann)
    assert session_reads == []


def test_ending_the_session_elsewhere_signs_this_browser_out_at_once(app, app_ctx):
    user = make_user(email="ann@example.com")
    db.session.commit()
    laptop, phone = signed_in(app, "ann@example.com"), signed_in(app, "ann@example.com")
    account_page(laptop)

    assert post_form(phone, "/account/sessions/end-others").status_code in (302, 303)

    assert signed_out(laptop)
    assert not signed_out(phone)
    assert db.session.scalar(select(UserSession.user_id).limit(1)) == user.id


def test_a_suspended_user_is_signed_out_at_once(app, app_ctx):
    admin = make_user(Role.ADMIN, email="root@example.com")
    user = make_user(email="ann@example.com")
    db.session.commit()
    ann = signed_in(app, "ann@example.com")
    account_page(ann)

    services.suspend_user(user, by=admin, reason="Chargebacks")
    db.session.commit()

    assert signed_out(ann)


def test_a_new_name_and_a_new_role_show_at_once(app, app_ctx):
    user = make_user(email="ann@example.com", display_name="Ann")
    db.session.commit()
    ann = signed_in(app, "ann@example.com")
    assert "Seller centre" not in account_page(ann)

    user.display_name = "Ann Seller"
    services.grant_role(user, Role.SELLER, by=None)
    db.session.commit()

    shown = account_page(ann)
    assert "Ann Seller" in shown
    assert "Seller centre" in shown


def test_a_new_notice_shows_in_the_bell_at_once(app, app_ctx):
    user = make_user(email="ann@example.com")
    db.session.commit()
    ann = signed_in(app, "ann@example.com")
    assert BELL.search(account_page(ann)) is None

    notifications.notify(user.id, "Your order shipped", kind="order.shipped")
    db.session.commit()
    assert BELL.search(account_page(ann)).group(1) == "1"

    notifications.notify_many([user.id], "A second notice", kind="order.shipped")
    db.session.commit()
    assert BELL.search(account_page(ann)).group(1) == "2"


def test_reading_one_users_notices_keeps_everyone_elses_identity(app, app_ctx, session_reads):
    ann = make_user(email="ann@example.com")
    make_user(email="bob@example.com")
    db.session.commit()
    notifications.notify(ann.id, "Shipped", kind="order.shipped", link="/orders/1")
    db.session.commit()
    bob_browser = signed_in(app, "bob@example.com")
    account_page(bob_browser)

    notifications.mark_read_by_link(ann.id, "/orders/1")
    db.session.commit()
    session_reads.clear()
    account_page(bob_browser)

    assert session_reads == []


def test_a_write_committed_while_the_identity_loads_is_never_served(app, app_ctx):
    user = make_user(email="ann@example.com")
    db.session.commit()
    client = signed_in(app, "ann@example.com")
    account_page(client)
    record = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).one()
    token = user.session_token
    cache.clear()

    with app.test_request_context("/account"):
        assert identity_cache.lookup(record.id, user.id, token) is None  # stamps read first
        identity_cache.bump([user.id])  # a write commits meanwhile
        loaded = db.session.get(UserSession, record.id)
        g.session_record = loaded
        identity_cache.remember(Response())

    with app.test_request_context("/account"):
        assert identity_cache.lookup(record.id, user.id, token) is None


def test_the_database_answers_when_the_cache_is_down(app, app_ctx, monkeypatch):
    make_user(email="ann@example.com", display_name="Ann")
    db.session.commit()
    ann = signed_in(app, "ann@example.com")

    def down(*keys):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", down)
    assert "Ann" in account_page(ann)


def test_a_tampered_token_is_refused_even_with_a_kept_identity(app, app_ctx):
    user = make_user(email="ann@example.com")
    db.session.commit()
    ann = signed_in(app, "ann@example.com")
    account_page(ann)
    record = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).one()

    with app.test_request_context("/account"):
        assert identity_cache.lookup(record.id, user.id, "not-the-token") is None
        assert sessions.load_user(f"{user.id}:not-the-token:{record.id}") is None
    assert db.session.get(User, user.id) is not None


def test_writes_committed_while_the_cache_was_down_make_every_identity_stale(
    app, app_ctx, monkeypatch, session_reads
):
    user = make_user(email="ann@example.com")
    db.session.commit()
    ann = signed_in(app, "ann@example.com")
    account_page(ann)

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    with monkeypatch.context() as outage:
        outage.setattr(cache, "set", down)
        user.display_name = "Ann During Outage"
        db.session.commit()  # the bump is lost; the write is not

    session_reads.clear()
    assert "Ann During Outage" in account_page(ann)
    assert session_reads  # loaded from the database, not the kept identity


def test_a_request_that_writes_a_users_notices_reads_its_header_counts_afresh(app, app_ctx):
    user = make_user(email="ann@example.com")
    db.session.commit()
    with app.test_request_context("/"):
        g.header_counts = (3, {}, {})  # kept with the identity when the request began
        notifications.notify(user.id, "Shipped", kind="order.shipped")
        db.session.commit()
        assert "header_counts" not in g
