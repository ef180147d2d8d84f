"""The 2% withdrawal fee: half-up to the cent, taken from the amount, from configuration."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from affiliate.payouts.services import fee_for


@given(amount=st.integers(min_value=1, max_value=100_000_000))
def test_fee_plus_net_is_the_amount_for_every_amount_up_to_a_million_dollars(app, amount):
    with app.app_context():
        fee, net = fee_for(amount)

    assert fee + net == amount
    assert fee >= 0
    assert net > 0
    # 2% half-up: exactly the nearest cent, a half cent going up.
    assert abs(fee * 10_000 - amount * 200) <= 5_000
    assert fee == (amount * 200 + 5_000) // 10_000


@pytest.mark.parametrize(
    ("amount", "fee", "net"),
    [
        (10_000, 200, 9_800),  # $100.00 → $2.00 fee, $98.00 received
        (1_000, 20, 980),
        (25, 1, 24),  # 0.5 cent rounds up
        (24, 0, 24),  # 0.48 cent rounds down
        (75, 2, 73),  # 1.5 cents rounds up
        (1, 0, 1),
        (100_000_000, 2_000_000, 98_000_000),
    ],
)
def test_worked_examples_of_the_fee(app_ctx, amount, fee, net):
    assert fee_for(amount) == (fee, net)


def test_the_fee_rate_comes_from_configuration(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "WITHDRAWAL_FEE_BPS", 350)

    assert fee_for(10_000) == (350, 9_650)
    assert fee_for(10_000, bps=0) == (0, 10_000)
