"""The shared arithmetic of promotions: a voucher spread over lines sums exactly, in whole cents."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.promotions.pricing.rules import (
    MIN_UNIT_PRICE,
    Offer,
    allocate,
    best_offer,
    discounted_price,
    voucher_amount,
)


@st.composite
def allocations(draw: st.DrawFn) -> tuple[int, list[int]]:
    amounts = draw(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30))
    total = draw(st.integers(min_value=0, max_value=sum(amounts)))
    return total, amounts


@given(allocations())
def test_allocation_sums_exactly_never_exceeds_a_line_and_is_proportional(case) -> None:
    total, amounts = case
    shares = allocate(total, amounts)

    assert len(shares) == len(amounts)
    assert sum(shares) == total
    whole = sum(amounts)
    for share, amount in zip(shares, amounts, strict=True):
        assert 0 <= share <= amount
        if whole:
            exact = Fraction(total * amount, whole)
            assert abs(share - exact) < 1  # within one cent of its exact share


@given(st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=10))
def test_allocating_everything_makes_every_line_free(amounts: list[int]) -> None:
    assert allocate(sum(amounts), amounts) == amounts


def test_allocation_worked_example() -> None:
    # $10.00 over $30.00, $30.00 and $40.00 lines: 3.00, 3.00 and 4.00.
    assert allocate(1000, [3000, 3000, 4000]) == [300, 300, 400]
    # One cent over three equal lines goes to the first (ties: the earlier line).
    assert allocate(1, [100, 100, 100]) == [1, 0, 0]
    # $1.00 over three equal lines: 34, 33, 33.
    assert allocate(100, [500, 500, 500]) == [34, 33, 33]


def test_allocation_refuses_more_than_the_lines_or_negative_amounts() -> None:
    with pytest.raises(ValueError, match="more than the lines"):
        allocate(101, [50, 50])
    with pytest.raises(ValueError, match="not negative"):
        allocate(10, [-5, 50])


@given(
    st.integers(min_value=1, max_value=10**7),
    st.integers(min_value=1, max_value=10_000),
)
def test_a_discounted_price_is_never_below_one_cent(list_price: int, bps: int) -> None:
    assert MIN_UNIT_PRICE <= discounted_price(list_price, percent_bps=bps) <= list_price
    assert discounted_price(list_price, amount_off=list_price * 2) == MIN_UNIT_PRICE


def test_the_best_offer_is_the_lowest_price_and_none_when_nothing_saves() -> None:
    offers = [Offer("discount", 2, 900), Offer("flash_deal", 1, 800), Offer("discount", 1, 800)]
    assert best_offer(1000, offers) == Offer("discount", 1, 800)
    assert best_offer(1000, [Offer("flash_deal", 3, 1000)]) is None


def test_a_percentage_voucher_is_capped_and_never_more_than_the_lines() -> None:
    assert voucher_amount(10_000, percent_bps=1000) == 1000
    assert voucher_amount(10_000, percent_bps=1000, cap_amount=500) == 500
    assert voucher_amount(300, amount_off=500) == 300
    assert voucher_amount(0, amount_off=500) == 0
