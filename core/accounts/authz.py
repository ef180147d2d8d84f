"""Role and ownership checks that every view uses; the server decides, never the template."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort
from flask_login import current_user, login_required

from core.accounts.models import Role
from core.extensions import db

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M")


def role_required(*roles: Role) -> Callable[[F], F]:
    """Require a signed-in user holding at least one of ``roles`` (401 → sign-in, else 403)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, login_required(wrapped))

    return decorator


# Primary keys are 64-bit at most; a larger number in a URL names nothing (and SQLite cannot
# even bind it), so it is a 404 rather than a 500.
_MAX_KEY = 2**63 - 1


def get_or_404(model: type[M], ident: Any) -> M:
    if isinstance(ident, int) and not -_MAX_KEY <= ident <= _MAX_KEY:
        abort(404)
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def get_owned_or_404(
    model: type[M], ident: Any, *, owner_id: int, owner_attr: str = "owner_id"
) -> M:
    """Load ``model`` by id for its owner: 404 if it does not exist, 403 if it is someone else's."""
    obj = get_or_404(model, ident)
    if getattr(obj, owner_attr) != owner_id:
        abort(403)
    return obj
