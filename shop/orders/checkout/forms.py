"""The checkout form: where the order ships (a saved address or a new one). CSRF on it; prices
never come from a form."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


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
