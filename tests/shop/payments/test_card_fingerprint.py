"""Payments keep the paying card's fingerprint, where the provider gives one (the fraud rules
compare it with the creator's own cards)."""

from __future__ import annotations

from shop.payments.base import CardDetails
from shop.payments.stripe_provider import card_fingerprint_of
from shop.payments.testcard import fingerprint


def test_the_test_card_fingerprint_is_the_same_for_the_same_card():
    one = fingerprint(CardDetails("4242 4242 4242 4242", "12/39", "123"))
    again = fingerprint(CardDetails("4242424242424242", "12 / 39", "999"))
    assert one == again
    assert one.startswith("testfp_")


def test_another_expiry_is_another_test_card():
    one = fingerprint(CardDetails("4242 4242 4242 4242", "12/39", "123"))
    assert one != fingerprint(CardDetails("4242 4242 4242 4242", "11/38", "123"))


def test_stripe_gives_it_on_an_expanded_payment_method():
    intent = {"payment_method": {"id": "pm_1", "card": {"fingerprint": "Xt5EWLLDS7FJjR1c"}}}
    assert card_fingerprint_of(intent) == "Xt5EWLLDS7FJjR1c"


def test_stripe_gives_it_on_an_expanded_latest_charge_or_the_old_charges_list():
    charge = {"payment_method_details": {"card": {"fingerprint": "fpCharge"}}}
    assert card_fingerprint_of({"payment_method": "pm_1", "latest_charge": charge}) == "fpCharge"
    assert card_fingerprint_of({"charges": {"data": [charge]}}) == "fpCharge"


def test_an_unexpanded_intent_has_none():
    assert card_fingerprint_of({"payment_method": "pm_1", "latest_charge": "ch_1"}) is None
    assert card_fingerprint_of("nonsense") is None
