"""The session list on the account page: every place one is signed in, each ended from
there; an ended session is signed out at its next request; a password change ends the others."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.accounts.models import Role
from core.accounts.security_models import UserSession
from core.extensions import db
from core.notifications.models import Notification
from tests.conftest import Auth, post_form
from tests.core.accounts.helpers import create_user, is_signed_in, redirect_target

EMAIL = "member@example.com"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile Safari/604.1"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def browser(app, agent: str = LAPTOP):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent
    return client


def signed_in(app, email: str = EMAIL, agent: str = LAPTOP):
    client = browser(app, agent)
    assert Auth(client).login(email).status_code == 302
    return client


def session_ids(app, email_user_id: int, *, active: bool = True) -> list[int]:
    with app.app_context():
        query = select(UserSession.id).where(UserSession.user_id == email_user_id)
        if active:
            query = query.where(UserSession.ended_at.is_(None))
        return list(db.session.scalars(query.order_by(UserSession.id)))


def test_the_account_page_lists_this_and_other_sessions(app):
    create_user(app, Role.BUYER, email=EMAIL)
    signed_in(app, agent=PHONE)
    laptop = signed_in(app, agent=LAPTOP)

    page = laptop.get("/account").get_data(as_text=True)

    assert "Safari on iPhone" in page
    assert "Firefox on Linux" in page
    assert re.search(r"Firefox on Linux <span class=\"badge[^\"]*\">This device", page)
    assert "Sign out of all other sessions" in page


def test_ending_another_session_signs_that_browser_out(app):
    user_id = create_user(app, Role.BUYER, email=EMAIL)
    phone = signed_in(app, agent=PHONE)
    laptop = signed_in(app)
    phone_session = session_ids(app, user_id)[0]

    response = post_form(laptop, f"/account/sessions/{phone_session}/end")

    assert redirect_target(response)[0] == "/account"
    assert not is_signed_in(phone)
    assert is_signed_in(laptop)


def test_an_ended_session_stays_out_even_with_its_remember_me_cookie(app):
    user_id = create_user(app, Role.BUYER, email=EMAIL)
    phone = browser(app, PHONE)
    Auth(phone).login(EMAIL, remember="y")
    laptop = signed_in(app)
    post_form(laptop, f"/account/sessions/{session_ids(app, user_id)[0]}/end")

    with phone.session_transaction() as session:
        session.clear()  # the browser was closed: only the remember-me cookie is left

    assert not is_signed_in(phone)


def test_ending_all_other_sessions_keeps_this_one(app):
    user_id = create_user(app, Role.BUYER, email=EMAIL)
    others = [signed_in(app, agent=PHONE), signed_in(app, agent=PHONE)]
    laptop = signed_in(app)

    post_form(laptop, "/account/sessions/end-others")

    assert [is_signed_in(c) for c in others] == [False, False]
    assert is_signed_in(laptop)
    assert len(session_ids(app, user_id)) == 1


def test_another_users_session_cannot_be_ended(app):
    other_id = create_user(app, Role.BUYER, email="other@example.com")
    create_user(app, Role.BUYER, email=EMAIL)
    victim = signed_in(app, "other@example.com")
    me = signed_in(app)

    response = post_form(me, f"/account/sessions/{session_ids(app, other_id)[0]}/end")

    assert response.status_code == 404
    assert is_signed_in(victim)


def test_an_unknown_session_is_404(app):
    create_user(app, Role.BUYER, email=EMAIL)
    me = signed_in(app)
    assert post_form(me, "/account/sessions/999999/end").status_code == 404


def test_a_password_change_ends_the_other_sessions_and_lists_only_this_one(app):
    user_id = create_user(app, Role.BUYER, email=EMAIL)
    phone = signed_in(app, agent=PHONE)
    laptop = signed_in(app)

    post_form(
        laptop,
        "/account/password",
        {
            "current_password": "correct-horse-battery",
            "new_password": "a-brand-new-secret",
            "confirm": "a-brand-new-secret",
        },
    )

    assert not is_signed_in(phone)
    assert is_signed_in(laptop)
    assert len(session_ids(app, user_id)) == 1
    assert "Safari on iPhone" not in laptop.get("/account").get_data(as_text=True)


def test_signing_out_ends_the_sessions_record(app):
    user_id = create_user(app, Role.BUYER, email=EMAIL)
    laptop = signed_in(app)

    Auth(laptop).logout()

    assert session_ids(app, user_id) == []
    assert len(session_ids(app, user_id, active=False)) == 1


def test_a_sign_in_from_a_new_device_tells_the_user(app):
    user_id = create_user(app, Role.BUYER, email=EMAIL)
    laptop = signed_in(app)
    Auth(laptop).logout()
    Auth(laptop).login(EMAIL)  # the same browser again: nothing to tell

    signed_in(app, agent=PHONE)  # a browser never seen

    with app.app_context():
        notices = list(
            db.session.scalars(select(Notification.message).where(Notification.user_id == user_id))
        )
    assert len(notices) == 1
    assert "New sign-in to your account from Safari on iPhone" in notices[0]


def test_a_session_with_the_old_two_part_id_is_signed_out(app):
    create_user(app, Role.BUYER, email=EMAIL)
    client = signed_in(app)
    with client.session_transaction() as session:
        user_id, token, _record = session["_user_id"].split(":")
        session["_user_id"] = f"{user_id}:{token}"

    assert not is_signed_in(client)
