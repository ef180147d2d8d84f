"""Sign-up, sign-in, account and admin forms (CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from core.accounts.models import Role
from core.accounts.services import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH

EMAIL_VALIDATORS = [
    DataRequired("Enter your email address."),
    Length(max=254, message="That email address is too long."),
    Email("Enter a valid email address, like name@example.com."),
]


def strip_whitespace(value: str | None) -> str | None:
    """Forgive the spaces that copying an address often brings along."""
    return value.strip() if isinstance(value, str) else value


class SignupForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL_VALIDATORS, filters=[strip_whitespace])
    display_name = StringField(
        "Your name",
        validators=[DataRequired("Tell us what to call you."), Length(max=80)],
    )
    password = PasswordField(
        "Password",
        validators=[
            DataRequired("Choose a password."),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=PASSWORD_MAX_LENGTH,
                message=f"Use {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters.",
            ),
        ],
        description=f"At least {PASSWORD_MIN_LENGTH} characters.",
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[
            DataRequired("Repeat your password."),
            EqualTo("password", "The passwords differ."),
        ],
    )
    role = RadioField(
        "I am here to",
        choices=[
            SelectChoice(Role.BUYER.value, "Shop: discover products in videos and lives"),
            SelectChoice(Role.CREATOR.value, "Create: promote products and earn commission"),
            SelectChoice(Role.SELLER.value, "Sell: open a store and recruit creators"),
        ],
        default=Role.BUYER.value,
        validators=[DataRequired("Choose how you will use the platform.")],
    )


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL_VALIDATORS, filters=[strip_whitespace])
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=PASSWORD_MAX_LENGTH)],
    )
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class NewPasswordForm(FlaskForm):
    """A new password typed twice: the change and the reset of a password share it."""

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


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password."), Length(max=128)],
    )


class AddRoleForm(FlaskForm):
    role = HiddenField(validators=[DataRequired()])


class GrantRoleForm(FlaskForm):
    role = SelectField(
        "Role",
        choices=[SelectChoice(role.value, role.label) for role in Role],
        validators=[DataRequired("Choose a role.")],
    )


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for one-button actions."""


class SuspendForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        validators=[DataRequired("Say why the account is suspended."), Length(max=500)],
    )


class ReinstateForm(FlaskForm):
    reason = TextAreaField("Note", validators=[Optional(), Length(max=500)])
