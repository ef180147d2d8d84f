"""Forms of the wallet and the Finance centre. Every form that changes something carries a
CSRF token; the GET-only filter forms do not (they change nothing). The services check every
rule again: a form only reads what was typed."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from affiliate.payouts.models import REASON_LENGTH, TaxIdKind, WithdrawalStatus
from affiliate.payouts.providers import BankDetails
from affiliate.payouts.queries.review import SORTS
from affiliate.payouts.tax import TaxDetails
from core.money import parse_amount

MAX_EXPORT_DAYS = 366 * 5


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _digits(value: str | None) -> str | None:
    """Forgive the spaces and dashes people type inside bank numbers ("110-000-000")."""
    return re.sub(r"[\s-]", "", value) if isinstance(value, str) else value


def new_request_token() -> str:
    """A one-time token for one rendering of the withdrawal form."""
    return secrets.token_urlsafe(24)


class ActionForm(FlaskForm):
    """A button that changes something (approve, retry): only the CSRF token."""


# ---------------------------------------------------------------------------- the creator's


class WithdrawalForm(FlaskForm):
    """Amount as typed (parsed by ``rules.parse_withdrawal_amount``) and the form's
    one-time token, so a double click or a resubmission makes one withdrawal."""

    amount = StringField(
        "Amount to withdraw",
        validators=[DataRequired("Enter the amount to withdraw."), Length(max=40)],
        filters=[_strip],
    )
    request_token = HiddenField(validators=[DataRequired("This form has expired; reload it.")])
    #: Which of the creator's wallets (one per currency) the withdrawal draws on; empty reads
    #: as the platform's default currency.
    currency = HiddenField(validators=[Optional(), Length(max=3)])

    @classmethod
    def fresh(cls) -> WithdrawalForm:
        """An empty form with a new token (each rendering gets its own)."""
        form = cls(formdata=None)
        form.request_token.data = new_request_token()
        return form


class PayoutAccountForm(FlaskForm):
    """A bank-like destination for the simulated provider (``providers.BankDetails``)."""

    holder_name = StringField(
        "Account holder",
        validators=[DataRequired("Enter the account holder's name."), Length(min=2, max=80)],
        filters=[_strip],
    )
    routing_number = StringField(
        "Routing number",
        validators=[DataRequired("Enter the routing number."), Length(max=20)],
        filters=[_digits],
        description="9 digits.",
    )
    account_number = StringField(
        "Account number",
        validators=[DataRequired("Enter the account number."), Length(max=30)],
        filters=[_digits],
        description="4 to 17 digits. Only the last four are kept.",
    )

    def validate_routing_number(self, field: Field) -> None:
        if field.data and not re.fullmatch(r"\d{9}", field.data):
            raise ValidationError("The routing number is 9 digits.")

    def validate_account_number(self, field: Field) -> None:
        if field.data and not re.fullmatch(r"\d{4,17}", field.data):
            raise ValidationError("The account number is 4 to 17 digits.")

    def bank_details(self) -> BankDetails:
        return BankDetails(
            holder_name=self.holder_name.data or "",
            routing_number=self.routing_number.data or "",
            account_number=self.account_number.data or "",
        )


class TaxDetailsForm(FlaskForm):
    """The creator's tax details and signed statement (``tax.TaxDetails`` checks them)."""

    legal_name = StringField(
        "Legal name",
        validators=[DataRequired("Enter your legal name."), Length(min=2, max=120)],
        filters=[_strip],
        description="As it appears on your tax documents, or your business's registered name.",
    )
    tax_id_kind = SelectField(
        "Kind of tax number",
        choices=[SelectChoice(kind.value, kind.label) for kind in TaxIdKind],
        validators=[DataRequired("Choose the kind of tax number.")],
    )
    tax_id = StringField(
        "Tax number",
        validators=[DataRequired("Enter your tax number."), Length(max=40)],
        filters=[_strip],
        description="Only its last four characters are shown again.",
    )
    country = SelectField("Country", validators=[DataRequired("Choose your country.")])
    certified = BooleanField("I sign the statement above.")
    signature = StringField(
        "Signature: type your legal name",
        validators=[DataRequired("Sign by typing your legal name."), Length(max=120)],
        filters=[_strip],
    )

    def details(self) -> TaxDetails:
        return TaxDetails(
            legal_name=self.legal_name.data or "",
            tax_id_kind=self.tax_id_kind.data or "",
            tax_id=self.tax_id.data or "",
            country=self.country.data or "",
            signature=self.signature.data or "",
            certified=bool(self.certified.data),
        )


