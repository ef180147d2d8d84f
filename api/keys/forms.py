"""The API keys page's forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length


class KeyForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(message="Give the key a name."), Length(max=80)],
        description="What will use it, such as “Warehouse ERP”.",
    )
    scopes = SelectMultipleField("Scopes", choices=[], validate_choice=False)


class RevokeForm(FlaskForm):
    pass
