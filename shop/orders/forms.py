"""The cart's, the voucher field's and the orders' forms (CSRF on every one).

Prices never come from a form: a voucher form carries a code, and what it takes off is priced
on the server (``shop.promotions.pricing.cart``). The order actions' services trim and check the
same limits again; these forms give the page its messages.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from shop.orders.cart import MAX_QUANTITY
from shop.orders.lifecycle import CARRIER_MAX, REASON_MAX, TRACKING_MAX

QUANTITY_MESSAGE = f"Choose a quantity from 1 to {MAX_QUANTITY}."
ID_RANGE = NumberRange(min=1, max=2**63 - 1, message="That is not a valid choice.")


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class AddToCartForm(FlaskForm):
    variant_id = IntegerField("Option", validators=[InputRequired("Choose an option."), ID_RANGE])
    quantity = IntegerField(
        "Quantity",
        default=1,
        validators=[
            InputRequired(QUANTITY_MESSAGE),
            NumberRange(min=1, max=MAX_QUANTITY, message=QUANTITY_MESSAGE),
        ],
    )
    # When the page says which product the option belongs to, the two must agree.
    product_id = IntegerField("Product", validators=[Optional(), ID_RANGE])
    buy_now = HiddenField()


class QuantityForm(FlaskForm):
    quantity = IntegerField(
        "Quantity",
        validators=[
            InputRequired(QUANTITY_MESSAGE),
            NumberRange(min=1, max=MAX_QUANTITY, message=QUANTITY_MESSAGE),
        ],
    )


class RemoveLineForm(FlaskForm):
    """Only the CSRF token: the line is in the URL."""


# --- vouchers in the cart and at checkout ----------------------------------------------------

CODE_MAX = 32
BACK_TO = ("cart", "checkout")  # the pages a voucher form returns to


class _StoreForm(FlaskForm):
    store_id = IntegerField(
        "Store",
        validators=[
            InputRequired("Choose the store's order."),
            NumberRange(min=1, max=2**63 - 1, message="That is not a store of your cart."),
        ],
    )
    back = HiddenField()

    @property
    def back_to(self) -> str:
        return self.back.data if self.back.data in BACK_TO else "cart"


class VoucherForm(_StoreForm):
    code = StringField(
        "Voucher code",
        filters=[_strip],
        validators=[
            DataRequired("Enter a voucher code."),
            Length(max=CODE_MAX, message=f"A voucher code is at most {CODE_MAX} characters."),
        ],
    )


class RemoveVoucherForm(_StoreForm):
    """Only the store whose code is taken off."""


# --- the order's actions ---------------------------------------------------------------------


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
