"""Cart, checkout and card forms (CSRF on every one). Prices never come from a form."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError

from shop.orders.cart import MAX_QUANTITY

QUANTITY_MESSAGE = f"Choose a quantity from 1 to {MAX_QUANTITY}."
ID_RANGE = NumberRange(min=1, max=2**63 - 1, message="That is not a valid choice.")


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class AddToCartForm(FlaskForm):
    variant_id = IntegerField("Option", validators=[InputRequired("Choose an option."), ID_RANGE])
    quantity = IntegerField(
        "Quantity",
        default=1,
        validators=[
            InputRequired(QUANTITY_MESSAGE),
            NumberRange(min=1, max=MAX_QUANTITY, message=QUANTITY_MESSAGE),
        ],
    )
    # When the page says which product the option belongs to, the two must agree.
    product_id = IntegerField("Product", validators=[Optional(), ID_RANGE])
    buy_now = HiddenField()


class QuantityForm(FlaskForm):
    quantity = IntegerField(
        "Quantity",
        validators=[
            InputRequired(QUANTITY_MESSAGE),
            NumberRange(min=1, max=MAX_QUANTITY, message=QUANTITY_MESSAGE),
        ],
    )


class RemoveLineForm(FlaskForm):
    """Only the CSRF token: the line is in the URL."""


NEW_ADDRESS = "new"
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


class CheckoutForm(FlaskForm):
    address = RadioField(
        "Ship to", validate_choice=True, choices=[SelectChoice(NEW_ADDRESS, "A new address")]
    )
    full_name = StringField("Full name", filters=[strip], validators=[Length(max=100)])
    line1 = StringField("Address", filters=[strip], validators=[Length(max=200)])
    line2 = StringField(
        "Apartment, suite (optional)", filters=[strip], validators=[Length(max=200)]
    )
    city = StringField("City", filters=[strip], validators=[Length(max=100)])
    region = StringField(
        "State or region (optional)", filters=[strip], validators=[Length(max=100)]
    )
    postal_code = StringField("Postal code", filters=[strip], validators=[Length(max=20)])
    country = StringField(
        "Country code",
        filters=[strip],
        validators=[Length(max=2)],
        description="Two letters, like US or GB.",
    )
    phone = StringField("Phone (optional)", filters=[strip], validators=[Length(max=30)])
    currency = HiddenField()
    reviewed = HiddenField()

    REQUIRED_FOR_NEW = {
        "full_name": "Enter the recipient's name.",
        "line1": "Enter the street address.",
        "city": "Enter the city.",
        "postal_code": "Enter the postal code.",
        "country": "Enter a two-letter country code.",
    }

    def set_addresses(self, addresses: list[Any]) -> None:
        self.address.choices = [SelectChoice(str(a.id), a.one_line()) for a in addresses] + [
            SelectChoice(NEW_ADDRESS, "A new address")
        ]
        if self.address.data is None:
            self.address.data = str(addresses[0].id) if addresses else NEW_ADDRESS

    @property
    def wants_new_address(self) -> bool:
        return self.address.data == NEW_ADDRESS

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.wants_new_address:
            for name, message in self.REQUIRED_FOR_NEW.items():
                field = self[name]
                if not field.data:
                    field.errors = [*field.errors, message]
                    ok = False
            if self.country.data and not _COUNTRY.fullmatch(self.country.data):
                self.country.errors = [*self.country.errors, "Use a two-letter country code."]
                ok = False
        return ok

    def new_address_fields(self) -> dict[str, str]:
        names = ("full_name", "line1", "line2", "city", "region", "postal_code", "country")
        return {name: self[name].data or "" for name in (*names, "phone")}


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
