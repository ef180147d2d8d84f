"""Forms of the creator's live pages (CSRF on all). The rules live in ``lives.py``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectMultipleField, StringField, URLField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from affiliate.creators.content.lives import STREAM_URL_MAX, TITLE_MAX
from core.types import utcnow

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def next_quarter_hour(now: datetime | None = None) -> datetime:
    """A sensible default start: the next quarter hour at least an hour from now (naive UTC)."""
    moment = (now or utcnow()).astimezone(UTC) + timedelta(hours=1)
    moment = moment.replace(second=0, microsecond=0)
    moment += timedelta(minutes=-moment.minute % 15)
    return moment.replace(tzinfo=None)


class LiveForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired("Give the live a title."), Length(max=TITLE_MAX)],
        filters=[strip],
    )
    scheduled_at = DateTimeLocalField(
        "Starts at (UTC)",
        format=DATETIME_FORMATS,
        validators=[InputRequired("Enter the start date and time (UTC).")],
        description="Date and time in UTC (Coordinated Universal Time), not your local time.",
    )
    stream_url = URLField(
        "Stream URL",
        validators=[DataRequired("Enter the stream URL."), Length(max=STREAM_URL_MAX)],
        filters=[strip],
        description="Where viewers watch the stream (https://…); it opens in a new tab.",
    )
    # The service checks every id against the showcase, with its own clear message.
    product_ids = SelectMultipleField("Products", coerce=str, validate_choice=False)

    def starts_at_utc(self) -> datetime:
        """The start time the creator typed, read as UTC."""
        value: datetime = self.scheduled_at.data
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ActionForm(FlaskForm):
    """A control-panel button (start, end, unpin): only the CSRF token."""


class PinForm(FlaskForm):
    product_id = IntegerField(
        "Product", validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)]
    )


class PinVoucherForm(FlaskForm):
    """The voucher to pin for viewers (empty: take it off)."""

    voucher_id = IntegerField("Voucher", validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
