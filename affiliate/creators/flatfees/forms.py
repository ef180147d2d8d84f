"""Forms of the flat-fee pages; every one carries its CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from affiliate.creators.flatfees.models import MAX_PIECES, MAX_REVIEW_DAYS
from affiliate.creators.flatfees.submissions import MAX_REASON


class OfferForm(FlaskForm):
    amount = StringField(
        "Fee per approved piece",
        validators=[DataRequired("Enter the fee per piece."), Length(max=20)],
    )
    max_pieces = IntegerField(
        "Pieces per creator, at most",
        default=3,
        validators=[
            InputRequired("Enter how many pieces each creator may submit."),
            NumberRange(1, MAX_PIECES, f"Between 1 and {MAX_PIECES} pieces."),
        ],
    )
    review_days = IntegerField(
        "Days you have to review",
        default=3,
        validators=[
            InputRequired("Enter how many days you have to review."),
            NumberRange(1, MAX_REVIEW_DAYS, f"Between 1 and {MAX_REVIEW_DAYS} days."),
        ],
    )


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        "Reason", validators=[DataRequired("Say why you decline it."), Length(max=MAX_REASON)]
    )


class SubmitForm(FlaskForm):
    content_id = IntegerField(
        "Video or live", validators=[InputRequired("Choose the video or live to submit.")]
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
