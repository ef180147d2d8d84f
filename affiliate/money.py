"""Money as integer minor units (cents) with a currency code: arithmetic and formatting."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, get_currency_precision

BPS_PER_WHOLE = 10_000


def percent_of(amount: int, bps: int) -> int:
    """Return ``amount × bps / 10,000`` rounded half-up (away from zero) to the minor unit."""
    if not isinstance(amount, int) or not isinstance(bps, int):
        raise TypeError("money and rates are integers (minor units and basis points)")
    sign = -1 if (amount < 0) != (bps < 0) else 1
    magnitude = abs(amount) * abs(bps)
    return sign * ((magnitude + BPS_PER_WHOLE // 2) // BPS_PER_WHOLE)


def split_fee(amount: int, fee_bps: int) -> tuple[int, int]:
    """Split ``amount`` into ``(fee, net)`` so that ``fee + net == amount`` always."""
    if amount < 0:
        raise ValueError("a fee is taken from a positive amount")
    fee = percent_of(amount, fee_bps)
    return fee, amount - fee


def minor_units(currency: str) -> int:
    """Number of decimal places of a currency (2 for USD, 0 for JPY)."""
    return get_currency_precision(currency.upper())


def to_decimal(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-minor_units(currency))


def parse_amount(text: str, currency: str) -> int:
    """Parse a human amount such as ``"12.50"`` into minor units; raise ``ValueError``."""
    cleaned = text.strip().replace(",", "")
    try:
        value = Decimal(cleaned)
    except ArithmeticError:
        raise ValueError(f"{text!r} is not an amount") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not an amount")
    scaled = value.scaleb(minor_units(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{text!r} has more decimals than {currency.upper()} allows")
    return int(scaled)


def format_money(amount: int, currency: str = "USD", locale: str = "en_US") -> str:
    """Format minor units for people, with the currency's symbol: ``1234`` → ``$12.34``."""
    return format_currency(to_decimal(amount, currency), currency.upper(), locale=locale)
