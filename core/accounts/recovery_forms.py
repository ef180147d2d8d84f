"""Forms for password reset and change of address (CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from core.accounts.forms import EMAIL_VALIDATORS, strip_whitespace
from core.accounts.services import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL_VALIDATORS, filters=[strip_whitespace])


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(
        "New password",
        validators=[
            DataRequired("Choose a new password."),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=PASSWORD_MAX_LENGTH,
                message=f"Use {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters.",
            ),
        ],
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[
            DataRequired("Repeat your new password."),
            EqualTo("new_password", "The passwords differ."),
        ],
    )


class ChangeEmailForm(FlaskForm):
    email = EmailField("New email address", validators=EMAIL_VALIDATORS, filters=[strip_whitespace])
    password = PasswordField(
        "Your password",
        validators=[DataRequired("Enter your password."), Length(max=PASSWORD_MAX_LENGTH)],
    )
