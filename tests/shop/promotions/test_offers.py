"""What the catalogue shows of product offers: the best offer per option and per card, the
one-cent floor, only running promotions, and a constant number of statements."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from shop.promotions.models import (
    FlashDealPurchase,
)
from shop.promotions.offers import product_offers, variant_offers
from tests.factories import make_user
from tests.shop.factories import (
    DAY,
    add_discount,
    add_flash_deal,
    make_order,
    make_product,
    make_store,
)

HOUR = timedelta(hours=1)
# The moment every test here builds its promotions around and hands to ``offers`` as its
# clock: 25 November of the current year at noon, so that the day labels read "ends 30 Nov"
# whatever the date (day labels add the year only for another year than ``now``'s).
NOW = utcnow().replace(month=11, day=25, hour=12, minute=0, second=0, microsecond=0)


# ---------------------------------------------------------------------------- offers


def test_the_best_discount_for_the_buyer_applies_per_option(app_ctx):
    product = make_product(variants=2, price=10_000)
    small, large = product.variants
    add_discount(product, percent_bps=1000, now=NOW)  # $90.00
    best_for_large = add_discount(product, amount_off=2_500, variant=large, now=NOW)  # $75.00
    best_for_all = add_discount(product, percent_bps=1500, now=NOW)  # $85.00

    offers = variant_offers(product.variants, now=NOW)

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

    offers = variant_offers(product.variants, now=NOW)

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

    offer = product_offers([product], now=NOW)[product.id]

    assert (offer.price, offer.list_price, offer.variant_id) == (2_000, 3_000, dear.id)
    assert (offer.saving, offer.percent, offer.price_varies) == (1_000, 33, True)


def test_a_card_strikes_nothing_when_the_cheapest_option_has_no_offer(app_ctx):
    product = make_product(variants=2, price=2_000)
    dear = product.variants[1]
    dear.price = 5_000
    db.session.commit()
    add_flash_deal(dear, 4_000, now=NOW)

    offer = product_offers([product.id], now=NOW)[product.id]

    assert offer.price == offer.list_price == 2_000
    assert not offer.has_saving
    assert offer.offer is None
    assert offer.flash_deal is not None
    assert offer.flash_deal.variant_id == dear.id


@pytest.mark.parametrize(("percent_bps", "amount_off"), [(10_000, None), (None, 5_000)])
def test_a_discounted_price_never_goes_below_one_cent(app_ctx, percent_bps, amount_off):
    product = make_product(price=999)
    add_discount(product, percent_bps=percent_bps, amount_off=amount_off, now=NOW)

    offer = product_offers([product], now=NOW)[product.id]

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

    assert product_offers([product], now=NOW) == {}
    assert variant_offers(product.variants, now=NOW) == {}


def test_a_flash_deal_with_nothing_left_is_not_an_offer(app_ctx):
    product = make_product(price=5_000)
    add_flash_deal(product.variants[0], 1_000, quantity=3, sold=3, now=NOW)

    assert product_offers([product], now=NOW) == {}
    assert variant_offers([product.variants[0].id], now=NOW) == {}


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

    assert variant_offers([variant], now=NOW, buyer_id=buyer.id) == {}
    assert variant_offers([variant], now=NOW, buyer_id=other.id)[variant.id].price == 1_000


def test_inactive_options_and_offers_that_save_nothing_are_ignored(app_ctx):
    product = make_product(variants=2, price=5_000)
    first, second = product.variants
    second.active = False
    db.session.commit()
    add_discount(product, amount_off=2_000, variant=second, now=NOW)
    add_flash_deal(first, 5_000, now=NOW)  # a "deal" at the list price saves nothing

    assert product_offers([product], now=NOW) == {}


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
        assert len(product_offers(ids, now=NOW)) == len(ids)
        counts.append(count_queries.count)
    assert counts == [3, 3]
