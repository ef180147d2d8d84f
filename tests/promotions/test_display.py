"""What the catalogue shows of promotions: the best offer per option and per card, the one-cent
floor, only running promotions, public vouchers and their terms, collecting, the wallet."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from shop.promotions import display
from shop.promotions.models import (
    FlashDealPurchase,
    Voucher,
    VoucherCollection,
    VoucherRedemption,
)
from tests.factories import make_user
from tests.promotions.buyer_helpers import DAY, add_discount, add_flash_deal, add_voucher
from tests.shop.factories import make_order, make_product, make_store

HOUR = timedelta(hours=1)
# The moment every test here builds its promotions around and hands to ``display`` as its
# clock: 25 November of the current year at noon, so that the day labels read "ends 30 Nov"
# whatever the date (``display`` adds the year only for another year than ``now``'s).
NOW = utcnow().replace(month=11, day=25, hour=12, minute=0, second=0, microsecond=0)


# ---------------------------------------------------------------------------- offers


def test_the_best_discount_for_the_buyer_applies_per_option(app_ctx):
    product = make_product(variants=2, price=10_000)
    small, large = product.variants
    add_discount(product, percent_bps=1000, now=NOW)  # $90.00
    best_for_large = add_discount(product, amount_off=2_500, variant=large, now=NOW)  # $75.00
    best_for_all = add_discount(product, percent_bps=1500, now=NOW)  # $85.00

    offers = display.variant_offers(product.variants, now=NOW)

    assert offers[small.id].price == 8_500
    assert offers[small.id].offer.promotion_id == best_for_all.id
    assert offers[large.id].price == 7_500
    assert offers[large.id].offer.promotion_id == best_for_large.id
    assert (offers[large.id].saving, offers[large.id].percent) == (2_500, 25)


def test_a_flash_deal_beats_a_discount_only_when_it_is_cheaper(app_ctx):
    product = make_product(variants=2, price=10_000)
    first, second = product.variants
    add_discount(product, percent_bps=2000, now=NOW)  # $80.00 on both
    deal = add_flash_deal(first, 6_000, now=NOW)
    add_flash_deal(second, 9_000, now=NOW)

    offers = display.variant_offers(product.variants, now=NOW)

    assert offers[first.id].offer.kind == "flash_deal"
    assert offers[first.id].flash_deal.id == deal.id
    assert offers[first.id].flash_deal.left == 10
    assert offers[second.id].offer.kind == "discount"
    assert offers[second.id].price == 8_000
    assert offers[second.id].flash_deal is None


def test_the_card_shows_the_lowest_price_after_offers_against_that_options_list_price(app_ctx):
    product = make_product(variants=2, price=3_000)
    cheap, dear = product.variants
    cheap.price = 2_500
    product.price = 2_500
    db.session.commit()
    # $20.00, below the $25.00 option
    add_discount(product, amount_off=1_000, variant=dear, now=NOW)

    offer = display.product_offers([product], now=NOW)[product.id]

    assert (offer.price, offer.list_price, offer.variant_id) == (2_000, 3_000, dear.id)
    assert (offer.saving, offer.percent, offer.price_varies) == (1_000, 33, True)


def test_a_card_strikes_nothing_when_the_cheapest_option_has_no_offer(app_ctx):
    product = make_product(variants=2, price=2_000)
    dear = product.variants[1]
    dear.price = 5_000
    db.session.commit()
    add_flash_deal(dear, 4_000, now=NOW)

    offer = display.product_offers([product.id], now=NOW)[product.id]

    assert offer.price == offer.list_price == 2_000
    assert not offer.has_saving
    assert offer.offer is None
    assert offer.flash_deal is not None
    assert offer.flash_deal.variant_id == dear.id


@pytest.mark.parametrize(("percent_bps", "amount_off"), [(10_000, None), (None, 5_000)])
def test_a_discounted_price_never_goes_below_one_cent(app_ctx, percent_bps, amount_off):
    product = make_product(price=999)
    add_discount(product, percent_bps=percent_bps, amount_off=amount_off, now=NOW)

    offer = display.product_offers([product], now=NOW)[product.id]

    assert offer.price == 1
    assert offer.saving == 998
    assert offer.percent == 99  # a price is left to pay, so never "-100%"


@pytest.mark.parametrize(
    ("starts", "ends", "ended"),
    [
        (DAY, 2 * DAY, None),  # scheduled
        (-2 * DAY, -DAY, None),  # ended
        (-2 * DAY, DAY, -HOUR),  # ended early by the seller
        (-DAY, timedelta(0), None),  # ends exactly now: [starts, ends)
    ],
    ids=["scheduled", "ended", "ended-early", "ends-now"],
)
def test_only_running_promotions_are_offered(app_ctx, starts, ends, ended):
    product = make_product(price=5_000)
    add_discount(product, percent_bps=5000, starts=starts, ends=ends, ended=ended, now=NOW)
    add_flash_deal(product.variants[0], 1_000, starts=starts, ends=ends, ended=ended, now=NOW)

    assert display.product_offers([product], now=NOW) == {}
    assert display.variant_offers(product.variants, now=NOW) == {}


def test_a_flash_deal_with_nothing_left_is_not_an_offer(app_ctx):
    product = make_product(price=5_000)
    add_flash_deal(product.variants[0], 1_000, quantity=3, sold=3, now=NOW)

    assert display.product_offers([product], now=NOW) == {}
    assert display.variant_offers([product.variants[0].id], now=NOW) == {}


def test_a_flash_deal_the_buyer_has_bought_to_the_limit_is_not_offered_to_them(app_ctx):
    product = make_product(price=5_000)
    variant = product.variants[0]
    deal = add_flash_deal(variant, 1_000, per_buyer_limit=1, now=NOW)
    buyer, other = make_user(Role.BUYER), make_user(Role.BUYER)
    order = make_order(buyer, [(variant, 1)])
    db.session.add(
        FlashDealPurchase(deal_id=deal.id, buyer_id=buyer.id, order_id=order.id, quantity=1)
    )
    db.session.commit()

    assert display.variant_offers([variant], now=NOW, buyer_id=buyer.id) == {}
    assert display.variant_offers([variant], now=NOW, buyer_id=other.id)[variant.id].price == 1_000


def test_inactive_options_and_offers_that_save_nothing_are_ignored(app_ctx):
    product = make_product(variants=2, price=5_000)
    first, second = product.variants
    second.active = False
    db.session.commit()
    add_discount(product, amount_off=2_000, variant=second, now=NOW)
    add_flash_deal(first, 5_000, now=NOW)  # a "deal" at the list price saves nothing

    assert display.product_offers([product], now=NOW) == {}


def test_product_offers_run_three_statements_whatever_the_number(app_ctx, count_queries):
    store = make_store()
    few = [make_product(store, variants=2) for _ in range(2)]
    many = [make_product(store, variants=3) for _ in range(20)]
    for product in few + many:
        add_discount(product, percent_bps=1000, now=NOW)
        add_flash_deal(product.variants[0], 500, now=NOW)
    few_ids, many_ids = [p.id for p in few], [p.id for p in many]
    db.session.commit()

    counts = []
    for ids in (few_ids, many_ids):
        count_queries.statements.clear()
        assert len(display.product_offers(ids, now=NOW)) == len(ids)
        counts.append(count_queries.count)
    assert counts == [3, 3]


# ---------------------------------------------------------------------------- vouchers


def test_public_vouchers_are_the_running_public_ones_of_the_store(app_ctx):
    store = make_store()
    product, other_product = make_product(store), make_product(store)
    store_wide = add_voucher(store, percent_bps=1000, cap_amount=2_000, min_spend=5_000, now=NOW)
    for_product = add_voucher(store, amount_off=500, products=[product], ends=2 * DAY, now=NOW)
    for_other = add_voucher(store, amount_off=300, products=[other_product], ends=3 * DAY, now=NOW)
    add_voucher(store, public=False, now=NOW)  # a private code
    add_voucher(store, creator_id=make_user(Role.CREATOR).id, now=NOW)  # a creator's code
    add_voucher(store, starts=DAY, now=NOW)  # scheduled
    add_voucher(store, ended=-HOUR, now=NOW)  # ended early
    add_voucher(store, total_uses=5, used_count=5, now=NOW)  # all used
    add_voucher(make_store(), now=NOW)  # another store's

    on_store = display.public_vouchers(store.id, now=NOW)
    on_product = display.public_vouchers(store.id, product_id=product.id, now=NOW)

    assert [v.id for v in on_store] == [for_product.id, for_other.id, store_wide.id]
    assert [v.id for v in on_product] == [for_product.id, store_wide.id]
    terms = {v.id: (v.terms, v.ends) for v in on_store}
    assert terms[store_wide.id] == ("10% off, up to $20, orders of $50 or more", "ends 30 Nov")
    assert terms[for_product.id] == ("$5 off, selected products", "ends 27 Nov")


def test_voucher_terms_read_as_a_buyer_would(app_ctx):
    store = make_store()
    cases = {
        add_voucher(store, percent_bps=1250, now=NOW).id: "12.5% off",
        add_voucher(
            store, amount_off=1_999, min_spend=10_050, now=NOW
        ).id: "$19.99 off, orders of $100.50 or more",
        add_voucher(store, percent_bps=500, cap_amount=750, now=NOW).id: "5% off, up to $7.50",
    }
    assert {v.id: v.terms for v in display.public_vouchers(store.id, now=NOW)} == cases


def test_voucher_terms_count_an_order_of_exactly_the_minimum_spend(app_ctx):
    voucher = add_voucher(make_store(), amount_off=500, min_spend=3_000, now=NOW)

    terms = display.voucher_terms(voucher, "USD")

    assert terms == "$5 off, orders of $30 or more"  # the rule: spend >= minimum
    assert "over" not in terms


def test_collecting_is_idempotent_and_shows_as_collected(app_ctx):
    store = make_store()
    voucher = add_voucher(store, now=NOW)
    buyer = make_user(Role.BUYER)

    first = display.collect(buyer.id, voucher.id, now=NOW)
    second = display.collect(buyer.id, voucher.id, now=NOW)
    db.session.commit()

    assert first.id == second.id
    count = select(func.count()).select_from(VoucherCollection)
    assert db.session.scalar(count) == 1
    [shown] = display.public_vouchers(store.id, buyer_id=buyer.id, now=NOW)
    assert shown.collected
    assert not display.public_vouchers(store.id, buyer_id=make_user().id, now=NOW)[0].collected


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"public": False}, display.VoucherNotFound),
        ({"creator_id": "creator"}, display.VoucherNotFound),
        ({"starts": DAY}, display.CollectError),
        ({"ends": -HOUR, "starts": -DAY}, display.CollectError),
        ({"ended": -HOUR}, display.CollectError),
        ({"total_uses": 2, "used_count": 2}, display.CollectError),
    ],
    ids=["private", "creator-code", "scheduled", "ended", "ended-early", "used-up"],
)
def test_only_running_public_vouchers_can_be_collected(app_ctx, options, error):
    if options.get("creator_id") == "creator":
        options = {"creator_id": make_user(Role.CREATOR).id}
    voucher = add_voucher(make_store(), **options, now=NOW)
    buyer = make_user()

    with pytest.raises(error):
        display.collect(buyer.id, voucher.id, now=NOW)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(VoucherCollection)) == 0


def test_collecting_an_unknown_voucher_is_not_found(app_ctx):
    with pytest.raises(display.VoucherNotFound):
        display.collect(make_user().id, 987_654, now=NOW)


def test_the_wallet_says_which_vouchers_are_usable_used_or_expired(app_ctx):
    store = make_store(name="Glow Lab")
    buyer = make_user(Role.BUYER)
    usable = add_voucher(store, percent_bps=1000, ends=2 * DAY, now=NOW)
    twice = add_voucher(store, per_buyer_limit=2, ends=DAY, now=NOW)
    used = add_voucher(store, now=NOW)
    expired = add_voucher(store, ended=-HOUR, now=NOW)
    gone = add_voucher(store, total_uses=1, now=NOW)
    for voucher in (usable, twice, used, expired, gone):
        display.collect(buyer.id, voucher.id, now=NOW - 2 * HOUR)
    product = make_product(store)
    for voucher in (used, twice):
        order = make_order(buyer, [(product.variants[0], 1)])
        db.session.add(
            VoucherRedemption(
                voucher_id=voucher.id, buyer_id=buyer.id, order_id=order.id, amount=100
            )
        )
    released = make_order(buyer, [(product.variants[0], 1)])
    db.session.add(  # a released use (an order never paid) gives the use back
        VoucherRedemption(
            voucher_id=usable.id,
            buyer_id=buyer.id,
            order_id=released.id,
            amount=100,
            released_at=NOW,
        )
    )
    db.session.get(Voucher, gone.id).used_count = 1  # someone else took the last use
    db.session.commit()

    items = display.wallet(buyer.id, now=NOW)

    states = {item.id: item.state for item in items}
    assert states == {
        usable.id: display.WalletState.USABLE,
        twice.id: display.WalletState.USABLE,
        used.id: display.WalletState.USED,
        expired.id: display.WalletState.EXPIRED,
        gone.id: display.WalletState.UNAVAILABLE,
    }
    assert [item.id for item in items[:2]] == [twice.id, usable.id]  # usable, soonest ending first
    by_id = {item.id: item for item in items}
    assert by_id[twice.id].uses_left == 1
    assert by_id[expired.id].ends == "ended 25 Nov"
    assert by_id[usable.id].store_name == "Glow Lab"
    assert by_id[used.id].label == "Used"


def test_the_wallet_is_the_buyers_own(app_ctx):
    voucher = add_voucher(make_store(), now=NOW)
    display.collect(make_user().id, voucher.id, now=NOW)
    db.session.commit()

    assert display.wallet(make_user().id, now=NOW) == []
