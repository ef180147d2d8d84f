"""The fraud queue's forms: one decision, a bulk decision, the rule filter."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from affiliate.fraud.models import RULE_LABELS
from affiliate.fraud.services import Decision

REASON_LENGTH = 500
DECISIONS = [
    SelectChoice(Decision.RELEASE.value, "Release"),
    SelectChoice(Decision.REVERSE.value, "Reverse"),
]


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class DecisionForm(FlaskForm):
    """Release or reverse one held commission, with the reason kept in the audit log."""

    decision = RadioField(
        "Decision", choices=DECISIONS, validators=[InputRequired("Choose release or reverse.")]
    )
    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired("Give a reason; it is kept with the decision."),
            Length(min=3, max=REASON_LENGTH, message=f"Use 3 to {REASON_LENGTH} characters."),
        ],
        filters=[_strip],
    )


class BulkDecisionForm(DecisionForm):
    """The same decision and reason for every ticked row (checkboxes named ``ids``)."""

    ids = SelectMultipleField(
        "Held commissions",
        coerce=int,
        validate_choice=False,
        validators=[DataRequired("Tick at least one held commission.")],
    )


class FilterForm(FlaskForm):
    """The queue's rule filter, from the query string."""

    class Meta:
        csrf = False

    rule = SelectField(
        "Rule",
        choices=[SelectChoice("", "Every rule")]
        + [SelectChoice(rule.value, label) for rule, label in RULE_LABELS.items()],
        validators=[Optional()],
    )
