"""Flask-Login wiring: how a session id becomes a user, and what anonymous visitors are."""

from __future__ import annotations

from flask import Flask
from flask_login import AnonymousUserMixin

from core.accounts import sessions
from core.accounts.models import Role, User
from core.extensions import login_manager


class AnonymousUser(AnonymousUserMixin):
    role_set: frozenset[Role] = frozenset()

    def has_role(self, *roles: Role) -> bool:
        return False


def load_user(session_id: str) -> User | None:
    # ``user:token:session``: an ended session record signs its browser out.
    return sessions.load_user(session_id)


def init_login(app: Flask) -> None:
    """Bind Flask-Login to ``app``: the user loader, the sign-in page and anonymous visitors."""
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.anonymous_user = AnonymousUser
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    # "basic": a session seen from a new address or browser is no longer "fresh", but stays
    # signed in; "strong" would sign out every buyer whose phone moves from Wi-Fi to mobile
    # data. Sessions are renewed at sign-in and ended at once by rotating the user's token.
    login_manager.session_protection = "basic"
