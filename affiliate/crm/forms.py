"""Forms of the CRM pages (CSRF on all). The services check every rule again."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from affiliate.crm.models import NOTE_MAX, SEGMENT_NAME_MAX, TAG_NAME_MAX
from affiliate.messages.models import BODY_MAX


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class TagForm(FlaskForm):
    tag = StringField("Tag", validators=[Optional(), Length(max=TAG_NAME_MAX)])


class NoteForm(FlaskForm):
    body = TextAreaField(
        "Private note", validators=[Optional(), Length(max=NOTE_MAX)], render_kw={"rows": 2}
    )


class SegmentForm(FlaskForm):
    name = StringField("Segment name", validators=[Optional(), Length(max=SEGMENT_NAME_MAX)])


class BulkForm(FlaskForm):
    """An action over the ticked creators (``creator_ids``) or a whole segment."""

    action = SelectField(
        "Action",
        choices=[
            SelectChoice("tag", "Tag"),
            SelectChoice("message", "Send a message"),
            SelectChoice("invite", "Invite to a plan"),
        ],
        validate_choice=True,
    )
    segment_id = HiddenField()
    tag = StringField("Tag", validators=[Optional(), Length(max=TAG_NAME_MAX)])
    body = TextAreaField(
        "Message", validators=[Optional(), Length(max=BODY_MAX)], render_kw={"rows": 2}
    )
    plan_id = SelectField(
        "Targeted plan", choices=[SelectChoice("", "Choose a plan")], validate_choice=False
    )
