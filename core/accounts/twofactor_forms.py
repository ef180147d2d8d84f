"""Forms of two-factor sign-in, step-up and the session list (CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from core.accounts.services import PASSWORD_MAX_LENGTH

CODE_VALIDATORS = [
    DataRequired("Enter the 6-digit code from your authenticator app."),
    Length(max=40, message="That code is too long."),
]


def _code_field(label: str = "Code from your authenticator app") -> StringField:
    return StringField(
        label,
        validators=CODE_VALIDATORS,
        description="6 digits; or one of your recovery codes.",
    )


class SignInCodeForm(FlaskForm):
    code = _code_field()
    remember_device = BooleanField("Remember this device for 30 days")


class EnrolForm(FlaskForm):
    code = StringField(
        "Code shown by the app",
        validators=CODE_VALIDATORS,
        description="Enter the 6-digit code the app shows for Yellowcart.",
    )
    next = HiddenField()


class CodeForm(FlaskForm):
    """One current code (disable, new recovery codes)."""

    code = _code_field()


class ConfirmCodeForm(FlaskForm):
    code = _code_field()
    next = HiddenField()


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField(
        "Your password",
        validators=[DataRequired("Enter your password."), Length(max=PASSWORD_MAX_LENGTH)],
    )
    next = HiddenField()
