"""What the catalogue shows of vouchers: a store's public vouchers and their terms, collecting
one, and the buyer's wallet."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from shop.promotions import vouchers
from shop.promotions.exceptions import CollectError, VoucherNotFound
from shop.promotions.models import (
    Voucher,
    VoucherCollection,
    VoucherRedemption,
)
from tests.factories import make_user
from tests.shop.factories import (
    DAY,
    add_voucher,
    make_order,
    make_product,
    make_store,
)

HOUR = timedelta(hours=1)
# The moment every test here builds its vouchers around and hands to ``vouchers`` as its
# clock: 25 November of the current year at noon, so that the day labels read "ends 30 Nov"
# whatever the date (``vouchers`` adds the year only for another year than ``now``'s).
NOW = utcnow().replace(month=11, day=25, hour=12, minute=0, second=0, microsecond=0)


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

    on_store = vouchers.public_vouchers(store.id, now=NOW)
    on_product = vouchers.public_vouchers(store.id, product_id=product.id, now=NOW)

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
    assert {v.id: v.terms for v in vouchers.public_vouchers(store.id, now=NOW)} == cases


def test_voucher_terms_count_an_order_of_exactly_the_minimum_spend(app_ctx):
    voucher = add_voucher(make_store(), amount_off=500, min_spend=3_000, now=NOW)

    terms = vouchers.voucher_terms(voucher, "USD")

    assert terms == "$5 off, orders of $30 or more"  # the rule: spend >= minimum
    assert "over" not in terms


def test_collecting_is_idempotent_and_shows_as_collected(app_ctx):
    store = make_store()
    voucher = add_voucher(store, now=NOW)
    buyer = make_user(Role.BUYER)

    first = vouchers.collect(buyer.id, voucher.id, now=NOW)
    second = vouchers.collect(buyer.id, voucher.id, now=NOW)
    db.session.commit()

    assert first.id == second.id
    count = select(func.count()).select_from(VoucherCollection)
    assert db.session.scalar(count) == 1
    [shown] = vouchers.public_vouchers(store.id, buyer_id=buyer.id, now=NOW)
    assert shown.collected
    assert not vouchers.public_vouchers(store.id, buyer_id=make_user().id, now=NOW)[0].collected


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"public": False}, VoucherNotFound),
        ({"creator_id": "creator"}, VoucherNotFound),
        ({"starts": DAY}, CollectError),
        ({"ends": -HOUR, "starts": -DAY}, CollectError),
        ({"ended": -HOUR}, CollectError),
        ({"total_uses": 2, "used_count": 2}, CollectError),
    ],
    ids=["private", "creator-code", "scheduled", "ended", "ended-early", "used-up"],
)
def test_only_running_public_vouchers_can_be_collected(app_ctx, options, error):
    if options.get("creator_id") == "creator":
        options = {"creator_id": make_user(Role.CREATOR).id}
    voucher = add_voucher(make_store(), **options, now=NOW)
    buyer = make_user()

    with pytest.raises(error):
        vouchers.collect(buyer.id, voucher.id, now=NOW)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(VoucherCollection)) == 0


def test_collecting_an_unknown_voucher_is_not_found(app_ctx):
    with pytest.raises(VoucherNotFound):
        vouchers.collect(make_user().id, 987_654, now=NOW)


def test_the_wallet_says_which_vouchers_are_usable_used_or_expired(app_ctx):
    store = make_store(name="Glow Lab")
    buyer = make_user(Role.BUYER)
    usable = add_voucher(store, percent_bps=1000, ends=2 * DAY, now=NOW)
    twice = add_voucher(store, per_buyer_limit=2, ends=DAY, now=NOW)
    used = add_voucher(store, now=NOW)
    expired = add_voucher(store, ended=-HOUR, now=NOW)
    gone = add_voucher(store, total_uses=1, now=NOW)
    for voucher in (usable, twice, used, expired, gone):
        vouchers.collect(buyer.id, voucher.id, now=NOW - 2 * HOUR)
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

    items = vouchers.wallet(buyer.id, now=NOW)

    states = {item.id: item.state for item in items}
    assert states == {
        usable.id: vouchers.WalletState.USABLE,
        twice.id: vouchers.WalletState.USABLE,
        used.id: vouchers.WalletState.USED,
        expired.id: vouchers.WalletState.EXPIRED,
        gone.id: vouchers.WalletState.UNAVAILABLE,
    }
    assert [item.id for item in items[:2]] == [twice.id, usable.id]  # usable, soonest ending first
    by_id = {item.id: item for item in items}
    assert by_id[twice.id].uses_left == 1
    assert by_id[expired.id].ends == "ended 25 Nov"
    assert by_id[usable.id].store_name == "Glow Lab"
    assert by_id[used.id].label == "Used"


def test_the_wallet_is_the_buyers_own(app_ctx):
    voucher = add_voucher(make_store(), now=NOW)
    vouchers.collect(make_user().id, voucher.id, now=NOW)
    db.session.commit()

    assert vouchers.wallet(make_user().id, now=NOW) == []
