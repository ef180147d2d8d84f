"""The reviews' forms: write or edit a review, answer one, hide one, mark one helpful."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from shop.catalog.forms import IMAGE_ACCEPT, strip
from shop.reviews import rules

STARS_MESSAGE = "Choose from 1 to 5 stars."


class ReviewForm(FlaskForm):
    rating = IntegerField(
        "Your rating",
        validators=[InputRequired(STARS_MESSAGE), NumberRange(1, 5, STARS_MESSAGE)],
    )
    body = TextAreaField(
        "Your review",
        validators=[Length(max=rules.MAX_BODY)],
        filters=[strip],
        description="What did you like or dislike? Other buyers will read it.",
    )
    photos = MultipleFileField(
        "Photos",
        render_kw={"accept": IMAGE_ACCEPT},
        description=f"Up to {rules.MAX_PHOTOS} photos: PNG, JPEG, WebP or GIF.",
    )


class AnswerForm(FlaskForm):
    reply = TextAreaField(
        "Your public answer",
        validators=[InputRequired("Write your answer."), Length(max=rules.MAX_REPLY)],
        filters=[strip],
    )


class HideForm(FlaskForm):
    reason = StringField(
        "Reason",
        validators=[
            InputRequired("Say why the review is hidden."),
            Length(rules.MIN_HIDE_REASON, rules.MAX_HIDE_REASON),
        ],
        filters=[strip],
    )


class UnhideForm(FlaskForm):
    reason = StringField(
        "Reason",
        validators=[
            InputRequired("Say why the review is shown again."),
            Length(rules.MIN_HIDE_REASON, rules.MAX_HIDE_REASON),
        ],
        filters=[strip],
    )


class HelpfulForm(FlaskForm):
    """A button: the CSRF token is all it carries."""
