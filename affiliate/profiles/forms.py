"""Forms for creator profiles (onboarding and editing) and the sellers' directory filters.

Forms check the shape of the input; the rules (unique handle, known categories) live in
``affiliate.profiles.services``; the directory's sorts in ``affiliate.profiles.queries``.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    Form,
    IntegerField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from affiliate.profiles.exceptions import HANDLE_RULE
from affiliate.profiles.models import HANDLE_PATTERN
from affiliate.profiles.queries import DirectorySort
from affiliate.profiles.services import MAX_CATEGORIES, MAX_FIGURE

IMAGE_ACCEPT = "image/png,image/jpeg,image/webp,image/gif"


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def handle_filter(value: Any) -> Any:
    return value.strip().lstrip("@").lower() if isinstance(value, str) else value


class ProfileForm(FlaskForm):
    handle = StringField(
        "Handle",
        validators=[
            DataRequired("Choose a handle."),
            Regexp(f"^{HANDLE_PATTERN}$", message=HANDLE_RULE),
        ],
        filters=[handle_filter],
        description="Your public address: /creators/your_handle.",
    )
    display_name = StringField(
        "Display name",
        validators=[DataRequired("Give the name your audience knows."), Length(max=80)],
        filters=[strip],
    )
    bio = TextAreaField("Bio", validators=[Optional(), Length(max=1000)], filters=[strip])
    avatar = FileField("Avatar", render_kw={"accept": IMAGE_ACCEPT})
    follower_count = IntegerField(
        "Followers",
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_FIGURE, message="Enter a whole number, zero or more."),
        ],
        default=0,
    )
    avg_views = IntegerField(
        "Average views per video",
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_FIGURE, message="Enter a whole number, zero or more."),
        ],
        default=0,
    )
    categories = SelectMultipleField(
        "Categories you cover",
        coerce=int,
        validators=[Optional()],
        description=f"Up to {MAX_CATEGORIES}.",
    )

    def set_category_choices(self, tree: list) -> None:
        self.categories.choices = [
            SelectChoice(child.id, child.name, optgroup=top.name)
            for top, children in tree
            for child in children
        ]

    def validate_categories(self, field: SelectMultipleField) -> None:
        if field.data and len(set(field.data)) > MAX_CATEGORIES:
            raise ValidationError(f"Choose at most {MAX_CATEGORIES} categories.")


#: A figure filter is bounded like the figures themselves: a larger number would overflow the
#: database's integer, and no creator has that many followers anyway.
FIGURE_FILTER = NumberRange(
    min=0, max=MAX_FIGURE, message=f"Enter a whole number from 0 to {MAX_FIGURE:,}."
)


class DirectoryForm(Form):
    """The directory's filters, read from the query string (a GET form: no CSRF token)."""

    q = SearchField("Search", validators=[Optional(), Length(max=80)], filters=[strip])
    category = SelectField("Category", coerce=int, validators=[Optional()])
    min_followers = IntegerField("Followers from", validators=[Optional(), FIGURE_FILTER])
    max_followers = IntegerField("Followers up to", validators=[Optional(), FIGURE_FILTER])
    min_views = IntegerField("Average views from", validators=[Optional(), FIGURE_FILTER])
    sort = SelectField(
        "Sort by",
        choices=[SelectChoice(s.value, s.label) for s in DirectorySort],
        default=DirectorySort.FOLLOWERS.value,
        validators=[Optional()],
    )

    def set_category_choices(self, tree: list) -> None:
        choices = [SelectChoice(0, "All categories")]
        for top, children in tree:
            choices.append(SelectChoice(top.id, f"All of {top.name}"))
            choices.extend(
                SelectChoice(child.id, child.name, optgroup=top.name) for child in children
            )
        self.category.choices = choices

    def value(self, name: str) -> Any:
        """A field's value if it parsed and validated, else None (a bad filter is ignored)."""
        field = self[name]
        return None if field.errors else field.data

    def problems(self) -> list[str]:
        """One line per bad filter, as the page shows it (after ``validate``)."""
        plain = {
            "category": "That category does not exist.",
            "sort": "Choose a sort from the list.",
        }
        return [
            f"{field.label.text}: {plain.get(field.name, field.errors[-1])}"
            for field in self
            if field.errors
        ]
