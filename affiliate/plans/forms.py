"""Forms of the seller's plan pages (CSRF on all). The services check every rule again."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from affiliate.plans.exceptions import InvalidRate, InvalidWindow, ProductNotInStore
from affiliate.plans.rates import parse_rate_percent
from affiliate.plans.services import MESSAGE_MAX, NAME_MAX

RATE_HELP = "A percentage between 1 and 80, with at most two decimals."


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class StorePlanForm(FlaskForm):
    rate = StringField(
        "Rate (%)",
        validators=[DataRequired("Enter the rate.")],
        filters=[_strip],
        description=RATE_HELP,
    )
    active = BooleanField("On: creators may promote every product of the store", default=True)


class OpenPlanForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired("Give the plan a name."), Length(max=NAME_MAX)],
        filters=[_strip],
    )
    starts_on = DateField("Starts on", validators=[DataRequired("Enter the start date.")])
    ends_on = DateField("Ends on (optional)", validators=[Optional()])
    manual_approval = BooleanField("Approve joiners manually")

    def window(self) -> tuple[datetime, datetime | None]:
        """The plan runs from the start of ``starts_on`` to the end of ``ends_on`` (UTC)."""
        return window_of(self.starts_on.data, self.ends_on.data)


class TargetedPlanForm(OpenPlanForm):
    manual_approval = None  # type: ignore[assignment]  # invitations need no approval
    message = TextAreaField(
        "Message to the creators",
        validators=[Optional(), Length(max=MESSAGE_MAX)],
        filters=[_strip],
    )
    creators = StringField(
        "Creators",
        validators=[Optional(), Length(max=2000)],
        filters=[_strip],
        description="Handles or emails of creator accounts, separated by commas.",
    )


class InviteForm(FlaskForm):
    creators = StringField(
        "Invite more creators",
        validators=[Optional(), Length(max=2000)],
        filters=[_strip],
        description="Handles or emails of creator accounts, separated by commas.",
    )


class RateForm(FlaskForm):
    product_id = HiddenField()
    rate = StringField(
        "New rate (%)",
        validators=[DataRequired("Enter the rate.")],
        filters=[_strip],
        description=RATE_HELP,
    )


class TierForm(FlaskForm):
    """A volume tier for one product: from ``min_orders`` paid orders, ``rate`` percent."""

    product_id = HiddenField()
    min_orders = IntegerField(
        "From orders",
        validators=[
            InputRequired("Enter after how many orders the tier starts."),
            NumberRange(min=1, max=1_000_000, message="Between 1 and 1,000,000 orders."),
        ],
    )
    rate = StringField(
        "Rate (%)", validators=[DataRequired("Enter the tier's rate.")], filters=[_strip]
    )


def window_of(starts_on: date, ends_on: date | None) -> tuple[datetime, datetime | None]:
    starts_at = datetime.combine(starts_on, time.min, tzinfo=UTC)
    if ends_on is None:
        return starts_at, None
    if ends_on < starts_on:
        raise InvalidWindow("The end date must come after the start date.")
    return starts_at, datetime.combine(ends_on + timedelta(days=1), time.min, tzinfo=UTC)


def product_rates_from(formdata: MultiDict) -> dict[int, int]:
    """The chosen products (``product_id`` checkboxes) with their rates (``rate-<id>``)."""
    rates: dict[int, int] = {}
    for raw in formdata.getlist("product_id"):
        if not raw.isdigit() or len(raw) > 18:
            raise ProductNotInStore("Choose products from your store.")
        product_id = int(raw)
        text = formdata.get(f"rate-{product_id}", "")
        try:
            rates[product_id] = parse_rate_percent(text)
        except InvalidRate as error:
            raise InvalidRate(f"Product #{product_id}: {error}") from None
    if not rates:
        raise ProductNotInStore("Choose at least one product, with its rate.")
    return rates


def ids_from(values: list[str]) -> list[int]:
    """Account ids from a list of strings (``creator_ids`` from the directory); junk ignored."""
    return [int(v) for v in values if v.isdigit() and len(v) <= 18]


def split_identifiers(text: str | None) -> list[str]:
    """Handles or emails separated by commas, semicolons or spaces."""
    return [t for t in re.split(r"[\s,;]+", text or "") if t]
