"""Forms of the free-sample pages (CSRF on all). The services check every rule again."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from affiliate.plans.samples.caps import MAX_CAP
from affiliate.plans.samples.models import (
    DECLINE_REASON_MAX,
    DECLINE_REASON_MIN,
    RULE_NAME_MAX,
    SAMPLE_NOTE_MAX,
    SAMPLE_NOTE_MIN,
)
from affiliate.plans.samples.rules import RuleInput
from core.money import format_money, parse_amount, to_decimal
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


def _money_or_none(text: str | None, currency: str, field: Any, label: str) -> int | None:
    """A typed amount in minor units (empty: ``None``); a bad one adds an error to ``field``."""
    if not text:
        return None
    try:
        amount = parse_amount(text, currency)
    except ValueError:
        field.errors = [*field.errors, f"Enter the {label} like 12.50."]
        return None
    if amount < 0:
        field.errors = [*field.errors, f"The {label} cannot be negative."]
        return None
    return amount


def _percent_to_bps(value: Decimal | None) -> int | None:
    return None if value is None else int(value * 100)


class RuleForm(FlaskForm):
    """A sample rule; every condition is optional, at least one is set (the service checks)."""

    name = StringField(
        "Name",
        filters=[strip],
        validators=[DataRequired("Name the rule."), Length(max=RULE_NAME_MAX)],
    )
    product_id = SelectField("Applies to", choices=[], validate_choice=False)
    min_gmv_30d = StringField(
        "Creator's 30-day GMV at least", filters=[strip], validators=[Length(max=30)]
    )
    min_posting_rate = DecimalField(
        "Posting rate at least (%)",
        places=2,
        validators=[Optional(), NumberRange(min=0, max=100, message="From 0 to 100.")],
    )
    min_followers = IntegerField(
        "Followers at least",
        validators=[Optional(), NumberRange(min=0, max=10**10, message="0 or more.")],
    )
    max_price = StringField("Product price at most", filters=[strip], validators=[Length(max=30)])
    monthly_quota = IntegerField(
        "At most this many approved per product per month",
        validators=[Optional(), NumberRange(min=1, max=10_000, message="From 1 to 10000.")],
    )
    active = BooleanField("Active", default=True)

    def set_products(self, products: list[Any]) -> None:
        self.product_id.choices = [("", "Every product of the store")] + [
            (str(p.id), p.title) for p in products
        ]

    def parse(self, currency: str) -> RuleInput | None:
        """The rule to save, or ``None`` with the fields' errors set."""
        if not self.validate_on_submit():
            return None
        raw = self.product_id.data or ""
        if raw and not (raw.isascii() and raw.isdigit() and len(raw) < 19):
            self.product_id.errors = [*self.product_id.errors, "Choose one of your products."]
            return None
        min_gmv = _money_or_none(self.min_gmv_30d.data, currency, self.min_gmv_30d, "GMV")
        max_price = _money_or_none(self.max_price.data, currency, self.max_price, "price")
        if self.min_gmv_30d.errors or self.max_price.errors:
            return None
        rate = self.min_posting_rate.data
        if rate is not None and rate != rate.quantize(Decimal("0.01")):
            self.min_posting_rate.errors = [*self.min_posting_rate.errors, "Two decimals at most."]
            return None
        return RuleInput(
            name=self.name.data or "",
            product_id=int(raw) if raw else None,
            min_gmv_30d=min_gmv,
            min_posting_rate_bps=_percent_to_bps(rate),
            min_followers=self.min_followers.data,
            max_price=max_price,
            monthly_quota=self.monthly_quota.data,
            active=bool(self.active.data),
        )

    def fill(self, rule: Any, currency: str) -> None:
        def amount(value: int | None) -> str:
            return "" if value is None else str(to_decimal(value, currency))

        self.name.data = rule.name
        self.product_id.data = "" if rule.product_id is None else str(rule.product_id)
        self.min_gmv_30d.data = amount(rule.min_gmv_30d)
        bps = rule.min_posting_rate_bps
        self.min_posting_rate.data = None if bps is None else Decimal(bps) / 100
        self.min_followers.data = rule.min_followers
        self.max_price.data = amount(rule.max_price)
        self.monthly_quota.data = rule.monthly_quota
        self.active.data = rule.active


class PostingFloorForm(FlaskForm):
    min_posting_rate = DecimalField(
        "Approve by hand below this posting rate (%)",
        places=2,
        validators=[Optional(), NumberRange(min=0, max=100, message="From 0 to 100.")],
        description="Empty: no floor. Creators below it can still ask; you decide by hand.",
    )


class ShippingCostForm(FlaskForm):
    amount = StringField(
        "Shipping cost",
        filters=[strip],
        validators=[DataRequired("Enter what shipping cost."), Length(max=30)],
    )
