"""Sign-up, sign-in, sign-out and the account page."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.config import COOKIE_NAME

from core.accounts import recovery, services, sessions, twofactor_views
from core.accounts.exceptions import (
    AccountError,
    AccountSuspended,
    EmailTaken,
    InvalidCredentials,
    WeakPassword,
)
from core.accounts.forms import AddRoleForm, ChangePasswordForm, LoginForm, SignupForm
from core.accounts.models import SELF_SERVICE_ROLES, Role, User
from core.extensions import db, limiter
from core.web.refusals import refuse

bp = Blueprint("accounts", __name__)


def _account_key() -> str:
    return "login-account:" + services.normalise_email(request.form.get("email", ""))[:254]


def _failed(response: object) -> bool:
    return getattr(response, "status_code", 200) >= 400


def _configured_limit(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def is_safe_next(target: str | None) -> bool:
    """Accept only a path on this site: no scheme, no host, no ``//`` or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def landing_page(user: User) -> str:
    """Where a user lands after signing in: the centre of their most specific role."""
    for role, endpoint in (
        (Role.ADMIN, "admin.users"),
        (Role.FINANCE, "payouts.finance_centre"),
        (Role.SELLER, "seller.home"),
        (Role.CREATOR, "creators.centre"),
    ):
        if user.has_role(role):
            return url_for(endpoint)
    return url_for("shop.home")


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(
    _configured_limit("SIGNUP_LIMIT_PER_IP"), methods=["POST"], key_func=get_remote_address
)
def signup() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    form = SignupForm()
    if request.method == "GET" and request.args.get("role") in {
        r.value for r in SELF_SERVICE_ROLES
    }:
        form.role.data = request.args["role"]
    if not form.validate_on_submit():
        return render_template(
            "accounts/signup.html", form=form
        ), 400 if form.is_submitted() else 200
    try:
        user = services.register_user(
            email=form.email.data,
            password=form.password.data,
            display_name=form.display_name.data,
            roles={Role(form.role.data)},
        )
    except (EmailTaken, WeakPassword) as error:
        return refuse(error, "accounts/signup.html", form=form)
    recovery.send_verification(user)  # queued in this transaction: no account, no mail
    db.session.commit()
    session.clear()
    login_user(user)
    flash(
        f"Welcome, {user.display_name}! Your account is ready. We mailed {user.email} a link "
        "to confirm your address.",
        "success",
    )
    return redirect(landing_page(user))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _configured_limit("LOGIN_LIMIT_PER_ACCOUNT"),
    methods=["POST"],
    key_func=_account_key,
    deduct_when=_failed,
    error_message="Too many sign-in attempts for this account.",
)
@limiter.limit(
    _configured_limit("LOGIN_LIMIT_PER_IP"),
    methods=["POST"],
    key_func=get_remote_address,
    deduct_when=_failed,
    error_message="Too many sign-in attempts from your network.",
)
def login() -> ResponseReturnValue:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        if current_user.is_authenticated:
            return redirect(landing_page(current_user))
    if not form.validate_on_submit():
        return render_template(
            "accounts/login.html", form=form
        ), 400 if form.is_submitted() else 200
    try:
        user = services.authenticate(form.email.data, form.password.data)
    except (InvalidCredentials, AccountSuspended) as error:
        db.session.rollback()
        return render_template(
            "accounts/login.html", form=form, error=str(error)
        ), error.status_code
    db.session.commit()
    target = form.next.data if is_safe_next(form.next.data) else landing_page(user)
    # Accounts with an authenticator app show a code next (unless this device is remembered).
    second_step = twofactor_views.challenge(user, remember=bool(form.remember.data), target=target)
    if second_step is not None:
        return second_step
    session.clear()  # a fresh session at sign-in: nothing planted before it survives
    login_user(user, remember=bool(form.remember.data))
    flash(f"Signed in as {user.email}.", "success")
    return redirect(target)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    sessions.end_current()  # this session's record ends with it
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("shop.home"))


@bp.get("/account")
@login_required
def account() -> ResponseReturnValue:
    return render_template(
        "accounts/account.html",
        role_form=AddRoleForm(),
        password_form=ChangePasswordForm(),
        self_service_roles=[Role.CREATOR, Role.SELLER],
    )


ROLE_WELCOME = {
    Role.CREATOR: ("You are now a creator. Your Creator centre is ready.", "creators.centre"),
    Role.SELLER: ("You can now sell. Your Seller centre is ready.", "seller.home"),
    Role.BUYER: ("You can shop on the platform.", "shop.home"),
}


@bp.post("/account/roles")
@login_required
def add_role() -> ResponseReturnValue:
    form = AddRoleForm()
    if not form.validate_on_submit() or form.role.data not in {r.value for r in SELF_SERVICE_ROLES}:
        flash("That role cannot be added from your account page.", "danger")
        return redirect(url_for("accounts.account")), 303
    role = Role(form.role.data)
    added = services.add_self_service_role(current_user, role)
    db.session.commit()
    message, endpoint = ROLE_WELCOME[role]
    flash(message if added else f"You already have the {role.label.lower()} role.", "success")
    return redirect(url_for(endpoint))


@bp.post("/account/password")
@login_required
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, current=form.current_password.data, new=form.new_password.data
            )
        except AccountError as error:
            db.session.rollback()
            form.current_password.errors = (
                ["That is not your current password."]
                if isinstance(error, InvalidCredentials)
                else []
            )
            form.new_password.errors = [] if form.current_password.errors else [str(error)]
        else:
            sessions.end_other_sessions(current_user)  # and their records, for the list
            db.session.commit()
            # Keep this session (and this device's remember-me cookie, renewed with the new
            # session token); every other session and cookie carries the old token and ends.
            cookie_name = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
            login_user(current_user._get_current_object(), remember=cookie_name in request.cookies)
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("accounts.account"))
    return render_template(
        "accounts/account.html",
        role_form=AddRoleForm(),
        password_form=form,
        self_service_roles=[Role.CREATOR, Role.SELLER],
    ), 400
