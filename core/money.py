"""Money as integer minor units (cents) with a currency code: arithmetic and formatting."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from babel.core import Locale
from babel.numbers import format_currency, get_currency_precision

BPS_PER_WHOLE = 10_000
MAX_MINOR_UNITS = 2**63 - 1  # what the ledger's BIGINT columns hold

#: The currencies a store may sell in; money never changes currency on the platform (no
#: conversion is invented), so every balance, fee and total is kept per currency.
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "JPY", "SGD")

# Digits with an optional sign and decimal part; commas only as thousands separators, so that
# "12,50" (a decimal comma) is refused rather than read as 1,250.
_AMOUNT = re.compile(r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def percent_of(amount: int, bps: int) -> int:
    """Return ``amount × bps / 10,000`` rounded half-up (away from zero) to the minor unit."""
    if not _is_int(amount) or not _is_int(bps):
        raise TypeError("money and rates are integers (minor units and basis points)")
    sign = -1 if (amount < 0) != (bps < 0) else 1
    magnitude = abs(amount) * abs(bps)
    return sign * ((magnitude + BPS_PER_WHOLE // 2) // BPS_PER_WHOLE)


def split_fee(amount: int, fee_bps: int) -> tuple[int, int]:
    """Split ``amount`` into ``(fee, net)`` so that ``fee + net == amount`` always."""
    if amount < 0:
        raise ValueError("a fee is taken from a positive amount")
    if _is_int(fee_bps) and not 0 <= fee_bps <= BPS_PER_WHOLE:
        raise ValueError(f"a fee rate is 0 to {BPS_PER_WHOLE} basis points, not {fee_bps}")
    fee = percent_of(amount, fee_bps)
    return fee, amount - fee


def format_rate(bps: int) -> str:
    """A rate in basis points for people: ``200`` → "2%", ``250`` → "2.5%", ``5`` → "0.05%"."""
    whole, rest = divmod(bps, 100)
    return f"{whole}%" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0") + "%"


def minor_units(currency: str) -> int:
    """Number of decimal places of a currency (2 for USD, 0 for JPY)."""
    return get_currency_precision(currency.upper())


def to_decimal(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-minor_units(currency))


def parse_amount(text: str, currency: str) -> int:
    """Parse a human amount such as ``"12.50"`` into minor units; raise ``ValueError``.

    Exact: an amount with more decimals than the currency has is refused, never rounded.
    """
    cleaned = text.strip()
    if not _AMOUNT.fullmatch(cleaned):
        raise ValueError(f"{text!r} is not an amount")
    sign, digits, exponent = Decimal(cleaned.replace(",", "")).as_tuple()
    assert isinstance(exponent, int)  # the pattern admits no NaN or infinity
    places = minor_units(currency)
    whole = int("".join(map(str, digits)))
    shift = exponent + places
    value: int
    if shift >= 0:
        value = whole * 10**shift
    else:
        value, remainder = divmod(whole, 10**-shift)
        if remainder:
            raise ValueError(f"{text!r} has more decimals than {currency.upper()} allows")
    if value > MAX_MINOR_UNITS:
        raise ValueError(f"{text!r} is too large an amount")
    return -value if sign else value


def format_money(amount: int, currency: str = "USD", locale: str = "en_US") -> str:
    """Format minor units for people, with the currency's symbol: ``1234`` → ``$12.34``."""
    return _formatted(amount, currency.upper(), locale)


@lru_cache(maxsize=8192)
def _formatted(amount: int, currency: str, locale: str) -> str:
    return format_currency(to_decimal(amount, currency), currency, locale=_locale(locale))


@lru_cache(maxsize=64)
def _locale(name: str) -> Locale:
    """Babel parses a locale name (a dictionary lookup and a load) on every call it is given
    a string; a page of twenty amounts did that a hundred times. Parsed once per name here."""
    return Locale.parse(name)
