"""Tax details: what a creator must give before their payouts in a calendar year pass the
threshold (``TAX_DETAILS_THRESHOLD``), and the yearly totals finance files from.

A year's payouts, for the gate, are the withdrawals requested that year that still count:
every one but those rejected or failed with their money returned (a withdrawal waiting for
review will most likely be paid). The export counts what was paid, by the day it was paid.
Each function flushes and audits; the caller commits.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from babel import Locale
from sqlalchemy import Row, and_, func, not_, or_, select

from affiliate.payouts.exceptions import InvalidTaxDetails, TaxDetailsRequired
from affiliate.payouts.models import TaxIdKind, TaxProfile, Withdrawal, WithdrawalStatus
from affiliate.payouts.rules import money_text, tax_details_threshold
from core.accounts.models import User
from core.audit import services as audit
from core.extensions import db
from core.money import to_decimal
from core.types import utcnow
from core.web.csv import spreadsheet_cell

W = WithdrawalStatus
SUBJECT = "tax_profile"
STATEMENT = (
    "I certify that the name and tax number above are correct, that I am the person (or the "
    "business) they belong to, and that I will tell the platform if they change."
)
_TAX_ID = re.compile(r"[A-Z0-9]{4,32}")
# Two-letter codes in CLDR that name no country (the EU, the UN, "Unknown Region", pseudo-regions).
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})


def countries() -> list[tuple[str, str]]:
    """ISO 3166-1 alpha-2 codes and their English names, by name."""
    names = Locale("en").territories
    return sorted(
        (
            (code, name)
            for code, name in names.items()
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
        ),
        key=lambda pair: pair[1],
    )


def tax_profile_of(creator_id: int) -> TaxProfile | None:
    return db.session.scalar(select(TaxProfile).where(TaxProfile.creator_id == creator_id))


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def year_payouts(creator_id: int, currency: str, year: int) -> int:
    """What the creator's withdrawals requested in ``year`` add up to, in minor units,
    leaving out those rejected or failed with their money returned."""
    start, end = _year_bounds(year)
    returned = or_(
        Withdrawal.status == W.REJECTED.value,
        and_(Withdrawal.status == W.FAILED.value, Withdrawal.funds_returned_at.is_not(None)),
    )
    total = db.session.scalar(
        select(func.coalesce(func.sum(Withdrawal.amount), 0)).where(
            Withdrawal.creator_id == creator_id,
            Withdrawal.currency == currency,
            Withdrawal.requested_at >= start,
            Withdrawal.requested_at < end,
            not_(returned),
        )
    )
    return int(total or 0)


def tax_details_needed(
    creator_id: int, amount: int, currency: str, *, at: datetime | None = None
) -> bool:
    """Would withdrawing ``amount`` take this year's payouts past the threshold, with no tax
    details on file?"""
    if tax_profile_of(creator_id) is not None:
        return False
    year = (at or utcnow()).year
    return year_payouts(creator_id, currency, year) + amount > tax_details_threshold(currency)


def require_tax_details(creator_id: int, amount: int, currency: str) -> None:
    """Refuse (``TaxDetailsRequired``) a withdrawal that needs tax details first."""
    if tax_details_needed(creator_id, amount, currency):
        threshold = money_text(tax_details_threshold(currency), currency)
        raise TaxDetailsRequired(
            f"Your payouts this year would pass {threshold}: "
            "add your tax details (Wallet → Tax details) before this withdrawal."
        )


@dataclass(frozen=True)
class TaxDetails:
    """The details as typed; ``problems`` says what is wrong with them."""

    legal_name: str
    tax_id_kind: str
    tax_id: str
    country: str
    signature: str
    certified: bool

    @property
    def normalised_tax_id(self) -> str:
        return re.sub(r"[\s./-]", "", self.tax_id or "").upper()

    def problems(self) -> list[str]:
        found = []
        name = " ".join((self.legal_name or "").split())
        if not 2 <= len(name) <= 120:
            found.append("Give your legal name (2 to 120 characters).")
        if self.tax_id_kind not in {kind.value for kind in TaxIdKind}:
            found.append("Choose the kind of tax number.")
        if not _TAX_ID.fullmatch(self.normalised_tax_id):
            found.append("A tax number is 4 to 32 letters and digits.")
        elif self.tax_id_kind in ("ssn", "ein", "itin") and not re.fullmatch(
            r"\d{9}", self.normalised_tax_id
        ):
            found.append("An SSN, EIN or ITIN has 9 digits.")
        if self.country not in dict(countries()):
            found.append("Choose your country.")
        if not self.certified:
            found.append("Tick the statement to sign it.")
        if " ".join((self.signature or "").split()).casefold() != name.casefold():
            found.append("Sign by typing your legal name exactly as above.")
        return found


def save_tax_details(creator_id: int, details: TaxDetails) -> TaxProfile:
    """Record (or replace) the creator's tax details, signed now; ``InvalidTaxDetails``."""
    problems = details.problems()
    if problems:
        raise InvalidTaxDetails(" ".join(problems))
    if db.session.get(User, creator_id) is None:
        raise InvalidTaxDetails("No such creator.")
    profile = tax_profile_of(creator_id)
    replacing = profile is not None
    profile = profile or TaxProfile(creator_id=creator_id)
    profile.legal_name = " ".join(details.legal_name.split())
    profile.tax_id_kind = details.tax_id_kind
    profile.tax_id = details.normalised_tax_id
    profile.country = details.country
    profile.signature = " ".join(details.signature.split())
    profile.signed_at = utcnow()
    db.session.add(profile)
    db.session.flush()
    audit.record(
        actor_id=creator_id,
        action="tax_details_replaced" if replacing else "tax_details_given",
        subject_type=SUBJECT,
        subject_id=profile.id,
        reason=f"{profile.kind_label} {profile.masked_tax_id}, {profile.country}",
    )
    return profile


