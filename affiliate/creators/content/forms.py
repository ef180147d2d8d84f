"""Forms of the content pages (CSRF on all): videos, lives and the yellow cart's card.

Forms check shape only; the rules live in the services (``videos``, ``lives``,
``attribution.services``), which check every product id against the showcase.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from affiliate.creators.content.lives import STREAM_URL_MAX, TITLE_MAX
from affiliate.creators.content.models import MAX_CONTENT_PRODUCTS
from affiliate.creators.content.videos import CAPTION_MAX, EXTERNAL_URL_MAX
from affiliate.profiles.forms import IMAGE_ACCEPT, strip
from core.types import utcnow
from shop.orders.cart import MAX_QUANTITY

VIDEO_ACCEPT = "video/mp4,video/webm"
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
ID_RANGE = NumberRange(min=1, max=2**31 - 1)


# ---------------------------------------------------------------------------- videos


class VideoEditForm(FlaskForm):
    caption = TextAreaField(
        "Caption",
        validators=[DataRequired("Write a caption."), Length(max=CAPTION_MAX)],
        filters=[strip],
        render_kw={"maxlength": CAPTION_MAX, "rows": 3},
        description=f"Up to {CAPTION_MAX} characters.",
    )
    # The showcase is the list of choices; the service checks each id against it.
    products = SelectMultipleField(
        f"Products in the yellow cart (up to {MAX_CONTENT_PRODUCTS})",
        coerce=int,
        validate_choice=False,
        validators=[Optional()],
    )


class VideoForm(VideoEditForm):
    file = FileField("Video file", render_kw={"accept": VIDEO_ACCEPT})
    external_url = StringField(
        "Or a link to the video",
        validators=[Optional(), Length(max=EXTERNAL_URL_MAX)],
        filters=[strip],
        render_kw={"placeholder": "https://", "inputmode": "url"},
    )
    poster = FileField(
        "Poster image (optional)",
        render_kw={"accept": IMAGE_ACCEPT},
        description="Shown before the video plays. Without one, the first product's picture.",
    )


# ---------------------------------------------------------------------------- lives


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
    cover = FileField(
        "Cover image (optional)",
        render_kw={"accept": IMAGE_ACCEPT},
        description="Shown on your profile and the live's page before it starts.",
    )

    def starts_at_utc(self) -> datetime:
        """The start time the creator typed, read as UTC."""
        value: datetime = self.scheduled_at.data
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ActionForm(FlaskForm):
    """A control-panel button (start, end, unpin): only the CSRF token."""


class PinForm(FlaskForm):
    product_id = IntegerField("Product", validators=[InputRequired(), ID_RANGE])


class PinVoucherForm(FlaskForm):
    """The voucher to pin for viewers (empty: take it off)."""

    voucher_id = IntegerField("Voucher", validators=[Optional(), ID_RANGE])


def optional_id(value: object) -> int | None:
    """A select's id, None for its empty "Choose…" option (a non-number raises: 400)."""
    if value in ("", None):
        return None
    return int(str(value))


class LiveDealForm(FlaskForm):
    """A seller's deal for one creator's live: the service checks every id and value."""

    content_id = SelectField(
        "Live", coerce=optional_id, validate_choice=False, validators=[Optional()]
    )
    variant_id = SelectField(
        "Product option", coerce=optional_id, validate_choice=False, validators=[Optional()]
    )
    deal_price = StringField(
        "Deal price", validators=[DataRequired("Enter the deal price.")], filters=[strip]
    )
    quantity = IntegerField(
        "Units for the deal", default=20, validators=[InputRequired("Enter how many units.")]
    )
    per_buyer_limit = IntegerField(
        "Limit per buyer", default=1, validators=[InputRequired("Enter the limit per buyer.")]
    )
    starts_at = DateTimeLocalField(
        "Starts at (UTC, optional)",
        format=DATETIME_FORMATS,
        validators=[Optional()],
        description="Empty: when the live is scheduled to start (or now, if it is on air).",
    )
    ends_at = DateTimeLocalField(
        "Ends at (UTC)",
        format=DATETIME_FORMATS,
        validators=[InputRequired("Enter when the deal ends (UTC).")],
        description="12 hours at most; the deal also ends when the live ends.",
    )


# ---------------------------------------------------------------------------- yellow cart


class CardCartForm(FlaskForm):
    """A yellow-cart card's "Add to cart" (or "Buy now") button."""

    product_id = IntegerField(
        "Product", validators=[InputRequired(), NumberRange(1, 2**31 - 1, "Choose an option.")]
    )
    variant_id = IntegerField(
        "Option",
        validators=[
            InputRequired("Choose an option."),
            NumberRange(1, 2**31 - 1, "Choose an option."),
        ],
    )
    quantity = IntegerField(
        "Quantity", default=1, validators=[Optional(), NumberRange(min=1, max=MAX_QUANTITY)]
    )
    buy_now = HiddenField()
    next = HiddenField()
