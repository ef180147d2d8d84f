"""Helpers for tests that drive accounts through the HTTP client.

Requests are made outside any app context that the test itself holds. Under ``app_ctx`` Flask
reuses the test's app context for every request, so ``g`` (where Flask-Login caches the signed-in
user) and the database session would be shared by every request and every client of the test:
a second, anonymous client would then see the first client's user. Each helper here opens its
own short app context instead and returns plain values, never ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.accounts.models import Role, User
from core.audit.models import AuditEvent
from core.extensions import db
from tests.factories import make_user

PASSWORD = "correct-horse-battery"


@dataclass(frozen=True)
class UserState:
    id: int
    email: str
    roles: frozenset[str]
    suspended: bool
    suspension_reason: str | None


@dataclass(frozen=True)
class Event:
    actor_id: int | None
    action: str
    subject_type: str
    subject_id: str
    from_state: str | None
    to_state: str | None
    reason: str | None


def create_user(app: Flask, *roles: Role, email: str, **fields: Any) -> int:
    """Create a user holding exactly ``roles`` (buyer if none) and return its id."""
    with app.app_context():
        return make_user(*roles, email=email, **fields).id


def user_state(app: Flask, email: str) -> UserState | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email.lower()))
        if user is None:
            return None
        return UserState(
            id=user.id,
            email=user.email,
            roles=frozenset(r.role for r in user.roles),
            suspended=user.is_suspended,
            suspension_reason=user.suspension_reason,
        )


def roles_of(app: Flask, email: str) -> frozenset[str]:
    state = user_state(app, email)
    assert state is not None, f"no account for {email}"
    return state.roles


def user_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id))) or 0


def audit_events(app: Flask, action: str | None = None) -> list[Event]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return [
            Event(
                e.actor_id,
                e.action,
                e.subject_type,
                e.subject_id,
                e.from_state,
                e.to_state,
                e.reason,
            )
            for e in db.session.scalars(query)
        ]


def is_signed_in(client: FlaskClient) -> bool:
    """Whether the client's session still opens the account page."""
    return client.get("/account").status_code == 200


def redirect_target(response: Any) -> tuple[str, dict[str, list[str]]]:
    """The path and query of a redirect's Location, asserting that it stays on this site."""
    assert response.status_code in (301, 302, 303), response.status_code
    parts = urlsplit(response.headers["Location"])
    assert parts.scheme in ("", "http"), parts
    assert parts.netloc in ("", "localhost"), parts
    return parts.path, parse_qs(parts.query)
