"""Money helpers: integer minor units, half-up rounding, fee splits, parsing and formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.money import (
    format_money,
    format_rate,
    minor_units,
    parse_amount,
    percent_of,
    split_fee,
)

# --- percent_of ------------------------------------------------------------------------------


def test_percent_of_a_whole_rate_is_exact():
    assert percent_of(10_000, 1_000) == 1_000  # 10% of $100.00 is $10.00


def test_percent_of_rounds_a_half_cent_up():
    assert percent_of(1, 5_000) == 1  # half of one cent is 0.5, which rounds up


def test_percent_of_rounds_one_and_a_half_cents_up_to_two():
    assert percent_of(3, 5_000) == 2


def test_percent_of_rounds_below_half_down():
    assert percent_of(1, 4_999) == 0


def test_percent_of_two_percent_fee_on_an_odd_amount_rounds_half_up():
    assert percent_of(1_225, 200) == 25  # 24.5 cents rounds to 25


def test_percent_of_negative_amount_is_symmetric():
    assert percent_of(-1, 5_000) == -1
    assert percent_of(-3, 5_000) == -2
    assert percent_of(-1_225, 200) == -25


def test_percent_of_negative_rate_is_symmetric():
    assert percent_of(3, -5_000) == -2
    assert percent_of(-3, -5_000) == 2


def test_percent_of_zero_is_zero():
    assert percent_of(0, 5_000) == 0
    assert percent_of(12_345, 0) == 0


@pytest.mark.parametrize(("amount", "bps"), [(10.0, 100), (1_000, 2.5), (Decimal("10"), 100)])
def test_percent_of_refuses_non_integer_money_or_rates(amount, bps):
    with pytest.raises(TypeError):
        percent_of(amount, bps)


@pytest.mark.parametrize(("amount", "bps"), [(True, 100), (1_000, True)])
def test_percent_of_refuses_booleans(amount, bps):
    with pytest.raises(TypeError):
        percent_of(amount, bps)


@settings(database=None)
@given(amount=st.integers(-(10**12), 10**12), bps=st.integers(-10_000, 10_000))
def test_percent_of_matches_decimal_half_up_rounding(amount, bps):
    exact = Decimal(amount) * Decimal(bps) / Decimal(10_000)
    expected = int(exact.quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    assert percent_of(amount, bps) == expected


# --- split_fee -------------------------------------------------------------------------------


def test_split_fee_takes_two_percent_and_gives_the_rest():
    assert split_fee(10_000, 200) == (200, 9_800)


def test_split_fee_rounds_the_fee_half_up():
    assert split_fee(1_225, 200) == (25, 1_200)


def test_split_fee_of_zero_is_zero_and_zero():
    assert split_fee(0, 200) == (0, 0)


def test_split_fee_refuses_a_negative_amount():
    with pytest.raises(ValueError, match="positive"):
        split_fee(-100, 200)


@pytest.mark.parametrize("bps", [-1, 10_001])
def test_split_fee_refuses_a_rate_outside_zero_to_one_hundred_percent(bps):
    with pytest.raises(ValueError, match="rate"):
        split_fee(1_000, bps)


@settings(database=None)
@given(amount=st.integers(0, 10**12), bps=st.integers(0, 10_000))
def test_split_fee_parts_always_add_up_to_the_amount(amount, bps):
    fee, net = split_fee(amount, bps)
    assert fee + net == amount
    assert 0 <= fee <= amount
    assert 0 <= net <= amount


# --- parse_amount ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("12.50", "USD", 1_250),
        ("12.5", "USD", 1_250),
        ("12", "USD", 1_200),
        (" 0.01 ", "USD", 1),
        ("1,234.56", "USD", 123_456),
        ("0", "USD", 0),
        ("500", "JPY", 500),
        ("12.50", "usd", 1_250),
        (".5", "USD", 50),
        ("-5", "USD", -500),
        ("1,234,567.00", "USD", 123_456_700),
    ],
)
def test_parse_amount_reads_people_amounts_as_minor_units(text, currency, expected):
    assert parse_amount(text, currency) == expected


def test_parse_amount_refuses_fractions_of_a_cent():
    with pytest.raises(ValueError, match="more decimals"):
        parse_amount("12.505", "USD")


def test_parse_amount_refuses_a_sub_cent_digit_far_down_instead_of_rounding_it_away():
    with pytest.raises(ValueError, match="more decimals"):
        parse_amount("0.10000000000000000000000000001", "USD")


def test_parse_amount_keeps_every_digit_of_a_long_amount():
    assert parse_amount("92233720368547758.07", "USD") == 2**63 - 1


def test_parse_amount_refuses_an_amount_too_large_for_the_ledger():
    with pytest.raises(ValueError, match="too large"):
        parse_amount("92233720368547758.08", "USD")


def test_parse_amount_refuses_a_decimal_comma_rather_than_reading_it_as_thousands():
    with pytest.raises(ValueError, match="not an amount"):
        parse_amount("12,50", "USD")


def test_parse_amount_refuses_decimals_on_a_currency_without_them():
    with pytest.raises(ValueError, match="more decimals"):
        parse_amount("500.5", "JPY")


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "",
        "  ",
        "NaN",
        "nan",
        "sNaN",
        "Infinity",
        "-Infinity",
        "inf",
        "$12.50",
        "1.2.3",
        "1e2",
        "1E+999999999",
        "12 50",
        "-",
        ".",
    ],
)
def test_parse_amount_refuses_what_is_not_an_amount(text):
    with pytest.raises(ValueError, match="not an amount"):
        parse_amount(text, "USD")


# --- format_money / minor_units --------------------------------------------------------------


def test_format_money_shows_dollars_and_cents_with_the_symbol():
    assert format_money(1_234, "USD") == "$12.34"


def test_format_money_defaults_to_us_dollars():
    assert format_money(5) == "$0.05"


def test_format_money_groups_thousands():
    assert format_money(123_456_789, "USD") == "$1,234,567.89"


def test_format_money_shows_a_negative_amount_with_a_minus_sign():
    assert format_money(-1_234, "USD") == "-$12.34"


def test_format_money_yen_has_no_decimals():
    assert format_money(500, "JPY") == "¥500"


def test_format_money_accepts_a_lower_case_currency_code():
    assert format_money(1_234, "eur") == "€12.34"


def test_minor_units_per_currency():
    assert minor_units("USD") == 2
    assert minor_units("JPY") == 0


@pytest.mark.parametrize(
    ("bps", "text"),
    [(200, "2%"), (250, "2.5%"), (1_234, "12.34%"), (50, "0.5%"), (5, "0.05%"), (0, "0%")],
)
def test_format_rate_shows_basis_points_as_a_percentage_without_trailing_zeros(bps, text):
    assert format_rate(bps) == text
