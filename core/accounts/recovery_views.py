"""Pages for email verification, change of address and password reset."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from core.accounts import recovery
from core.accounts.exceptions import AccountError, InvalidCredentials
from core.accounts.forms import EmptyForm
from core.accounts.recovery_forms import ChangeEmailForm, ForgotPasswordForm, ResetPasswordForm
from core.accounts.services import normalise_email
from core.extensions import db, limiter
from core.mail.signing import LinkError

bp = Blueprint("recovery", __name__)

RESET_SENT = (
    "If an account uses that address, we have mailed it a link to reset the password. "
    "The link works once, for one hour."
)


def _limit(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def _email_key() -> str:
    return "reset-account:" + normalise_email(request.form.get("email", ""))[:254]


def _user_key() -> str:
    return f"verify-resend:{getattr(current_user, 'id', 0)}"


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(
    _limit("LOGIN_LIMIT_PER_ACCOUNT"),
    methods=["POST"],
    key_func=_email_key,
    error_message="Too many reset requests for this address; try again in a few minutes.",
)
@limiter.limit(
    _limit("LOGIN_LIMIT_PER_IP"),
    methods=["POST"],
    key_func=get_remote_address,
    error_message="Too many reset requests from your network; try again in a few minutes.",
)
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("accounts/forgot_password.html", form=form), status
    recovery.request_password_reset(form.email.data)
    db.session.commit()
    # The same answer whether or not the address has an account.
    return render_template("accounts/forgot_password.html", form=None, sent=RESET_SENT)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_limit("LOGIN_LIMIT_PER_IP"), methods=["POST"], key_func=get_remote_address)
def reset_password(token: str) -> ResponseReturnValue:
    try:
        user = recovery.user_for_reset(token)
    except LinkError as error:
        db.session.rollback()
        return render_template("accounts/link_refused.html", message=str(error)), 400
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("accounts/reset_password.html", form=form, email=user.email), status
    try:
        recovery.reset_password(token, form.new_password.data)
    except AccountError as error:
        db.session.rollback()
        form.new_password.errors = [str(error)]
        return render_template("accounts/reset_password.html", form=form, email=user.email), 400
    db.session.commit()
    flash("Your password is changed and every session has ended. Sign in with it now.", "success")
    return redirect(url_for("accounts.login"))


@bp.get("/account/verify/<token>")
def verify_email(token: str) -> ResponseReturnValue:
    try:
        recovery.verify_email(token)
    except LinkError as error:
        db.session.rollback()
        return render_template("accounts/link_refused.html", message=str(error), resend=True), 400
    db.session.commit()
    flash("Your email address is verified. Thank you!", "success")
    return redirect(url_for("accounts.account") if current_user.is_authenticated else "/")


@bp.post("/account/verify/resend")
@login_required
@limiter.limit("5 per hour", key_func=_user_key)
def resend_verification() -> ResponseReturnValue:
    form = EmptyForm()
    if form.validate_on_submit() and recovery.send_verification(current_user):
        db.session.commit()
        flash(f"We mailed a new verification link to {current_user.email}.", "success")
    else:
        flash("Your address is already verified.", "info")
    return redirect(url_for("accounts.account"), 303)


@bp.post("/account/email")
@login_required
@limiter.limit(_limit("LOGIN_LIMIT_PER_ACCOUNT"), key_func=_user_key)
def change_email() -> ResponseReturnValue:
    form = ChangeEmailForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
        return redirect(url_for("accounts.account"), 303)
    try:
        new_email = recovery.request_email_change(
            current_user, new_email=form.email.data, password=form.password.data
        )
    except AccountError as error:
        db.session.rollback()
        message = (
            "That is not your password." if isinstance(error, InvalidCredentials) else str(error)
        )
        flash(message, "danger")
        return redirect(url_for("accounts.account"), 303)
    db.session.commit()
    flash(
        f"We mailed a confirmation link to {new_email}. Your address changes when you follow it.",
        "success",
    )
    return redirect(url_for("accounts.account"), 303)


@bp.get("/account/email/confirm/<token>")
def confirm_email_change(token: str) -> ResponseReturnValue:
    try:
        user = recovery.confirm_email_change(token)
    except (LinkError, AccountError) as error:
        db.session.rollback()
        return render_template("accounts/link_refused.html", message=str(error)), 400
    db.session.commit()
    flash(f"Your email address is now {user.email}.", "success")
    return redirect(url_for("accounts.account") if current_user.is_authenticated else "/")
