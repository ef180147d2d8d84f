"""The account page's security box: two-factor state and the sessions signed in, each of which
can be ended (``/account/sessions/...``), or all the others at once."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, flash, redirect, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, logout_user

from core.accounts import sessions, twofactor
from core.accounts.forms import EmptyForm
from core.accounts.models import User
from core.audit import services as audit
from core.extensions import db

bp = Blueprint("account_sessions", __name__)


def _current() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.post("/account/sessions/<int:record_id>/end")
@login_required
def end_session(record_id: int) -> ResponseReturnValue:
    user = _current()
    record = sessions.get_own_session_or_404(user, record_id)
    if not EmptyForm().validate_on_submit():
        flash("The form expired; try again.", "danger")
        return redirect(url_for("accounts.account", _anchor="sessions")), 303
    current = sessions.current_record()
    sessions.end_session(user, record)
    audit.record(actor_id=user.id, action="session_ended", subject_type="user", subject_id=user.id)
    db.session.commit()
    if current is not None and current.id == record.id:
        logout_user()
        session.clear()
        flash("You are signed out.", "info")
        return redirect(url_for("shop.home")), 303
    flash("That session is ended: it is signed out at its next click.", "success")
    return redirect(url_for("accounts.account", _anchor="sessions")), 303


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions() -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        flash("The form expired; try again.", "danger")
        return redirect(url_for("accounts.account", _anchor="sessions")), 303
    user = _current()
    ended = sessions.end_other_sessions(user)
    audit.record(
        actor_id=user.id, action="other_sessions_ended", subject_type="user", subject_id=user.id
    )
    db.session.commit()
    flash(
        f"Signed out {ended} other session{'s' if ended != 1 else ''}."
        if ended
        else "There were no other sessions.",
        "success",
    )
    return redirect(url_for("accounts.account", _anchor="sessions")), 303


# ---------------------------------------------------------------------------- account page


@dataclass(frozen=True)
class SecuritySummary:
    two_factor_on: bool
    required: bool
    codes_left: int
    sessions: list[sessions.SessionView]
    form: EmptyForm


def account_security() -> SecuritySummary | None:
    """What the account page shows of two-factor sign-in and the sessions (a template helper)."""
    if not current_user.is_authenticated:
        return None
    user = _current()
    on = twofactor.is_enabled(user.id)
    return SecuritySummary(
        two_factor_on=on,
        required=twofactor.is_required(user),
        codes_left=twofactor.recovery_codes_left(user.id) if on else 0,
        sessions=sessions.active_sessions(user),
        form=EmptyForm(),
    )


def init_app(app: Flask) -> None:
    """Connect the session pages, the session records and the account page's helper."""
    app.register_blueprint(bp)
    sessions.init_sessions(app)
    app.add_template_global(account_security, "account_security")
