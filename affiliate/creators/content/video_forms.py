"""Forms for posting and editing videos; the rules live in ``affiliate.creators.content.videos``."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from affiliate.creators.content.models import MAX_CONTENT_PRODUCTS
from affiliate.creators.content.videos import CAPTION_MAX, EXTERNAL_URL_MAX
from affiliate.profiles.forms import IMAGE_ACCEPT, strip

VIDEO_ACCEPT = "video/mp4,video/webm"


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
