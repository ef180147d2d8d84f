"""Forms of the cart's and checkout's voucher field (CSRF on both). A code is all they carry:
what it takes off is priced on the server (``shop.promotions.pricing``)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

CODE_MAX = 32
BACK_TO = ("cart", "checkout")  # the pages a voucher form returns to


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


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
