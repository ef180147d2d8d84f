"""Forms of the case pages (CSRF on all). The services check every rule again."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from affiliate.disputes.inputs import BODY_MAX, REASON_MAX

LINKS_HELP = (
    "Optional: up to five web addresses (a screenshot, a post, a tracking page), one a line."
)


class _Evidence:
    evidence = TextAreaField(
        "Evidence",
        validators=[Optional(), Length(max=BODY_MAX)],
        render_kw={"rows": 5, "maxlength": BODY_MAX},
    )
    links = TextAreaField("Links", validators=[Optional(), Length(max=3000)], render_kw={"rows": 3})


class ContestForm(_Evidence, FlaskForm):
    reason = TextAreaField(
        "Why",
        validators=[DataRequired("Say why."), Length(min=3, max=REASON_MAX)],
        render_kw={"rows": 2, "maxlength": REASON_MAX},
    )


class ClaimForm(_Evidence, FlaskForm):
    order_number = IntegerField(
        "Order number",
        validators=[InputRequired("Give the order number."), NumberRange(min=1, max=2**62)],
    )
    product_id = SelectField("Product", coerce=int, validate_choice=False)
    content_id = SelectField("Your video or live", coerce=int, validate_choice=False)
    reason = TextAreaField(
        "Why it should have earned",
        validators=[DataRequired("Say why."), Length(min=3, max=REASON_MAX)],
        render_kw={"rows": 2, "maxlength": REASON_MAX},
    )


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Comment or evidence",
        validators=[Optional(), Length(max=BODY_MAX)],
        render_kw={"rows": 3, "maxlength": BODY_MAX},
    )
    links = TextAreaField("Links", validators=[Optional(), Length(max=3000)], render_kw={"rows": 2})


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Why (optional)", validators=[Optional(), Length(max=REASON_MAX)], render_kw={"rows": 2}
    )


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=[SelectChoice("uphold", "Uphold"), SelectChoice("reject", "Reject")],
        validators=[InputRequired("Choose uphold or reject.")],
    )
    reason = TextAreaField(
        "Reason (both sides read it)",
        validators=[DataRequired("Give the reason."), Length(min=3, max=1000)],
        render_kw={"rows": 3, "maxlength": 1000},
    )
