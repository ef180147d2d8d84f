"""Two-factor sign-in and step-up confirmation (the session list: ``session_views``).

- ``/login/two-factor``: the step after the password for accounts with an authenticator app.
- ``/account/two-factor``: set up (QR code and secret, confirmed with a code; recovery codes
  shown once), new recovery codes, turn off, forget remembered devices.
- ``/account/confirm``: step-up ("confirm it is you"), then back to a safe local path.

Wrong codes are throttled per account (``TWO_FACTOR_LIMIT``, 5 per 5 minutes): the sixth
answer is a 429 until the window has passed, whichever of the three code forms was used.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user
from werkzeug.wrappers import Response

from core.accounts import sessions, twofactor
from core.accounts.forms import EmptyForm
from core.accounts.models import User
from core.accounts.passwords import passwords
from core.accounts.stepup import is_safe_path
from core.accounts.twofactor import REMEMBER_DEVICE_COOKIE, TwoFactorError
from core.accounts.twofactor_cli import two_factor_cli
from core.accounts.twofactor_forms import (
    CodeForm,
    ConfirmCodeForm,
    ConfirmPasswordForm,
    EnrolForm,
    SignInCodeForm,
)
from core.audit import services as audit
from core.extensions import db, limiter
from core.types import utcnow

bp = Blueprint("twofactor", __name__)

PENDING = "two_factor_pending"
PENDING_MINUTES = 5
NO_STORE = {"Cache-Control": "no-store"}


def _current() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _limit() -> str:
    return str(current_app.config.get("TWO_FACTOR_LIMIT", "5 per 5 minutes"))


def _code_key() -> str:
    """Throttle wrong codes per account: the pending sign-in's, else the signed-in user's."""
    pending = session.get(PENDING)
    if isinstance(pending, dict) and isinstance(pending.get("user"), int):
        return f"two-factor:{pending['user']}"
    if current_user.is_authenticated:
        return f"two-factor:{current_user.id}"
    return f"two-factor-ip:{request.remote_addr}"


def _failed(response: object) -> bool:
    return getattr(response, "status_code", 200) >= 400


def _throttled(view: Callable[..., Any]) -> Callable[..., Any]:
    return limiter.shared_limit(
        _limit,
        scope="two-factor",
        key_func=_code_key,
        deduct_when=_failed,
        methods=["POST"],
        error_message="Too many wrong codes: wait a few minutes, then try again.",
    )(view)


# ---------------------------------------------------------------------------- signing in


def challenge(user: User, *, remember: bool, target: str) -> ResponseReturnValue | None:
    """After the password: None to sign in now (no app, or a remembered device), or the
    redirect to the code step (nothing is signed in until the code is right)."""
    if not twofactor.is_enabled(user.id):
        return None
    if twofactor.is_remembered_device(user, request.cookies.get(REMEMBER_DEVICE_COOKIE)):
        sessions.note_second_factor()
        return None
    session.clear()
    session[PENDING] = {
        "user": user.id,
        "token": sessions.token_hint(user.session_token),
        "remember": remember,
        "next": target if is_safe_path(target) else "/",
        "since": int(utcnow().timestamp()),
    }
    return redirect(url_for("twofactor.sign_in_code"))


def _pending_user() -> tuple[User, dict[str, Any]] | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("user"), int):
        return None
    age = utcnow().timestamp() - float(pending.get("since", 0))
    if not 0 <= age <= PENDING_MINUTES * 60:
        return None
    user = db.session.get(User, pending["user"])
    if (
        user is None
        or user.is_suspended
        or sessions.token_hint(user.session_token) != pending.get("token")
        or not twofactor.is_enabled(user.id)
    ):
        return None
    return user, pending


def _remember_cookie(response: Response, user: User) -> None:
    response.set_cookie(
        REMEMBER_DEVICE_COOKIE,
        twofactor.remember_device_token(user),
        max_age=int(timedelta(days=twofactor.remember_device_days()).total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )


@bp.route("/login/two-factor", methods=["GET", "POST"])
@_throttled
def sign_in_code() -> ResponseReturnValue:
    found = _pending_user()
    if found is None:
        session.pop(PENDING, None)
        flash("Your sign-in expired: enter your email and password again.", "info")
        return redirect(url_for("accounts.login"))
    user, pending = found
    form = SignInCodeForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("accounts/two_factor_sign_in.html", form=form), status
    try:
        method = twofactor.verify(user, form.code.data)
    except TwoFactorError as error:
        db.session.rollback()
        form.code.errors = [str(error)]
        return render_template("accounts/two_factor_sign_in.html", form=form), 401
    db.session.commit()  # the code (or recovery code) is spent before anything else
    session.clear()
    sessions.note_second_factor()
    login_user(user, remember=bool(pending.get("remember")))
    flash(f"Signed in as {user.email}.", "success")
    if method == "recovery":
        left = twofactor.recovery_codes_left(user.id)
        flash(
            f"You used a recovery code: {left} left. Make new ones on your account page "
            "if you are running low.",
            "warning",
        )
    response = redirect(pending["next"])
    if form.remember_device.data:
        _remember_cookie(response, user)
    return response


# ---------------------------------------------------------------------------- enrolment


def _next_arg(source: str | None) -> str:
    return source if source is not None and is_safe_path(source) else ""


@bp.get("/account/two-factor")
@login_required
def overview() -> ResponseReturnValue:
    user = _current()
    return render_template(
        "accounts/two_factor.html",
        enrolment=twofactor.enrolment_of(user.id),
        required=twofactor.is_required(user),
        codes_left=twofactor.recovery_codes_left(user.id),
        code_form=CodeForm(formdata=None),
        disable_form=CodeForm(formdata=None, prefix="disable"),
        forget_form=EmptyForm(),
    )


def _setup_page(form: EnrolForm, status: int = 200) -> ResponseReturnValue:
    user = _current()
    pending = twofactor.start_enrolment(user)
    db.session.commit()
    uri = twofactor.provisioning_uri(pending.secret, user.email)
    return (
        render_template(
            "accounts/two_factor_setup.html",
            form=form,
            qr_svg=twofactor.qr_svg(uri),
            secret=twofactor.grouped(pending.secret),
            uri=uri,
            required=twofactor.is_required(user),
        ),
        status,
        NO_STORE,
    )


@bp.route("/account/two-factor/setup", methods=["GET", "POST"])
@login_required
@_throttled
def setup() -> ResponseReturnValue:
    user = _current()
    if twofactor.is_enabled(user.id):
        flash("Two-factor sign-in is already on.", "info")
        return redirect(url_for("twofactor.overview"))
    form = EnrolForm()
    if request.method == "GET":
        form.next.data = _next_arg(request.args.get("next"))
    if not form.validate_on_submit():
        return _setup_page(form, 400 if form.is_submitted() else 200)
    try:
        codes = twofactor.confirm_enrolment(user, form.code.data)
    except TwoFactorError as error:
        db.session.rollback()
        form.code.errors = [str(error)]
        return _setup_page(form, 400)
    record = sessions.current_record()
    if record is not None:
        sessions.mark_second_factor(record)
    db.session.commit()
    flash("Two-factor sign-in is on.", "success")
    return (
        render_template(
            "accounts/two_factor_codes.html",
            codes=codes,
            next=_next_arg(form.next.data) or url_for("twofactor.overview"),
        ),
        200,
        NO_STORE,
    )


@bp.post("/account/two-factor/recovery-codes")
@login_required
@_throttled
def new_recovery_codes() -> ResponseReturnValue:
    user = _current()
    form = CodeForm()
    if not form.validate_on_submit():
        flash("Enter a current code from your authenticator app.", "danger")
        return redirect(url_for("twofactor.overview")), 303
    try:
        codes = twofactor.regenerate_recovery_codes(user, form.code.data)
    except TwoFactorError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return _overview_refused(error.status_code if error.status_code != 400 else 401)
    db.session.commit()
    flash("New recovery codes are ready; the old ones no longer work.", "success")
    return (
        render_template(
            "accounts/two_factor_codes.html", codes=codes, next=url_for("twofactor.overview")
        ),
        200,
        NO_STORE,
    )


def _overview_refused(status: int) -> ResponseReturnValue:
    page = overview()
    return page if isinstance(page, tuple) else (page, status)


@bp.post("/account/two-factor/disable")
@login_required
@_throttled
def disable() -> ResponseReturnValue:
    user = _current()
    form = CodeForm(prefix="disable")
    if not form.validate_on_submit():
        flash("Enter a current code (or a recovery code) to turn two-factor sign-in off.", "danger")
        return _overview_refused(400)
    try:
        twofactor.disable(user, form.code.data)
    except TwoFactorError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return _overview_refused(401 if error.status_code == 400 else error.status_code)
    record = sessions.current_record()
    if record is not None:
        record.second_factor_at = None
    db.session.commit()
    flash("Two-factor sign-in is off. You can turn it on again at any time.", "success")
    return redirect(url_for("twofactor.overview")), 303


@bp.post("/account/two-factor/forget-devices")
@login_required
def forget_devices() -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        flash("The form expired; try again.", "danger")
        return redirect(url_for("twofactor.overview")), 303
    twofactor.forget_devices(_current())
    db.session.commit()
    flash("Every remembered device will be asked for a code at its next sign-in.", "success")
    response = redirect(url_for("twofactor.overview"), 303)
    response.delete_cookie(REMEMBER_DEVICE_COOKIE)
    return response


# ---------------------------------------------------------------------------- step-up


@bp.route("/account/confirm", methods=["GET", "POST"])
@login_required
@_throttled
def confirm() -> ResponseReturnValue:
    user = _current()
    with_code = twofactor.is_enabled(user.id)
    form: ConfirmCodeForm | ConfirmPasswordForm = (
        ConfirmCodeForm() if with_code else ConfirmPasswordForm()
    )
    if request.method == "GET":
        form.next.data = _next_arg(request.args.get("next"))
    page = "accounts/confirm.html"
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template(page, form=form, with_code=with_code), status
    if isinstance(form, ConfirmCodeForm):
        try:
            twofactor.verify(user, form.code.data)
        except TwoFactorError as error:
            db.session.rollback()
            form.code.errors = [str(error)]
            return render_template(page, form=form, with_code=with_code), 401
    elif not passwords.verify(user.password_hash, form.password.data):
        form.password.errors = ["That is not your password."]
        return render_template(page, form=form, with_code=with_code), 401
    record = sessions.current_record()
    if record is None:  # pragma: no cover - every signed-in request has its record
        return redirect(url_for("accounts.login"))
    if with_code:
        sessions.mark_second_factor(record, step_up=True)
    else:
        record.step_up_at = utcnow()
    audit.record(actor_id=user.id, action="step_up", subject_type="user", subject_id=user.id)
    db.session.commit()
    flash("Thanks, that is confirmed for the next few minutes.", "success")
    return redirect(_next_arg(form.next.data) or url_for("accounts.account"))


def init_app(app: Flask) -> None:
    """Connect the pages and the command."""
    app.register_blueprint(bp)
    app.cli.add_command(two_factor_cli)
