"""The figures of a store's promotions: uses, orders, GMV and discount spent, what counts and
what does not, the marketing page's overview by state, and the daily series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from core.accounts.models import Role
from core.extensions import db
from shop.catalog.models import Store
from shop.orders.models import LineStatus, OrderStatus
from shop.promotions import services, stats
from shop.promotions.models import (
    FlashDeal,
    ProductDiscount,
    PromotionKind,
    PromotionState,
    Voucher,
)
from shop.promotions.stats import PromotionStats
from tests.clock import today_at
from tests.factories import make_user
from tests.shop.factories import (
    Line,
    make_flash_deal,
    make_product,
    make_product_discount,
    make_store,
    make_voucher,
    write_order,
)

NOW = today_at(12)  # the stats' clock: noon, so that an hour before is still today
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass
class Shop:
    store: Store
    discount: ProductDiscount
    voucher: Voucher
    deal: FlashDeal


@pytest.fixture
def shop(app_ctx) -> Shop:
    """A store with a running 15% discount on a $20 serum, a 10% voucher and a flash deal at
    $15 on a $20 lipstick, and orders that used them (and some that must not count)."""
    store = make_store()
    serum = make_product(store, price=2000, title="Serum").variants[0]
    lipstick = make_product(store, price=2000, title="Lipstick").variants[0]
    plain = make_product(store, price=1000, title="Plain").variants[0]
    window = {"starts_at": NOW - 3 * DAY, "ends_at": NOW + 3 * DAY}
    discount = make_product_discount(serum.product, percent_bps=1500, name="Serum sale", **window)
    voucher = make_voucher(store, code="TEN", percent_bps=1000, total_uses=50, **window)
    deal = make_flash_deal(
        lipstick, 1500, quantity=10, sold=3, starts_at=NOW - HOUR, ends_at=NOW + 5 * HOUR
    )
    buyer = make_user(Role.BUYER)

    # Two days ago: 2 serums at 15% off ($6.00 off, paid $34.00), with the voucher on the order
    # ($3.40 on the serum line, $1.00 on a plain line).
    write_order(
        buyer,
        [
            Line(serum, 2, product_discount=600, voucher_discount=340, discount_id=discount.id),
            Line(plain, 1, voucher_discount=100),
        ],
        placed_at=NOW - 2 * DAY,
        voucher=voucher,
    )
    # Today: a lipstick at the deal price ($5 off), delivered; 2 more in another order.
    write_order(
        buyer,
        [Line(lipstick, 1, product_discount=500, flash_deal_id=deal.id)],
        placed_at=NOW - HOUR,
        status=OrderStatus.DELIVERED,
    )
    write_order(
        buyer,
        [Line(lipstick, 2, product_discount=1000, flash_deal_id=deal.id)],
        placed_at=NOW - HOUR,
    )
    # Today: a serum at 15% off, and a plain line without promotion on the same order.
    write_order(
        buyer,
        [Line(serum, 1, product_discount=300, discount_id=discount.id), Line(plain, 1)],
        placed_at=NOW - HOUR,
    )
    # Not counted: unpaid, a refunded line, a cancelled order; the voucher's unpaid order
    # still holds a use, a released redemption does not.
    write_order(
        buyer,
        [Line(serum, 1, product_discount=300, voucher_discount=170, discount_id=discount.id)],
        placed_at=NOW - HOUR,
        status=OrderStatus.PENDING_PAYMENT,
        voucher=voucher,
    )
    write_order(
        buyer,
        [
            Line(
                serum,
                1,
                product_discount=300,
                discount_id=discount.id,
                status=LineStatus.REFUNDED,
            )
        ],
        placed_at=NOW - HOUR,
    )
    write_order(
        buyer,
        [Line(plain, 1, voucher_discount=100)],
        placed_at=NOW - HOUR,
        status=OrderStatus.CANCELLED,
        voucher=voucher,
        redemption_released=True,
    )
    # Another store's order using its own discount counts nowhere here.
    other = make_store()
    theirs = make_product(other, price=2000).variants[0]
    their_discount = make_product_discount(theirs.product, amount_off=100, **window)
    write_order(
        buyer,
        [Line(theirs, 1, product_discount=100, discount_id=their_discount.id)],
        placed_at=NOW - HOUR,
    )
    return Shop(store, discount, voucher, deal)


def test_a_discount_counts_the_paid_lines_it_priced(shop):
    figures = stats.discount_stats(shop.store.id)

    assert figures == {
        shop.discount.id: PromotionStats(
            uses=2, orders=2, gmv=3400 - 340 + 1700, discount_spent=900
        )
    }


def test_a_voucher_counts_redemptions_held_and_the_paid_orders_that_carry_it(shop):
    figures = stats.voucher_stats(shop.store.id)

    # Uses: the paid order's and the unpaid order's redemptions (the released one is back).
    # GMV: both lines of the paid order: 4000 - 600 - 340 + 1000 - 100.
    assert figures == {
        shop.voucher.id: PromotionStats(uses=2, orders=1, gmv=3960, discount_spent=440)
    }


def test_a_flash_deal_counts_units_sold_and_the_lines_it_priced(shop):
    figures = stats.flash_deal_stats(shop.store.id)

    assert figures == {
        shop.deal.id: PromotionStats(uses=3, orders=2, gmv=1500 + 3000, discount_spent=1500)
    }


@pytest.mark.parametrize(
    ("kind", "attribute", "expected"),
    [
        ("discount", "discount", PromotionStats(2, 2, 4760, 900)),
        ("voucher", "voucher", PromotionStats(2, 1, 3960, 440)),
        ("flash_deal", "deal", PromotionStats(3, 2, 4500, 1500)),
    ],
)
def test_one_promotions_figures(shop, kind, attribute, expected):
    assert stats.promotion_stats(kind, getattr(shop, attribute)) == expected


def test_a_promotion_without_orders_has_zeros(app_ctx):
    discount = make_product_discount(make_product(make_store()))

    assert stats.promotion_stats("discount", discount) == PromotionStats()


def test_the_overview_lists_promotions_by_state_with_their_figures(shop):
    serum = make_product(shop.store)
    later = make_product_discount(
        serum, amount_off=200, starts_at=NOW + 7 * DAY, ends_at=NOW + 8 * DAY
    )
    services.end_early(shop.store, "voucher", shop.voucher.id, now=NOW - HOUR)
    db.session.commit()

    view = stats.overview(shop.store.id, NOW)

    running = view.rows[PromotionState.RUNNING]
    # Ending soonest first: the flash deal (in 5 hours), then the discount (in 3 days).
    assert [(row.kind, row.promotion.id) for row in running] == [
        (PromotionKind.FLASH_DEAL, shop.deal.id),
        (PromotionKind.DISCOUNT, shop.discount.id),
    ]
    assert running[0].targets == ("Lipstick",)
    assert running[0].list_price == 2000
    assert running[0].stats == PromotionStats(3, 2, 4500, 1500)
    assert running[1].targets == ("Serum",)
    assert [row.promotion.id for row in view.rows[PromotionState.SCHEDULED]] == [later.id]
    (ended,) = view.rows[PromotionState.ENDED]
    assert (ended.kind, ended.promotion.id) == (PromotionKind.VOUCHER, shop.voucher.id)
    assert ended.stats == PromotionStats(2, 1, 3960, 440)
    assert ended.ends == NOW - HOUR
    assert (view.count("running"), view.count("scheduled"), view.count("ended")) == (2, 1, 1)
    assert view.total == 4


def test_the_overview_shows_only_this_stores_promotions(shop):
    other = make_store()

    assert stats.overview(other.id, NOW).total == 0


def test_the_daily_series_sums_discount_spent_and_promoted_gmv_per_day(shop):
    points = stats.daily(shop.store.id, NOW)

    assert len(points) == 30
    assert points[0].day == (NOW - 29 * DAY).date()
    assert points[-1].day == NOW.date()
    by_day = {point.day: point for point in points if point.gmv or point.discount_spent}
    # Two days ago: both lines of the vouchered order (the plain one too: its voucher share).
    # Today: the two flash deal orders and the discounted serum line (not the plain line).
    assert {day: (p.discount_spent, p.gmv) for day, p in by_day.items()} == {
        (NOW - 2 * DAY).date(): (600 + 340 + 100, 3060 + 900),
        NOW.date(): (500 + 1000 + 300, 1500 + 3000 + 1700),
    }


def test_the_daily_series_leaves_out_older_days(shop):
    points = stats.daily(shop.store.id, NOW + 29 * DAY)

    assert sum(point.gmv for point in points) == 1500 + 3000 + 1700  # today's only
