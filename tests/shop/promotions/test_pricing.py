"""Pricing a cart: the best product offer per line, the store voucher per order, and why a code
cannot apply."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.accounts.models import User
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Variant
from shop.promotions.models import FlashDealPurchase, VoucherRedemption
from shop.promotions.pricing.cart import price_cart
from shop.promotions.pricing.quotes import Refusal
from tests.shop.factories import make_flash_deal, make_order, make_product_discount, make_voucher
from tests.shop.promotions.helpers import Market, cart_lines, market

__all__ = ["market"]  # the fixture

DAY = timedelta(days=1)


def _variant(variant_id: int) -> Variant:
    return db.session.get(Variant, variant_id)


def _store(market: Market):
    return _variant(market.mug).product.store


def _price(market: Market, items, codes=None, buyer_id: int | None = -1):
    lines = cart_lines(market.buyer_id, items)
    buyer = market.buyer_id if buyer_id == -1 else buyer_id
    return price_cart(lines, buyer_id=buyer, codes=codes or {})


def _held_order(market: Market, buyer_id: int | None = None):
    buyer = db.session.get(User, buyer_id or market.buyer_id)
    return make_order(buyer, [(_variant(market.mug), 1)])


# ---------------------------------------------------------------------------- product offers


def test_no_promotion_prices_lines_at_list(market: Market) -> None:
    pricing = _price(market, [(market.mug, 2), (market.tee, 1)])

    assert [s.store.id for s in pricing.stores] == [market.store, market.other_store]
    assert pricing.store(market.store).total == 4000
    assert pricing.totals() == {"USD": (5500, 5500)}
    line = pricing.stores[0].lines[0]
    assert (line.offer, line.product_discount, line.amount) == (None, 0, 4000)


def test_a_percentage_discount_applies_to_every_unit(market: Market) -> None:
    discount = make_product_discount(_variant(market.mug).product, percent_bps=1500)

    line = _price(market, [(market.mug, 3)]).stores[0].lines[0]

    assert line.unit_price == 1700
    assert line.product_discount == 3 * 300
    assert line.product_discount_id == discount.id
    assert line.amount == 5100


def test_the_best_of_several_offers_applies_and_only_one(market: Market) -> None:
    product = _variant(market.lamp_s).product
    make_product_discount(product, percent_bps=1000)  # 2700
    better = make_product_discount(product, amount_off=500)  # 2500
    make_flash_deal(_variant(market.lamp_s), 2600)

    line = _price(market, [(market.lamp_s, 1)]).stores[0].lines[0]

    assert (line.offer.kind, line.offer.promotion_id) == ("discount", better.id)
    assert line.product_discount == 500
    assert line.flash_deal_id is None


def test_a_cheaper_flash_deal_beats_a_discount(market: Market) -> None:
    make_product_discount(_variant(market.lamp_s).product, percent_bps=1000)
    deal = make_flash_deal(_variant(market.lamp_s), 1999)

    line = _price(market, [(market.lamp_s, 1)]).stores[0].lines[0]

    assert line.flash_deal_id == deal.id
    assert line.product_discount == 1001


def test_a_variant_discount_applies_to_that_variant_only(market: Market) -> None:
    make_product_discount(_variant(market.lamp_m), percent_bps=2000)

    pricing = _price(market, [(market.lamp_s, 1), (market.lamp_m, 1)])

    by_variant = {line.view.variant.id: line for line in pricing.stores[0].lines}
    assert by_variant[market.lamp_s].product_discount == 0
    assert by_variant[market.lamp_m].product_discount == 600


def test_a_discount_never_takes_a_unit_below_one_cent(market: Market) -> None:
    make_product_discount(_variant(market.mug).product, amount_off=99_999)

    line = _price(market, [(market.mug, 2)]).stores[0].lines[0]

    assert line.unit_price == 1
    assert line.product_discount == 2 * 1999
    assert line.amount == 2


def test_scheduled_and_ended_promotions_do_not_apply(market: Market) -> None:
    now = utcnow()
    product = _variant(market.mug).product
    make_product_discount(product, percent_bps=5000, starts_at=now + DAY, ends_at=now + 2 * DAY)
    make_product_discount(product, percent_bps=5000, starts_at=now - 2 * DAY, ends_at=now - DAY)
    make_product_discount(product, percent_bps=5000, ended_at=now - timedelta(minutes=1))

    assert _price(market, [(market.mug, 1)]).stores[0].lines[0].offer is None


def test_a_flash_deal_applies_only_when_the_whole_quantity_fits(market: Market) -> None:
    make_flash_deal(_variant(market.mug), 1000, quantity=5, sold=3, per_buyer_limit=5)

    line = _price(market, [(market.mug, 3)]).stores[0].lines[0]

    assert line.offer is None
    assert line.note == "Flash deal price for up to 2: lower the quantity to get it."


def test_a_flash_deal_stops_at_the_buyers_limit(market: Market) -> None:
    deal = make_flash_deal(_variant(market.mug), 1000, per_buyer_limit=1)
    order = _held_order(market)
    db.session.add(
        FlashDealPurchase(deal_id=deal.id, buyer_id=market.buyer_id, order_id=order.id, quantity=1)
    )
    db.session.commit()

    mine = _price(market, [(market.mug, 1)]).stores[0].lines[0]
    theirs = price_cart([mine.view], buyer_id=market.other_buyer_id, codes={}).stores[0].lines[0]

    assert mine.offer is None
    assert "limit (1 per buyer)" in mine.note
    assert theirs.flash_deal_id == deal.id


def test_a_released_flash_purchase_does_not_count(market: Market) -> None:
    deal = make_flash_deal(_variant(market.mug), 1000, per_buyer_limit=1)
    order = _held_order(market)
    db.session.add(
        FlashDealPurchase(
            deal_id=deal.id,
            buyer_id=market.buyer_id,
            order_id=order.id,
            quantity=1,
            released_at=utcnow(),
        )
    )
    db.session.commit()

    assert _price(market, [(market.mug, 1)]).stores[0].lines[0].flash_deal_id == deal.id


# ---------------------------------------------------------------------------- vouchers


def test_a_voucher_code_is_trimmed_and_case_insensitive(market: Market) -> None:
    make_voucher(_store(market), code="SPRING10", percent_bps=1000)

    pricing = _price(market, [(market.mug, 1), (market.lamp_s, 1)], {market.store: "  spring10 "})

    store = pricing.store(market.store)
    assert store.refusal is None
    assert store.voucher.code == "SPRING10"
    assert store.voucher.amount == 500
    assert store.total == 4500
    assert pricing.totals() == {"USD": (5000, 4500)}


def test_the_voucher_is_spread_over_the_lines_and_sums_exactly(market: Market) -> None:
    make_voucher(_store(market), code="TAKE7", amount_off=700)

    pricing = _price(market, [(market.mug, 1), (market.lamp_s, 2)], {market.store: "take7"})

    lines = pricing.store(market.store).lines
    assert [line.voucher_discount for line in lines] == [175, 525]
    assert sum(line.voucher_discount for line in lines) == 700
    assert [line.amount for line in lines] == [1825, 5475]


def test_minimum_spend_is_measured_after_product_discounts(market: Market) -> None:
    make_product_discount(_variant(market.mug).product, percent_bps=5000)  # 2000 → 1000
    make_voucher(_store(market), code="MIN15", min_spend=1500)

    store = _price(market, [(market.mug, 1)], {market.store: "MIN15"}).store(market.store)

    assert store.voucher is None
    assert store.refusal.reason is Refusal.MIN_SPEND
    assert store.refusal.message == (
        "MIN15 needs a minimum spend of $15.00 on this store; your order comes to $10.00."
    )


@pytest.mark.parametrize(
    ("min_spend", "applies"),
    [(4000, True), (4001, False)],
    ids=["exactly-the-minimum", "one-cent-short"],
)
def test_an_order_of_exactly_the_minimum_spend_gets_the_voucher(
    market: Market, min_spend: int, applies: bool
) -> None:
    make_voucher(_store(market), code="MIN40", amount_off=500, min_spend=min_spend)

    store = _price(market, [(market.mug, 2)], {market.store: "MIN40"}).store(market.store)

    assert (store.voucher is not None) is applies
    assert (store.refusal is None) is applies


def test_product_vouchers_apply_to_their_products_only(market: Market) -> None:
    lamp = _variant(market.lamp_s).product
    make_voucher(_store(market), code="LAMPS", percent_bps=1000, products=[lamp])

    store = _price(market, [(market.mug, 1), (market.lamp_s, 1)], {market.store: "LAMPS"}).store(
        market.store
    )

    assert store.voucher.amount == 300
    by_variant = {line.view.variant.id: line.voucher_discount for line in store.lines}
    assert by_variant == {market.mug: 0, market.lamp_s: 300}


def test_a_percentage_voucher_stops_at_its_cap(market: Market) -> None:
    make_voucher(_store(market), code="HALF", percent_bps=5000, cap_amount=800)

    store = _price(market, [(market.lamp_s, 2)], {market.store: "HALF"}).store(market.store)

    assert store.voucher.amount == 800


def test_a_voucher_never_makes_an_order_free(market: Market) -> None:
    make_voucher(_store(market), code="BIGONE", amount_off=100_000)

    store = _price(market, [(market.mug, 1)], {market.store: "BIGONE"}).store(market.store)

    assert store.voucher.amount == 1999
    assert store.total == 1


def _refusal(market: Market, code: str, items=None, buyer_id: int | None = -1):
    pricing = _price(market, items or [(market.mug, 1)], {market.store: code}, buyer_id)
    store = pricing.store(market.store)
    assert store.voucher is None
    assert store.discount == 0
    return store.refusal


def test_an_unknown_code_says_so(market: Market) -> None:
    refusal = _refusal(market, "nope")
    assert refusal.reason is Refusal.UNKNOWN
    assert refusal.message == "There is no voucher with the code NOPE."


def test_another_stores_code_says_whose_it_is(market: Market) -> None:
    make_voucher(_variant(market.tee).product.store, code="BOTEES")
    refusal = _refusal(market, "BOTEES")
    assert refusal.reason is Refusal.OTHER_STORE
    assert refusal.message == (
        "BOTEES is a code of Bo's Tees: it cannot be used on your order from Ada's Mugs."
    )


def test_a_code_not_started_says_when_it_starts(market: Market) -> None:
    starts = utcnow() + DAY
    make_voucher(_store(market), code="SOON", starts_at=starts, ends_at=starts + DAY)
    refusal = _refusal(market, "SOON")
    assert refusal.reason is Refusal.NOT_STARTED
    assert f"it starts on {starts:%d %b %Y}" in refusal.message


def test_an_expired_code_and_one_ended_early_say_so(market: Market) -> None:
    now = utcnow()
    make_voucher(_store(market), code="OLD", starts_at=now - 3 * DAY, ends_at=now - DAY)
    make_voucher(_store(market), code="STOPPED", ended_at=now - timedelta(minutes=5))

    expired = _refusal(market, "OLD")
    stopped = _refusal(market, "STOPPED")

    assert expired.reason is Refusal.ENDED
    assert "has expired" in expired.message
    assert stopped.reason is Refusal.ENDED
    assert "the seller ended it" in stopped.message


def test_a_used_up_code_says_so(market: Market) -> None:
    make_voucher(_store(market), code="GONE", total_uses=3, used_count=3)
    refusal = _refusal(market, "GONE")
    assert refusal.reason is Refusal.USED_UP
    assert refusal.message == "GONE has been used up."


def test_a_code_already_used_by_this_buyer_says_so_and_a_release_frees_it(market: Market) -> None:
    voucher = make_voucher(_store(market), code="ONCE")
    order = _held_order(market)
    redemption = VoucherRedemption(
        voucher_id=voucher.id, buyer_id=market.buyer_id, order_id=order.id, amount=500
    )
    db.session.add(redemption)
    db.session.commit()

    refusal = _refusal(market, "ONCE")
    assert refusal.reason is Refusal.USED_BY_YOU
    assert refusal.message == "You have already used ONCE (it can be used once per buyer)."
    other = price_cart(
        cart_lines(market.other_buyer_id, [(market.mug, 1)]),
        buyer_id=market.other_buyer_id,
        codes={market.store: "once"},
    )
    assert other.store(market.store).voucher is not None

    redemption.released_at = utcnow()
    db.session.commit()
    assert _price(market, [], {market.store: "ONCE"}).store(market.store).voucher is not None


def test_a_code_for_other_products_says_so(market: Market) -> None:
    lamp = _variant(market.lamp_s).product
    make_voucher(_store(market), code="LAMPONLY", products=[lamp])
    refusal = _refusal(market, "LAMPONLY")
    assert refusal.reason is Refusal.NOT_FOR_THESE
    assert refusal.message == "LAMPONLY is not for the items in your order."


# ---------------------------------------------------------------------------- suggestions


def test_the_best_usable_public_voucher_is_suggested(market: Market) -> None:
    store = _store(market)
    make_voucher(store, code="PUB5", amount_off=500, public=True)
    best = make_voucher(store, code="PUB10", percent_bps=2000, public=True)  # 1000 on 5000
    make_voucher(store, code="PRIVATE", amount_off=2000)  # private: never suggested
    make_voucher(store, code="TOOBIG", amount_off=3000, public=True, min_spend=100_000)
    make_voucher(store, code="USEDUP", amount_off=3000, public=True, total_uses=1, used_count=1)

    pricing = _price(market, [(market.mug, 1), (market.lamp_s, 1)])

    suggestion = pricing.store(market.store).suggestion
    assert suggestion.voucher.id == best.id
    assert suggestion.amount == 1000
    assert pricing.store(market.store).total == 5000  # suggested, not applied


def test_no_suggestion_when_the_applied_voucher_saves_more(market: Market) -> None:
    store = _store(market)
    make_voucher(store, code="PUB5", amount_off=500, public=True)
    make_voucher(store, code="MINE", amount_off=900)

    pricing = _price(market, [(market.mug, 1)], {market.store: "MINE"})

    assert pricing.store(market.store).voucher.code == "MINE"
    assert pricing.store(market.store).suggestion is None


@pytest.mark.parametrize("promotions", [2, 20])
def test_pricing_runs_the_same_statements_whatever_the_promotions(
    market: Market, count_queries, promotions: int
) -> None:
    store = _store(market)
    for index in range(promotions):
        make_product_discount(_variant(market.mug).product, percent_bps=100 + index)
        make_flash_deal(_variant(market.lamp_s), 2000 + index)
        make_voucher(store, amount_off=100 + index, public=True)
        make_voucher(store, amount_off=100, public=True, products=[_variant(market.mug).product])
    make_voucher(store, code="ENTERED")
    lines = cart_lines(market.buyer_id, [(market.mug, 1), (market.lamp_s, 1), (market.tee, 1)])
    count_queries.statements.clear()

    pricing = price_cart(lines, buyer_id=market.buyer_id, codes={market.store: "entered"})

    # Running discounts, flash deals, vouchers (entered and public), products of vouchers.
    assert count_queries.count == 4, count_queries.statements
    assert pricing.store(market.store).voucher.code == "ENTERED"
