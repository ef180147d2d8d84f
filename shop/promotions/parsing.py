"""Reading what a seller typed into a promotion form: percentages, amounts, codes, names,
counts and windows. Each function returns the value in the form the models keep (basis points,
minor units, an upper-case code, aware UTC datetimes) or raises a ``PromotionError`` with a
message for the seller.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from core.money import format_money, minor_units, parse_amount
from shop.promotions.exceptions import (
    InvalidCode,
    InvalidLimit,
    InvalidName,
    InvalidValue,
    InvalidWindow,
)
from shop.promotions.models import MAX_PERCENT_BPS, DiscountKind

NAME_MAX = 100
CODE_MIN, CODE_MAX = 3, 32
MAX_COUNT = 1_000_000  # deal quantities, total uses and per-buyer limits
_PERCENT = re.compile(r"(\d+)(?:[.,](\d+))?")
_CODE = re.compile(r"[A-Z0-9_-]+")


def format_percent(bps: int) -> str:
    """Basis points as the seller reads them: ``1500`` → ``"15%"``, ``1250`` → ``"12.5%"``."""
    whole, cents = divmod(bps, 100)
    return f"{whole}%" if not cents else f"{whole}.{cents:02d}".rstrip("0") + "%"


def parse_percent(text: str | None, *, field: str = "value") -> int:
    """A percentage off (``"15"``, ``"12.5%"``): more than 0, at most 100, two decimals at most."""
    raw = (text or "").strip().removesuffix("%").strip()
    if raw.startswith("-"):
        raise InvalidValue("A percentage off must be more than zero.", field=field)
    match = _PERCENT.fullmatch(raw)
    if not match:
        raise InvalidValue("Enter the percentage as a number, like 15 or 12.5.", field=field)
    whole, decimals = match.group(1), match.group(2) or ""
    if len(decimals) > 2:
        raise InvalidValue("Use at most two decimals in a percentage, like 12.75.", field=field)
    if len(whole) > 3:
        raise InvalidValue("A percentage off is at most 100%.", field=field)
    bps = int(whole) * 100 + int(decimals.ljust(2, "0"))
    if bps <= 0:
        raise InvalidValue("A percentage off must be more than zero.", field=field)
    if bps > MAX_PERCENT_BPS:
        raise InvalidValue(f"A percentage off is at most 100%; {raw}% is not.", field=field)
    return bps


def parse_money(
    text: str | None, currency: str, *, field: str = "value", allow_zero: bool = False
) -> int:
    """An amount typed by the seller (``"5"``, ``"4.99"``) in minor units; above zero unless
    ``allow_zero``."""
    raw = (text or "").strip()
    example = format_money(1250, currency).lstrip("$€£¥")
    if not raw:
        raise InvalidValue(f"Enter an amount, like {example}.", field=field)
    try:
        amount = parse_amount(raw.lstrip("$€£¥"), currency)
    except ValueError as error:
        if "decimals" in str(error):
            raise InvalidValue(
                f"Use at most {minor_units(currency)} decimals for {currency}, like {example}.",
                field=field,
            ) from None
        if "too large" in str(error):
            raise InvalidValue("That amount is too large.", field=field) from None
        raise InvalidValue(f"Enter an amount, like {example}.", field=field) from None
    if amount < 0 and allow_zero:
        raise InvalidValue("The amount cannot be negative.", field=field)
    if amount <= 0 and not allow_zero:
        raise InvalidValue("The amount must be more than zero.", field=field)
    return amount


def normalise_code(text: str | None) -> str:
    """A voucher code trimmed and upper-cased; 3–32 of A–Z, 0–9, ``-`` and ``_``."""
    code = (text or "").strip().upper()
    if not code:
        raise InvalidCode("Enter a code, like SPRING10.")
    if any(character.isspace() for character in code):
        raise InvalidCode("A code has no spaces: use letters, digits, - and _.")
    if not CODE_MIN <= len(code) <= CODE_MAX:
        raise InvalidCode(f"A code is {CODE_MIN} to {CODE_MAX} characters long.")
    if not _CODE.fullmatch(code):
        raise InvalidCode("Use only the letters A–Z, digits, - and _ in a code.")
    return code


def parse_name(text: str | None) -> str:
    """A promotion's name, trimmed: 1 to 100 characters."""
    name = (text or "").strip()
    if not name:
        raise InvalidName("Give the promotion a name.")
    if len(name) > NAME_MAX:
        raise InvalidName(f"A name is at most {NAME_MAX} characters.")
    return name


def parse_count(value: object, what: str, field: str) -> int:
    """A whole number from 1 to ``MAX_COUNT`` (``what`` names it in the message)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidLimit(f"Enter the {what} as a whole number.", field=field)
    if value <= 0:
        raise InvalidLimit(f"The {what} must be at least 1.", field=field)
    if value > MAX_COUNT:
        raise InvalidLimit(f"The {what} is at most {MAX_COUNT:,}.", field=field)
    return value


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one (a datetime-local input) is read as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_window(
    starts_at: datetime | None,
    ends_at: datetime | None,
    now: datetime,
    *,
    longest: timedelta | None = None,
) -> tuple[datetime, datetime]:
    """The window in UTC (a naive datetime is read as UTC): it ends after it starts, and in the
    future."""
    if starts_at is None:
        raise InvalidWindow("Enter when the promotion starts.", field="starts_at")
    if ends_at is None:
        raise InvalidWindow("Enter when the promotion ends.")
    starts_at, ends_at = as_utc(starts_at), as_utc(ends_at)
    if ends_at <= starts_at:
        raise InvalidWindow("The end must come after the start.")
    if ends_at <= now:
        raise InvalidWindow("The end is in the past; a promotion must end in the future.")
    if longest is not None and ends_at - starts_at > longest:
        raise InvalidWindow(f"A flash deal runs for {longest.days} days at most.")
    return starts_at, ends_at


def parse_value(kind: str, value: str | None, currency: str) -> tuple[int | None, int | None]:
    """``(percent_bps, amount_off)`` for a percentage or a fixed amount off."""
    if kind == DiscountKind.PERCENT.value:
        return parse_percent(value), None
    if kind == DiscountKind.FIXED.value:
        return None, parse_money(value, currency)
    raise InvalidValue("Choose a percentage or an amount off.", field="kind")
