"""Forms of the seller's marketing pages (CSRF on all).

They parse the shape of the input only; every rule (amounts above zero, percentages, windows,
the store's own products, unique codes) is checked by ``shop.promotions.services``, whose
errors the views put back next to the field they name.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields import DateTimeLocalField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from shop.promotions.models import DiscountKind, VoucherScope
from shop.promotions.parsing import CODE_MAX, NAME_MAX

# The first format is what the form renders (the browser's datetime-local value).
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
UTC_HELP = "Date and time in UTC."


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def optional_int(value: Any) -> int | None:
    """A select's value as an id; an empty choice is None (a junk one fails the field)."""
    if value in (None, ""):
        return None
    return int(value)


class EndForm(FlaskForm):
    """The "End now" button: only the CSRF token."""


class WindowForm(FlaskForm):
    starts_at = DateTimeLocalField("Starts (UTC)", format=DATETIME_FORMATS, description=UTC_HELP)
    ends_at = DateTimeLocalField("Ends (UTC)", format=DATETIME_FORMATS, description=UTC_HELP)


class _ValueFields(WindowForm):
    name = StringField(
        "Name",
        validators=[Length(max=NAME_MAX)],
        filters=[strip],
        description="For you; buyers see the saving, not the name.",
    )
    kind = RadioField(
        "Kind of discount",
        choices=[
            SelectChoice(DiscountKind.PERCENT.value, "Percentage off"),
            SelectChoice(DiscountKind.FIXED.value, "Amount off"),
        ],
        default=DiscountKind.PERCENT.value,
    )
    value = StringField(
        "Percentage or amount off",
        validators=[Length(max=30)],
        filters=[strip],
        description="A percentage such as 15 or 12.5 (up to 100, two decimals at most), "
        "or an amount such as 5.00.",
    )


class DiscountForm(_ValueFields):
    product_ids = SelectMultipleField("Whole products", coerce=int, validate_choice=False)
    variant_ids = SelectMultipleField("Single variants", coerce=int, validate_choice=False)


class VoucherForm(_ValueFields):
    code = StringField(
        "Code",
        validators=[Length(max=CODE_MAX + 10)],
        filters=[strip],
        description="3 to 32 letters, digits, - or _. Buyers may type it in any letter case.",
    )
    cap = StringField(
        "Cap (optional)",
        validators=[Length(max=30)],
        filters=[strip],
        description="Percentage vouchers only: the most they take off an order.",
    )
    min_spend = StringField(
        "Minimum spend (optional)",
        validators=[Length(max=30)],
        filters=[strip],
        description="What the buyer's order of your products must come to first.",
    )
    scope = RadioField(
        "Applies to",
        choices=[
            SelectChoice(VoucherScope.STORE.value, "Every product of my store"),
            SelectChoice(VoucherScope.PRODUCTS.value, "The products I choose"),
        ],
        default=VoucherScope.STORE.value,
    )
    product_ids = SelectMultipleField("Products", coerce=int, validate_choice=False)
    total_uses = IntegerField(
        "Total uses (optional)",
        validators=[Optional()],
        description="Left empty, the voucher can be used any number of times.",
    )
    per_buyer_limit = IntegerField("Uses per buyer", default=1)
    public = BooleanField(
        "Public: shown on my store and product pages for buyers to collect", default=True
    )


class FlashDealForm(WindowForm):
    variant_id = SelectField("Variant", coerce=optional_int, validate_choice=False)
    deal_price = StringField(
        "Deal price",
        validators=[Length(max=30)],
        filters=[strip],
        description="Below the variant's price.",
    )
    quantity = IntegerField("Deal quantity", description="Units at the deal price; then it ends.")
    per_buyer_limit = IntegerField("Units per buyer", default=1)
    name = StringField(
        "Name (optional)",
        validators=[Length(max=NAME_MAX)],
        filters=[strip],
        description="Left empty, it is named after the product.",
    )
