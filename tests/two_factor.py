"""Two-factor helpers for tests: a known TOTP secret, enrolment, and a remembered device.

Finance and admin accounts must show a second factor before their pages open. Tests that are
about something else sign staff in the way a returning officer's browser does: the account is
enrolled with ``TEST_TOTP_SECRET`` and the browser carries a valid "remember this device"
cookie, so the password alone completes the sign-in (``Auth.login`` does this unless told
``second_factor=False``). Tests of two-factor sign-in itself compute codes with ``code_at``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import select

from core.accounts import twofactor
from core.accounts.models import User
from core.accounts.security_models import TwoFactor
from core.extensions import db
from core.types import utcnow

TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

T = TypeVar("T")


def _in_own_context(app: Flask, work: Callable[[], T]) -> T:
    """Run ``work`` in an app context of its own (after ending the test's transaction)."""
    if has_app_context():
        db.session.commit()

    def run() -> T:
        with app.app_context():
            try:
                return work()
            finally:
                db.session.remove()

    return contextvars.Context().run(run)


def code_at(moment: datetime | None = None, secret: str = TEST_TOTP_SECRET) -> str:
    return twofactor.code_at(secret, moment or utcnow())


def enrol(app: Flask, email: str, secret: str = TEST_TOTP_SECRET) -> None:
    """Give the account a confirmed authenticator app with ``secret`` (if it has none)."""

    def work() -> None:
        user = db.session.scalar(select(User).where(User.email == email.lower()))
        assert user is not None, f"no account for {email}"
        found = twofactor.enrolment_of(user.id)
        if found is None:
            db.session.add(TwoFactor(user_id=user.id, secret=secret, confirmed_at=utcnow()))
        elif not found.enabled:
            found.secret, found.confirmed_at = secret, utcnow()
        db.session.commit()

    _in_own_context(app, work)


def needs_second_factor(app: Flask, email: str) -> bool:
    def work() -> bool:
        user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        return user is not None and (twofactor.is_required(user) or twofactor.is_enabled(user.id))

    return _in_own_context(app, work)


def remembered_device_cookie(app: Flask, email: str) -> str:
    """Enrol the account if needed; the value of a valid "remember this device" cookie."""
    enrol(app, email)

    def work() -> str:
        user = db.session.scalar(select(User).where(User.email == email.lower()))
        assert user is not None
        return twofactor.remember_device_token(user)

    return _in_own_context(app, work)


def remember_device(client: FlaskClient, email: str) -> None:
    """Make ``client`` a browser that ``email`` told to remember (no code at sign-in)."""
    value = remembered_device_cookie(client.application, email)
    client.set_cookie(twofactor.REMEMBER_DEVICE_COOKIE, value)


def remember_this_browser(page: Any, email: str) -> None:
    """In a Playwright page (already on this site): staff sign in from a remembered device."""
    app = current_app._get_current_object()  # the browser tests run inside ``app_ctx``
    if needs_second_factor(app, email):
        cookie = {
            "name": twofactor.REMEMBER_DEVICE_COOKIE,
            "value": remembered_device_cookie(app, email),
            "url": page.url,
        }
        page.context.add_cookies([cookie])


def step_up(client: FlaskClient, email: str, *, password: str = "correct-horse-battery") -> Any:
    """Confirm it is you on ``client`` (a current code, or the password without an app)."""
    from tests.conftest import post_form  # conftest imports this module

    app = client.application

    def enrolled() -> bool:
        user = db.session.scalar(select(User).where(User.email == email.lower()))
        return user is not None and twofactor.is_enabled(user.id)

    if _in_own_context(app, enrolled):
        # A code not used yet: the next step's code when this step's was used already.
        def unused_code() -> str:
            user = db.session.scalar(select(User).where(User.email == email.lower()))
            assert user is not None
            enrolment = twofactor.enrolment_of(user.id)
            assert enrolment is not None
            step = twofactor.step_at(utcnow())
            if enrolment.last_used_step is not None and enrolment.last_used_step >= step:
                step = enrolment.last_used_step + 1
            return twofactor.code_for_step(enrolment.secret, step)

        data = {"code": _in_own_context(app, unused_code)}
    else:
        data = {"password": password}
    response = post_form(client, "/account/confirm", data)
    assert response.status_code == 302, response.status_code
    return response
