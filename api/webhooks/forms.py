"""Forms of the Webhooks pages (CSRF on each, through Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import DataRequired, Length

from api.webhooks.models import DESCRIPTION_MAX, URL_MAX, EventType


class EventsField(SelectMultipleField):
    """Checkboxes, one per event type."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class EndpointForm(FlaskForm):
    url = StringField(
        "Endpoint URL",
        validators=[DataRequired("Give the https:// URL to send events to."), Length(max=URL_MAX)],
        description="An https:// address on the public internet.",
    )
    description = TextAreaField("Description", validators=[Length(max=DESCRIPTION_MAX)])
    events = EventsField("Events to send", validate_choice=False)

    def set_choices(self, allowed: list[EventType]) -> None:
        self.events.choices = [(event.value, event.value) for event in allowed]


class ActionForm(FlaskForm):
    """A button that posts (rotate, enable, disable, delete, test, replay): CSRF only."""
