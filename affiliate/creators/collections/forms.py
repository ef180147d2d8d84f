"""The collection forms of the Creator centre."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from affiliate.creators.collections.services import MAX_DESCRIPTION, MAX_NAME
from shop.catalog.forms import strip


class CollectionForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[InputRequired("Give the collection a name."), Length(max=MAX_NAME)],
        filters=[strip],
    )
    description = TextAreaField(
        "Description", validators=[Length(max=MAX_DESCRIPTION)], filters=[strip]
    )


class AddProductForm(FlaskForm):
    product_id = IntegerField(
        "Product",
        validators=[
            InputRequired("Choose a product."),
            NumberRange(1, 2**31 - 1, "Choose a product."),
        ],
    )


class ButtonForm(FlaskForm):
    """A button: the CSRF token is all it carries."""
