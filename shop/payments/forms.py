"""The card form of the test provider's pay page (CSRF on it). Stripe's card form is Stripe.js's
own, in the page; its card data never reaches us."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length
from wtforms.validators import ValidationError as FieldError

from shop.orders.checkout.forms import strip


class RetryForm(FlaskForm):
    """A button with nothing to fill in (open the payment with the provider again)."""


_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")


def _valid_expiry(form: FlaskForm, field: StringField) -> None:
    match = _EXPIRY.fullmatch(field.data or "")
    if not match:
        raise FieldError("Enter the expiry as MM/YY.")
    month, year = int(match.group(1)), int(match.group(2))
    year = year + 2000 if year < 100 else year
    if not 1 <= month <= 12:
        raise FieldError("Enter the expiry as MM/YY.")
    now = datetime.now(UTC)
    if (year, month) < (now.year, now.month):
        raise FieldError("This card has expired.")


class CardForm(FlaskForm):
    number = StringField(
        "Card number",
        filters=[strip],
        validators=[
            DataRequired("Enter the card number."),
            Length(max=30, message="That is not a card number."),
        ],
    )
    expiry = StringField("Expiry (MM/YY)", filters=[strip], validators=[_valid_expiry])
    cvc = StringField("CVC", filters=[strip], validators=[DataRequired("Enter the CVC.")])

    def validate_cvc(self, field: StringField) -> None:
        if not re.fullmatch(r"\d{3,4}", field.data or ""):
            raise FieldError("The CVC is the 3 or 4 digits on the back of the card.")

    def validate_number(self, field: StringField) -> None:
        digits = "".join(ch for ch in field.data or "" if ch not in " -")
        if not digits.isascii() or not digits.isdigit() or not 12 <= len(digits) <= 19:
            raise FieldError("Enter the card number: digits only.")
