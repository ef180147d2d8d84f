"""Forms of the seller's order actions and the buyer's delivered / refund buttons (CSRF on all).

The services trim and check the same limits again; these give the page its messages.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from shop.orders.lifecycle import CARRIER_MAX, REASON_MAX, TRACKING_MAX


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class ShipForm(FlaskForm):
    carrier = StringField(
        "Carrier",
        validators=[
            DataRequired("Enter the carrier."),
            Length(max=CARRIER_MAX, message=f"At most {CARRIER_MAX} characters."),
        ],
        filters=[_strip],
    )
    tracking_number = StringField(
        "Tracking number",
        validators=[
            DataRequired("Enter the tracking number."),
            Length(max=TRACKING_MAX, message=f"At most {TRACKING_MAX} characters."),
        ],
        filters=[_strip],
    )


class CancelForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired("Say why the order is cancelled; the buyer will see it."),
            Length(max=REASON_MAX, message=f"At most {REASON_MAX} characters."),
        ],
        filters=[_strip],
    )


class DeclineRefundForm(FlaskForm):
    note = TextAreaField(
        "Why decline?",
        validators=[
            DataRequired("Say why you decline; the buyer will see it."),
            Length(max=REASON_MAX, message=f"At most {REASON_MAX} characters."),
        ],
        filters=[_strip],
    )


class ConfirmForm(FlaskForm):
    """A button with nothing to fill in (approve a refund, mark delivered)."""


class RefundRequestForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired("Tell the seller why you want a refund."),
            Length(max=REASON_MAX, message=f"At most {REASON_MAX} characters."),
        ],
        filters=[_strip],
    )
