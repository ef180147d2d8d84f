"""Server-side session records: one per sign-in, listed on the account page, ended there.

Flask-Login's id (``User.get_id``) is ``user:token:record``: the session cookie and the
remember-me cookie both name the record, so a request whose record has ended is signed out,
whichever cookie it came with. Rotating the user's token (password change or reset,
suspension) ends every session as before; the record keeps a hint of the token it began
under, so the list shows only sessions that can still be used.

Every sign-in goes through Flask-Login's ``login_user``; its ``user_logged_in`` signal opens
the record here, so that no sign-in path (password, two-factor step, sign-up, a reset link)
can make a session without one.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Response, abort, after_this_request, current_app, g, request, session
from flask_login import current_user, user_logged_in
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from core.accounts import identity_cache, security_mail
from core.accounts.authz import get_or_404
from core.accounts.models import User
from core.accounts.security_models import UserSession
from core.extensions import db
from core.notifications.services import notify
from core.types import utcnow

log = logging.getLogger(__name__)

DEVICE_COOKIE = "yc_device"
DEVICE_COOKIE_DAYS = 400
LAST_SEEN_EVERY = timedelta(minutes=5)


def token_hint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def user_agent_summary(agent: str) -> str:
    """ "Firefox on Linux" from a User-Agent header (enough to recognise one's own devices)."""
    browsers = (
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    )
    systems = (
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    )
    browser = next((name for mark, name in browsers if mark in agent), "")
    system = next((name for mark, name in systems if mark in agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"


# ---------------------------------------------------------------------------- loading


def load_user(session_id: str) -> User | None:
    """Resolve Flask-Login's ``user:token:record`` to an active user in a live session."""
    user_part, _, rest = session_id.partition(":")
    token, _, record_part = rest.partition(":")
    if not user_part.isdigit() or not token or not record_part.isdigit():
        return None
    kept = identity_cache.lookup(int(record_part), int(user_part), token)
    if kept is not None:
        # Kept from an earlier request and still current: no round trip (identity_cache).
        record = db.session.merge(kept.record, load=False)
    else:
        # One statement: the record, its user and the user's roles (every page's menu reads them).
        record = (
            db.session.execute(
                select(UserSession)
                .options(joinedload(UserSession.user).joinedload(User.roles))
                .where(UserSession.id == int(record_part), UserSession.user_id == int(user_part))
            )
            .unique()
            .scalar_one_or_none()
        )
    if record is None or record.ended_at is not None:
        return None
    user: User = record.user
    if user.session_token != token or user.is_suspended:
        return None
    g.session_record = record
    if kept is not None and kept.header_counts is not None:
        g.header_counts = kept.header_counts  # the bell, badges and cart, kept with it
    if utcnow() - record.last_seen_at > LAST_SEEN_EVERY:
        g.touch_session_record = (record.id, record.user_id)
    return user


def current_record() -> UserSession | None:
    """The record of the signed-in request, if any."""
    if not current_user.is_authenticated:
        return None
    record = g.get("session_record")
    return record if isinstance(record, UserSession) and record.user_id == current_user.id else None


def _touch_last_seen(error: BaseException | None) -> None:
    """Note when a session was last seen (at most every few minutes: one small UPDATE).

    This runs as the request ends, when whatever the view left uncommitted is about to be
    rolled back by the session's removal anyway; SQLite's writers take the database's lock
    from their first statement, so a second connection could not write while the request's
    transaction is open.
    """
    touch = g.pop("touch_session_record", None)
    if touch is None or error is not None:
        return
    record_id, user_id = touch
    try:
        db.session.rollback()
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == record_id, UserSession.user_id == user_id)
            .values(last_seen_at=utcnow(), ip=_client_ip()),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
    except Exception:  # a busy database must not fail the page
        db.session.rollback()
        log.warning("could not note when session %s was last seen", record_id, exc_info=True)


def _client_ip() -> str:
    return (request.remote_addr or "")[:45]


# ---------------------------------------------------------------------------- signing in


def _device_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _on_login(sender: Flask, user: User, **extra: Any) -> None:
    """Open a record for the sign-in that Flask-Login just made, and name it in the id."""
    record = g.get("session_record")
    if isinstance(record, UserSession) and record.ended_at is None and record.user_id == user.id:
        # Signed in again within the same session (a password change renews the cookies).
        record.token_hint = token_hint(user.session_token)
    else:
        record = open_record(user)
    g.session_record = record
    session["_user_id"] = f"{user.get_id()}:{record.id}"
    db.session.commit()


def open_record(user: User) -> UserSession:
    device = request.cookies.get(DEVICE_COOKIE, "")
    if not (16 <= len(device) <= 64) or not device.isascii():
        device = secrets.token_urlsafe(24)
    device_hash = _device_hash(device)
    known = db.session.scalar(
        select(UserSession.id).where(
            UserSession.user_id == user.id, UserSession.device_hash == device_hash
        )
    )
    now = utcnow()
    second_factor = g.pop("second_factor_shown", False)
    record = UserSession(
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        user_agent=user_agent_summary(request.headers.get("User-Agent", ""))[:120],
        ip=_client_ip(),
        device_hash=device_hash,
        token_hint=token_hint(user.session_token),
        second_factor_at=now if second_factor else None,
    )
    db.session.add(record)
    db.session.flush()
    if known is None and _has_signed_in_before(user.id, record.id):
        _tell_new_device(user, record)

    @after_this_request
    def _set_device_cookie(response: Response) -> Response:
        response.set_cookie(
            DEVICE_COOKIE,
            device,
            max_age=int(timedelta(days=DEVICE_COOKIE_DAYS).total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
        return response

    return record


def _has_signed_in_before(user_id: int, this_record: int) -> bool:
    earlier = db.session.scalar(
        select(UserSession.id)
        .where(UserSession.user_id == user_id, UserSession.id != this_record)
        .limit(1)
    )
    return earlier is not None


def _tell_new_device(user: User, record: UserSession) -> None:
    """A security notice: someone signed in from a browser this account never used."""
    message = (
        f"New sign-in to your account from {record.user_agent}"
        + (f" ({record.ip})" if record.ip else "")
        + ". If this was not you, end that session and change your password."
    )
    notify(user.id, message, kind="security.new_sign_in", link="/account#sessions")
    security_mail.new_sign_in(user, device=record.user_agent, ip=record.ip)


def note_second_factor() -> None:
    """Mark the sign-in about to happen (``login_user`` next) as having shown a second factor."""
    g.second_factor_shown = True


def mark_second_factor(record: UserSession, *, step_up: bool = False) -> None:
    now = utcnow()
    record.second_factor_at = now
    if step_up:
        record.step_up_at = now


# ---------------------------------------------------------------------------- the list


@dataclass(frozen=True)
class SessionView:
    id: int
    user_agent: str
    ip: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


def active_sessions(user: User) -> list[SessionView]:
    """The user's sessions that can still be used, the current one first, then latest seen."""
    current = current_record()
    rows = db.session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.token_hint == token_hint(user.session_token),
        )
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        .limit(50)
    ).all()
    views = [
        SessionView(
            id=row.id,
            user_agent=row.user_agent,
            ip=row.ip,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            current=current is not None and row.id == current.id,
        )
        for row in rows
    ]
    return sorted(views, key=lambda view: not view.current)


def get_own_session_or_404(user: User, record_id: int) -> UserSession:
    """One of the user's own sessions; another user's (or none) is a 404."""
    record = get_or_404(UserSession, record_id)
    if record.user_id != user.id:
        abort(404)
    return record


def end_session(user: User, record: UserSession) -> None:
    if record.user_id != user.id:
        raise ValueError("a user ends only their own sessions")
    if record.ended_at is None:
        record.ended_at = utcnow()


def end_other_sessions(user: User) -> int:
    """End every session of ``user`` but the current one; return how many."""
    current = current_record()
    stmt = (
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    if current is not None:
        stmt = stmt.where(UserSession.id != current.id)
    result = db.session.execute(stmt, execution_options={"synchronize_session": False})
    return int(getattr(result, "rowcount", 0) or 0)


def end_all_sessions(user_id: int) -> None:
    """End every session of a user (a password reset, for example)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow()),
        execution_options={"synchronize_session": False},
    )


def end_current() -> None:
    """End the current session's record (sign-out); the caller commits."""
    record = current_record()
    if record is not None and record.ended_at is None:
        record.ended_at = utcnow()


def init_sessions(app: Flask) -> None:
    user_logged_in.connect(_on_login, app)
    app.teardown_request(_touch_last_seen)
