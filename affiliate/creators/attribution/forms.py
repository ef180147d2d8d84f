"""Forms of attribution's pages (CSRF on all); the rules live in ``codes``."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from affiliate.creators.attribution.codes import MAX_DAYS


class GiveCodeForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[InputRequired("Enter a code."), Length(max=32)],
        description="3 to 32 letters, digits, - or _; buyers type it at checkout.",
    )
    percent = StringField(
        "Percent off", validators=[InputRequired("Enter the percentage off.")], default="10"
    )
    days = IntegerField(
        "Runs for (days)",
        default=30,
        validators=[InputRequired("Enter how many days."), NumberRange(1, MAX_DAYS)],
    )
    total_uses = IntegerField(
        "Total uses", validators=[Optional(), NumberRange(1, 1_000_000)], description="Optional."
    )
