"""Forms for password reset and change of address (CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from core.accounts.forms import EMAIL_VALIDATORS, NewPasswordForm, strip_whitespace
from core.accounts.services import PASSWORD_MAX_LENGTH


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL_VALIDATORS, filters=[strip_whitespace])


class ResetPasswordForm(NewPasswordForm):
    """The new password a reset link sets."""


class ChangeEmailForm(FlaskForm):
    email = EmailField("New email address", validators=EMAIL_VALIDATORS, filters=[strip_whitespace])
    password = PasswordField(
        "Your password",
        validators=[DataRequired("Enter your password."), Length(max=PASSWORD_MAX_LENGTH)],
    )
