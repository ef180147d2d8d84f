"""Creating and ending promotions: each rule, each bad input refused with nothing written, and a
store touching only its own promotions, products and variants."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from shop.orders.models import OrderLine
from shop.promotions import parsing, services
from shop.promotions.exceptions import (
    AlreadyEnded,
    CodeTaken,
    FlashDealOverlap,
    InvalidCode,
    InvalidDealPrice,
    InvalidLimit,
    InvalidName,
    InvalidValue,
    InvalidWindow,
    ProductNotInStore,
    PromotionNotFound,
)
from shop.promotions.models import (
    FlashDeal,
    ProductDiscount,
    ProductDiscountTarget,
    PromotionState,
    Voucher,
    VoucherProduct,
)
from tests.clock import now_to_the_minute
from tests.factories import make_user
from tests.shop.factories import Line, make_product, make_store, write_order

NOW = now_to_the_minute()  # the services' clock, handed to every call
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@pytest.fixture
def store(app_ctx):
    return make_store()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def nothing_written() -> bool:
    db.session.rollback()
    return all(
        count(model) == 0
        for model in (ProductDiscount, ProductDiscountTarget, Voucher, VoucherProduct, FlashDeal)
    )


def discount(store, **overrides):
    args = {
        "name": "Spring sale",
        "kind": "percent",
        "value": "15",
        "starts_at": NOW - HOUR,
        "ends_at": NOW + 7 * DAY,
        "now": NOW,
    }
    args.update(overrides)
    if "product_ids" not in args and "variant_ids" not in args:
        args["product_ids"] = [make_product(store, price=2000).id]
    return services.create_product_discount(store, **args)


def voucher(store, **overrides):
    args = {
        "code": "GLOW10",
        "name": "Ten off",
        "kind": "percent",
        "value": "10",
        "min_spend": "50",
        "starts_at": NOW - HOUR,
        "ends_at": NOW + 30 * DAY,
        "now": NOW,
    }
    args.update(overrides)
    return services.create_voucher(store, **args)


def flash_deal(store, variant=None, **overrides):
    variant = variant or make_product(store, price=2800).variants[0]
    args = {
        "variant_id": variant.id,
        "deal_price": "19.99",
        "quantity": 20,
        "per_buyer_limit": 2,
        "starts_at": NOW - HOUR,
        "ends_at": NOW + 5 * HOUR,
        "now": NOW,
    }
    args.update(overrides)
    return services.create_flash_deal(store, **args)


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bps"),
    [("15", 1500), ("12.5", 1250), ("12.75%", 1275), (" 0.01 ", 1), ("100", 10_000), ("7,5", 750)],
)
def test_percentages_become_basis_points(text, bps):
    assert parsing.parse_percent(text) == bps


@pytest.mark.parametrize(
    ("bps", "text"), [(1500, "15%"), (1250, "12.5%"), (1275, "12.75%"), (1, "0.01%")]
)
def test_basis_points_read_as_percentages(bps, text):
    assert parsing.format_percent(bps) == text


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("0", "more than zero"),
        ("-5", "more than zero"),
        ("100.01", "at most 100%"),
        ("250", "at most 100%"),
        ("1000", "at most 100%"),
        ("12.345", "two decimals"),
        ("ten", "as a number"),
        ("", "as a number"),
    ],
)
def test_bad_percentages_are_refused_with_a_reason(text, says):
    with pytest.raises(InvalidValue, match=says):
        parsing.parse_percent(text)


@pytest.mark.parametrize(
    ("code", "stored"), [("glow10", "GLOW10"), ("  Summer_Sale-2 ", "SUMMER_SALE-2")]
)
def test_codes_are_trimmed_and_upper_cased(code, stored):
    assert parsing.normalise_code(code) == stored


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("GLOW 10", "no spaces"),
        ("GLOW\t10", "no spaces"),
        ("AB", "3 to 32"),
        ("A" * 33, "3 to 32"),
        ("GLOW!10", "letters A–Z"),
        ("GLÖW10", "letters A–Z"),
        ("   ", "Enter a code"),
    ],
)
def test_bad_codes_are_refused(code, says):
    with pytest.raises(InvalidCode, match=says):
        parsing.normalise_code(code)


# --- product discounts -----------------------------------------------------------------------


def test_a_discount_covers_whole_products_and_single_variants(store):
    whole = make_product(store, variants=3)
    other = make_product(store, variants=3)
    variant = other.variants[1]

    created = discount(
        store,
        product_ids=[whole.id],
        # A variant of a product chosen whole is covered already: not stored twice.
        variant_ids=[variant.id, whole.variants[0].id],
    )

    assert created.percent_bps == 1500
    assert created.amount_off is None
    assert [(t.product_id, t.variant_id) for t in created.targets] == [
        (whole.id, None),
        (other.id, variant.id),
    ]
    assert created.state_at(NOW) == PromotionState.RUNNING


def test_a_fixed_discount_is_stored_in_cents(store):
    created = discount(store, kind="fixed", value="4.99")

    assert (created.amount_off, created.percent_bps) == (499, None)


def test_a_future_start_is_scheduled(store):
    created = discount(store, starts_at=NOW + DAY, ends_at=NOW + 2 * DAY)

    assert created.state_at(NOW) == PromotionState.SCHEDULED


def test_a_naive_datetime_is_read_as_utc(store):
    tomorrow = NOW + DAY
    naive = tomorrow.replace(tzinfo=None)  # what a datetime-local input gives
    created = discount(store, starts_at=naive, ends_at=NOW + 3 * DAY)

    assert created.starts_at == tomorrow  # aware: a naive value would not compare equal


@pytest.mark.parametrize(
    ("kind", "value", "says"),
    [
        ("percent", "0", "more than zero"),
        ("percent", "-10", "more than zero"),
        ("percent", "100.5", "at most 100%"),
        ("percent", "12.345", "two decimals"),
        ("fixed", "0", "more than zero"),
        ("fixed", "-1.00", "more than zero"),
        ("fixed", "1.234", "at most 2 decimals"),
        ("fixed", "", "Enter an amount"),
        ("fixed", "20.00", "not less than the price"),
        ("free", "10", "percentage or an amount"),
    ],
)
def test_bad_discount_values_write_nothing(store, kind, value, says):
    product = make_product(store, price=2000)

    with pytest.raises(InvalidValue, match=says):
        discount(store, kind=kind, value=value, product_ids=[product.id])

    assert nothing_written()


@pytest.mark.parametrize(
    ("starts", "ends", "says"),
    [
        (DAY, HOUR, "after the start"),
        (HOUR, HOUR, "after the start"),
        (-2 * DAY, -DAY, "in the past"),
    ],
)
def test_a_window_must_end_after_it_starts_and_in_the_future(store, starts, ends, says):
    with pytest.raises(InvalidWindow, match=says):
        discount(store, starts_at=NOW + starts, ends_at=NOW + ends)

    assert nothing_written()


def test_a_window_needs_both_ends(store):
    with pytest.raises(InvalidWindow, match="starts"):
        discount(store, starts_at=None)
    with pytest.raises(InvalidWindow, match="ends"):
        discount(store, ends_at=None)


def test_a_discount_needs_a_name(store):
    with pytest.raises(InvalidName):
        discount(store, name="   ")
    assert nothing_written()


def test_a_discount_on_another_stores_product_is_refused(store):
    theirs = make_product(make_store())
    mine = make_product(store)

    with pytest.raises(ProductNotInStore, match=f"#{theirs.id}"):
        discount(store, product_ids=[mine.id, theirs.id])

    assert nothing_written()


def test_a_discount_on_another_stores_variant_is_refused(store):
    theirs = make_product(make_store()).variants[0]

    with pytest.raises(ProductNotInStore, match=f"#{theirs.id}"):
        discount(store, variant_ids=[theirs.id])

    assert nothing_written()


def test_a_discount_on_an_archived_product_is_refused(store):
    archived = make_product(store, status="archived")

    with pytest.raises(ProductNotInStore, match="archived"):
        discount(store, product_ids=[archived.id])

    assert nothing_written()


@pytest.mark.parametrize("ids", [[], [0], [-3], [2**64], ["1"], [True]])
def test_a_discount_needs_real_product_ids(store, ids):
    with pytest.raises(ProductNotInStore):
        discount(store, product_ids=ids)

    assert nothing_written()


# --- vouchers --------------------------------------------------------------------------------


def test_a_store_voucher_with_a_minimum_spend(store):
    created = voucher(store, code="  glow10 ", cap="20", total_uses=100, public=True)

    assert created.code == "GLOW10"
    assert (created.percent_bps, created.cap_amount, created.min_spend) == (1000, 2000, 5000)
    assert (created.scope, created.total_uses, created.per_buyer_limit) == ("store", 100, 1)
    assert created.public is True
    assert created.used_count == 0
    assert created.state_at(NOW) == PromotionState.RUNNING


def test_a_private_fixed_voucher_for_chosen_products(store):
    products = [make_product(store), make_product(store)]

    created = voucher(
        store,
        code="VIP-5",
        kind="fixed",
        value="5",
        min_spend="",
        scope="products",
        product_ids=[p.id for p in products],
        public=False,
        per_buyer_limit=3,
    )

    assert (created.amount_off, created.percent_bps, created.min_spend) == (500, None, 0)
    assert [vp.product_id for vp in created.products] == [p.id for p in products]
    assert created.public is False


def test_a_store_wide_voucher_ignores_product_ids(store):
    created = voucher(store, scope="store", product_ids=[make_product(make_store()).id])

    assert created.products == []


def test_a_code_is_unique_across_the_platform_whatever_its_case(store):
    voucher(make_store(), code="GLOW10")
    db.session.commit()

    with pytest.raises(CodeTaken, match="GLOW10 is already in use"):
        voucher(store, code=" glow10")

    db.session.rollback()
    assert count(Voucher) == 1


def test_a_code_taken_between_the_check_and_the_insert_is_refused(store, monkeypatch):
    first = voucher(make_store(), code="GLOW10")
    db.session.commit()
    monkeypatch.setattr(services, "code_taken", lambda code: False)  # a racing seller

    with pytest.raises(CodeTaken, match="GLOW10 is already in use"):
        voucher(store, code="glow10")

    db.session.rollback()
    assert db.session.scalars(select(Voucher.id)).all() == [first.id]


def test_a_code_with_inner_spaces_writes_nothing(store):
    with pytest.raises(InvalidCode, match="no spaces"):
        voucher(store, code="GLOW 10")

    assert nothing_written()


@pytest.mark.parametrize(
    ("overrides", "error", "says"),
    [
        ({"value": "101"}, InvalidValue, "at most 100%"),
        ({"value": "9.999"}, InvalidValue, "two decimals"),
        ({"kind": "fixed", "value": "0"}, InvalidValue, "more than zero"),
        ({"kind": "fixed", "value": "-5"}, InvalidValue, "more than zero"),
        ({"kind": "fixed", "value": "5", "cap": "10"}, InvalidValue, "percentage vouchers only"),
        ({"cap": "0"}, InvalidValue, "more than zero"),
        ({"cap": "-2"}, InvalidValue, "more than zero"),
        ({"min_spend": "-1"}, InvalidValue, "cannot be negative"),
        ({"total_uses": 0}, InvalidLimit, "at least 1"),
        ({"total_uses": -5}, InvalidLimit, "at least 1"),
        ({"per_buyer_limit": 0}, InvalidLimit, "at least 1"),
        ({"per_buyer_limit": None}, InvalidLimit, "whole number"),
        ({"total_uses": 2, "per_buyer_limit": 3}, InvalidLimit, "more than the total"),
        ({"ends_at": NOW - 2 * HOUR}, InvalidWindow, "after the start"),
        ({"scope": "products"}, ProductNotInStore, "at least one product"),
    ],
)
def test_bad_voucher_input_writes_nothing(store, overrides, error, says):
    with pytest.raises(error, match=says):
        voucher(store, **overrides)

    assert nothing_written()


def test_a_voucher_on_another_stores_products_is_refused(store):
    theirs = make_product(make_store())

    with pytest.raises(ProductNotInStore, match="not one of your store's"):
        voucher(store, scope="products", product_ids=[make_product(store).id, theirs.id])

    assert nothing_written()


# --- flash deals -----------------------------------------------------------------------------


def test_a_flash_deal_on_one_variant(store):
    product = make_product(store, price=2800, variants=2, title="Velvet Lipstick")
    variant = product.variants[1]

    deal = flash_deal(store, variant)

    assert (deal.product_id, deal.variant_id, deal.deal_price) == (product.id, variant.id, 1999)
    assert (deal.quantity, deal.sold, deal.per_buyer_limit) == (20, 0, 2)
    assert deal.name == "Flash deal: Velvet Lipstick (M)"
    assert deal.state_at(NOW) == PromotionState.RUNNING


@pytest.mark.parametrize(
    ("overrides", "error", "says"),
    [
        ({"deal_price": "28.00"}, InvalidDealPrice, "below the price"),
        ({"deal_price": "30"}, InvalidDealPrice, "below the price"),
        ({"deal_price": "0"}, InvalidValue, "more than zero"),
        ({"deal_price": "-1"}, InvalidValue, "more than zero"),
        ({"deal_price": "1.999"}, InvalidValue, "decimals"),
        ({"quantity": 0}, InvalidLimit, "at least 1"),
        ({"quantity": -3}, InvalidLimit, "at least 1"),
        ({"per_buyer_limit": 0}, InvalidLimit, "at least 1"),
        ({"quantity": 2, "per_buyer_limit": 3}, InvalidLimit, "more than the deal quantity"),
        ({"ends_at": NOW - 2 * HOUR}, InvalidWindow, "after the start"),
        ({"ends_at": NOW + 7 * DAY}, InvalidWindow, "7 days at most"),
        ({"variant_id": None}, ProductNotInStore, "Choose the variant"),
    ],
)
def test_bad_flash_deal_input_writes_nothing(store, overrides, error, says):
    with pytest.raises(error, match=says):
        flash_deal(store, **overrides)

    assert nothing_written()


def test_a_flash_deal_may_last_exactly_seven_days(store):
    deal = flash_deal(store, starts_at=NOW, ends_at=NOW + 7 * DAY)

    assert deal.ends_at - deal.starts_at == 7 * DAY


def test_a_flash_deal_on_another_stores_variant_is_refused(store):
    theirs = make_product(make_store(), price=2800).variants[0]

    with pytest.raises(ProductNotInStore, match=f"#{theirs.id}"):
        flash_deal(store, theirs)

    assert nothing_written()


def test_a_variant_has_one_flash_deal_at_a_time(store):
    variant = make_product(store, price=2800).variants[0]
    flash_deal(store, variant)

    with pytest.raises(FlashDealOverlap, match="one deal at a time"):
        flash_deal(store, variant, starts_at=NOW + 2 * HOUR, ends_at=NOW + 8 * HOUR)


def test_a_flash_deal_may_follow_one_that_ended_early(store):
    variant = make_product(store, price=2800).variants[0]
    first = flash_deal(store, variant)
    services.end_early(store, "flash_deal", first.id, now=NOW)

    second = flash_deal(store, variant, starts_at=NOW + HOUR, ends_at=NOW + 3 * HOUR)

    assert second.id != first.id


# --- ending early ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["discount", "voucher", "flash_deal"])
def test_a_running_promotion_ends_now(store, kind):
    make = {"discount": discount, "voucher": voucher, "flash_deal": flash_deal}[kind]
    promotion = make(store)
    later = NOW + HOUR

    ended = services.end_early(store, kind, promotion.id, now=later)

    assert ended.ended_at == later
    assert ended.state_at(later) == PromotionState.ENDED
    assert ended.ends_at > later  # the planned end stays on record


def test_a_scheduled_promotion_can_be_called_off(store):
    promotion = discount(store, starts_at=NOW + DAY, ends_at=NOW + 2 * DAY)

    services.end_early(store, "discount", promotion.id, now=NOW)

    assert promotion.state_at(NOW) == PromotionState.ENDED
    assert promotion.state_at(NOW + 1.5 * DAY) == PromotionState.ENDED


def test_an_ended_promotion_cannot_end_again(store):
    promotion = discount(store)
    services.end_early(store, "discount", promotion.id, now=NOW)

    with pytest.raises(AlreadyEnded):
        services.end_early(store, "discount", promotion.id, now=NOW + HOUR)


def test_another_stores_promotion_is_not_found(store):
    theirs = discount(make_store())

    with pytest.raises(PromotionNotFound):
        services.end_early(store, "discount", theirs.id, now=NOW)

    assert theirs.ended_at is None


@pytest.mark.parametrize(
    ("kind", "promotion_id"),
    [("voucher", 1), ("discount", 999), ("coupon", 1), ("discount", 2**64), ("discount", 0)],
)
def test_unknown_kinds_and_ids_are_not_found(store, kind, promotion_id):
    discount(store)

    with pytest.raises(PromotionNotFound):
        services.end_early(store, kind, promotion_id, now=NOW)


def test_ending_early_keeps_the_prices_of_orders_placed(store):
    product = make_product(store, price=2000)
    promotion = discount(store, product_ids=[product.id], value="15")
    buyer = make_user(Role.BUYER)
    order = write_order(
        buyer,
        [Line(product.variants[0], 2, product_discount=600, discount_id=promotion.id)],
        placed_at=NOW,
    )
    line_id = order.lines[0].id

    services.end_early(store, "discount", promotion.id, now=NOW + HOUR)
    db.session.commit()
    db.session.expire_all()

    line = db.session.get(OrderLine, line_id)
    assert (line.unit_price, line.product_discount, line.discount, line.amount) == (
        2000,
        600,
        600,
        3400,
    )
    assert line.product_discount_id == promotion.id
    assert db.session.get(ProductDiscount, promotion.id).state_at(NOW + HOUR) == (
        PromotionState.ENDED
    )
