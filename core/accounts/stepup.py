"""Checks before sensitive pages and actions: a second factor for staff, step-up for money.

- ``second_factor_gate(role)``: a ``before_request`` for a blueprint of staff pages (Finance
  centre, Admin). A user holding ``role`` whose session has not shown a second factor is sent
  to set up an authenticator app (not enrolled yet) or to enter a code (enrolled), then back.
- ``staff_required(role)``: the same gate for one staff view on a blueprint that is not all
  staff pages (the refund desk, review moderation, message reports, the tax export), after
  the role check.
- ``step_up_required``: a view decorator for a money-moving or key-making action. The user
  must have confirmed it was them (a TOTP code, or the password for accounts without
  two-factor) within ``STEP_UP_MINUTES`` (10); otherwise they are sent to the confirm page and
  then back to the page they came from (a safe local path only), where they submit again.
- ``require_step_up()``: the same check for a view that needs it only sometimes (an approval
  above the four-eyes threshold); it returns the redirect to answer, or None to go on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from core.accounts import sessions, twofactor
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.types import utcnow

F = TypeVar("F", bound=Callable[..., Any])


def is_safe_path(target: str | None) -> bool:
    """Accept only a path on this site: no scheme, no host, no ``//`` or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def return_path() -> str:
    """Where to come back to after confirming: this page (GET), or the page the form was on."""
    if request.method == "GET":
        target = request.full_path.rstrip("?")
        return target if is_safe_path(target) else "/"
    form_next = request.form.get("next", "")
    if is_safe_path(form_next):
        return form_next
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and is_safe_path(referrer.path):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return "/"


def step_up_minutes() -> int:
    return int(current_app.config.get("STEP_UP_MINUTES", 10))


def has_recent_step_up() -> bool:
    record = sessions.current_record()
    if record is None or record.step_up_at is None:
        return False
    return utcnow() - record.step_up_at <= timedelta(minutes=step_up_minutes())


def require_step_up() -> Response | None:
    """None if the user confirmed it was them recently; else the redirect to confirm."""
    if not current_user.is_authenticated or has_recent_step_up():
        return None
    flash("For your security, confirm it is you before you go on.", "info")
    return redirect(url_for("twofactor.confirm", next=return_path()))


def step_up_required(view: F) -> F:
    """Require a signed-in user who confirmed it was them within the last ten minutes."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        answer = require_step_up()
        if answer is not None:
            return answer
        return view(*args, **kwargs)

    return cast(F, login_required(wrapped))


def has_second_factor() -> bool:
    record = sessions.current_record()
    return record is not None and record.second_factor_at is not None


def second_factor_gate(*roles: Role) -> Callable[[], ResponseReturnValue | None]:
    """A ``before_request`` that sends holders of ``roles`` to their second factor first."""

    def gate() -> ResponseReturnValue | None:
        if not current_user.is_authenticated or not current_user.has_role(*roles):
            return None
        if has_second_factor():
            return None
        target = return_path()
        if twofactor.is_enabled(current_user.id):
            flash("Enter a code from your authenticator app to open this page.", "info")
            return redirect(url_for("twofactor.confirm", next=target))
        flash(
            "Finance and admin accounts must use two-factor sign-in: set up an authenticator "
            "app to continue.",
            "warning",
        )
        return redirect(url_for("twofactor.setup", next=target))

    return gate


def staff_required(*roles: Role) -> Callable[[F], F]:
    """Require one of ``roles`` (403 otherwise) and, as every staff page, a second factor."""
    gate = second_factor_gate(*roles)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return gate() or view(*args, **kwargs)

        return role_required(*roles)(cast(F, wrapped))

    return decorator