# ---------------------------------------------------------------------------- the yearly export

EXPORT_COLUMNS = (
    "creator_id",
    "email",
    "legal_name",
    "tax_id_kind",
    "tax_id_last4",
    "country",
    "currency",
    "withdrawals_paid",
    "gross_paid",
    "fees",
    "net_paid",
)


def yearly_totals(
    year: int,
) -> Sequence[Row[int, str, TaxProfile | None, str, int, int, int, int]]:
    """Per creator and currency, the withdrawals paid in ``year``: count, gross, fees, net."""
    start, end = _year_bounds(year)
    return db.session.execute(
        select(
            Withdrawal.creator_id,
            User.email,
            TaxProfile,
            Withdrawal.currency,
            func.count(Withdrawal.id),
            func.sum(Withdrawal.amount),
            func.sum(Withdrawal.fee),
            func.sum(Withdrawal.net),
        )
        .join(User, User.id == Withdrawal.creator_id)
        .outerjoin(TaxProfile, TaxProfile.creator_id == Withdrawal.creator_id)
        .where(
            Withdrawal.status == W.PAID.value,
            Withdrawal.paid_at >= start,
            Withdrawal.paid_at < end,
        )
        .group_by(Withdrawal.creator_id, User.email, TaxProfile.id, Withdrawal.currency)
        .order_by(Withdrawal.creator_id, Withdrawal.currency)
    ).all()


def yearly_csv(year: int) -> str:
    """The export as CSV text, one row per creator and currency (so it stays small); amounts
    in major units, their currency beside them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for creator_id, email, profile, currency, count, gross, fees, net in yearly_totals(year):
        row = (
            str(creator_id),
            email,
            profile.legal_name if profile else "",
            profile.kind_label if profile else "",
            profile.tax_id[-4:] if profile else "",
            profile.country if profile else "",
            currency,
            str(count),
            *(str(to_decimal(int(amount), currency)) for amount in (gross, fees, net)),
        )
        writer.writerow([spreadsheet_cell(value) for value in row])
    return buffer.getvalue()
