"""Forms of the message pages (CSRF on all). The services check every rule again."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from affiliate.messages.models import BODY_MAX, REPORT_REASON_MAX, CardKind
from affiliate.messages.services import CardRequest


class MessageForm(FlaskForm):
    body = TextAreaField(
        "Message",
        validators=[Optional(), Length(max=BODY_MAX, message=f"At most {BODY_MAX:,} characters.")],
        render_kw={"rows": 3, "maxlength": BODY_MAX},
    )
    #: ``plan:<id>``, ``product:<id>`` or ``sample:<id>``; the choices depend on the two sides.
    card = SelectField("Attach", choices=[SelectChoice("", "No card")], validate_choice=False)
    origin = HiddenField()

    def card_request(self) -> CardRequest | None:
        """The chosen card, or None; a malformed choice reads as a bad card (``ValueError``)."""
        raw = (self.card.data or "").strip()
        if not raw:
            return None
        kind, _, ident = raw.partition(":")
        kinds = {
            "plan": CardKind.INVITATION,
            "product": CardKind.PRODUCT,
            "sample": CardKind.SAMPLE,
        }
        if kind not in kinds or not (ident.isascii() and ident.isdigit()) or len(ident) > 18:
            raise ValueError(raw)
        return CardRequest(kinds[kind], int(ident))


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class DeclineSampleForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[Optional(), Length(max=500)])


class ReportForm(FlaskForm):
    reason = TextAreaField("What happened?", validators=[Optional(), Length(max=REPORT_REASON_MAX)])
    block = BooleanField("Also block this conversation", default=True)
