"""Forms of the free-sample pages (CSRF on all). The services check every rule again."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from affiliate.plans.samples.models import (
    DECLINE_REASON_MAX,
    DECLINE_REASON_MIN,
    SAMPLE_NOTE_MAX,
    SAMPLE_NOTE_MIN,
)
from affiliate.plans.samples.services import MAX_CAP
from core.money import format_money
from shop.orders.checkout.forms import CheckoutForm, strip


class SampleRequestForm(CheckoutForm):
    """The checkout's address choice (a saved address or a new one), an option and a note."""

    currency = None  # type: ignore[assignment]  # nothing is paid
    reviewed = None  # type: ignore[assignment]
    variant_id = SelectField(
        "Option", coerce=int, validators=[InputRequired("Choose an option.")], choices=[]
    )
    note = TextAreaField(
        "What will you make with it?",
        filters=[strip],
        validators=[
            DataRequired("Tell the seller about the content you plan."),
            Length(
                min=SAMPLE_NOTE_MIN,
                max=SAMPLE_NOTE_MAX,
                message=f"Write {SAMPLE_NOTE_MIN} to {SAMPLE_NOTE_MAX} characters.",
            ),
        ],
        description="The seller reads this before deciding: the video or live you plan, when.",
    )

    def set_variants(self, variants: list[Any], currency: str) -> None:
        def label(variant: Any) -> str:
            name = "One option" if variant.name == "Default" else variant.name
            price = format_money(variant.price, currency)
            sold_out = " (sold out)" if variant.stock <= 0 else ""
            return f"{name} · worth {price}{sold_out}"

        self.variant_id.choices = [(v.id, label(v)) for v in variants]
        if self.variant_id.data is None and variants:
            self.variant_id.data = variants[0].id


class DeclineSampleForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        filters=[strip],
        validators=[
            DataRequired("Say why you decline: the creator reads it."),
            Length(
                min=DECLINE_REASON_MIN,
                max=DECLINE_REASON_MAX,
                message=f"Write {DECLINE_REASON_MIN} to {DECLINE_REASON_MAX} characters.",
            ),
        ],
    )


class SampleCapForm(FlaskForm):
    max_requests = IntegerField(
        "Cap",
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_CAP, message=f"Enter a number from 0 to {MAX_CAP}."),
        ],
        description="Requests waiting or approved; 0 turns samples off, empty lifts the cap.",
    )