# ---------------------------------------------------------------------------- finance's


class ReasonForm(FlaskForm):
    """Why finance rejects a withdrawal, or returns its funds (shown to the creator)."""

    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired("Give a reason; the creator will read it."),
            Length(min=3, max=REASON_LENGTH, message=f"Use 3 to {REASON_LENGTH} characters."),
        ],
        filters=[_strip],
    )


class BulkApproveForm(FlaskForm):
    """The queue's ticked withdrawals (checkboxes named ``ids``)."""

    ids = SelectMultipleField(
        "Withdrawals",
        coerce=int,
        validate_choice=False,
        validators=[DataRequired("Tick at least one withdrawal to approve.")],
    )


def _amount_or_none(text: str | None, currency: str) -> int | None:
    if not text:
        return None
    return parse_amount(text, currency)


STATUS_CHOICES = [SelectChoice("", "Any status")] + [
    SelectChoice(s.value, s.label) for s in WithdrawalStatus
]
SORT_CHOICES = [
    SelectChoice("oldest", "Oldest first"),
    SelectChoice("newest", "Newest first"),
    SelectChoice("amount_desc", "Largest first"),
    SelectChoice("amount_asc", "Smallest first"),
]
assert {choice.value for choice in SORT_CHOICES} == set(SORTS)


class QueueFilterForm(FlaskForm):
    """The review queue's filters, from the query string."""

    class Meta:
        csrf = False  # a GET search: it changes nothing

    status = SelectField("Status", choices=STATUS_CHOICES, default=WithdrawalStatus.REQUESTED.value)
    min_amount = StringField("Amount from", validators=[Optional()], filters=[_strip])
    max_amount = StringField("to", validators=[Optional()], filters=[_strip])
    creator = StringField("Creator", validators=[Optional(), Length(max=100)], filters=[_strip])
    sort = SelectField("Sort", choices=SORT_CHOICES, default="oldest")

    def __init__(self, *args: Any, currency: str = "USD", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def _check_amount(self, field: Field) -> None:
        try:
            value = _amount_or_none(field.data, self.currency)
        except ValueError:
            raise ValidationError("Use an amount such as 100 or 100.50.") from None
        if value is not None and value < 0:
            raise ValidationError("Use an amount of zero or more.")

    def validate_min_amount(self, field: Field) -> None:
        self._check_amount(field)

    def validate_max_amount(self, field: Field) -> None:
        self._check_amount(field)

    def amounts(self) -> tuple[int | None, int | None]:
        """The amount range in minor units; a bad bound (already reported) reads as none."""
        bounds = []
        for field in (self.min_amount, self.max_amount):
            try:
                bounds.append(None if field.errors else _amount_or_none(field.data, self.currency))
            except ValueError:
                bounds.append(None)
        return bounds[0], bounds[1]


class ExportForm(FlaskForm):
    """A period of withdrawals for the accountants: both days included, UTC."""

    class Meta:
        csrf = False  # a GET download: it changes nothing

    start = DateField("From", validators=[DataRequired("Give the first day as YYYY-MM-DD.")])
    end = DateField("To", validators=[DataRequired("Give the last day as YYYY-MM-DD.")])

    def validate_end(self, field: Field) -> None:
        start = self.start.data
        if start and field.data:
            if field.data < start:
                raise ValidationError("The last day comes before the first.")
            if field.data >= date.max:
                raise ValidationError("Give a last day before the year 9999.")
            if (field.data - start).days > MAX_EXPORT_DAYS:
                raise ValidationError("Export at most five years at once.")

    def period(self) -> tuple[datetime, datetime]:
        """``[start, end)`` as aware datetimes: the end day is included."""
        start: date = self.start.data
        end: date = self.end.data
        return (
            datetime.combine(start, time.min, UTC),
            datetime.combine(end + timedelta(days=1), time.min, UTC),
        )
