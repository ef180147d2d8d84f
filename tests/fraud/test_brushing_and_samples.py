"""Brushing (many small orders, quick refunds, ordering right after the tap) and sample abuse:
cases that must trip, and near misses that must not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from affiliate.creators.attribution.models import Commission
from affiliate.fraud import jobs, services
from affiliate.fraud.models import FraudFlag
from affiliate.plans.samples.models import PostState, SampleRequest, SampleStatus
from core.extensions import db
from core.types import utcnow
from shop.orders.models import OrderStatus
from shop.orders.refunds.models import RefundRequest, RefundStatus
from tests.fraud.conftest import add_address, flags_of, held, rules_of
from tests.shop.factories import make_order, make_product, make_store

# ---------------------------------------------------------------------------- many small orders


def test_the_fifth_small_order_from_one_buyer_in_a_day_trips_brushing(world):
    orders = [world.buy() for _ in range(5)]  # $10.00 each, the cap is $15.00

    assert [rules_of(order) for order in orders[:4]] == [set()] * 4
    [flag] = flags_of(orders[4])
    assert flag.rule == "brushing"
    assert (flag.evidence["orders"], flag.evidence["window_hours"]) == (5, 24)
    assert flag.evidence["order_ids"] == [order.id for order in orders]
    assert held(orders[4])


def test_four_small_orders_are_just_under_the_threshold(world):
    orders = [world.buy() for _ in range(4)]

    assert not any(flags_of(order) for order in orders)


def test_orders_above_the_amount_cap_are_not_brushing(world):
    orders = [world.buy(quantities=(2,)) for _ in range(5)]  # $20.00 each

    assert not any(flags_of(order) for order in orders)


def test_small_orders_spread_beyond_the_window_are_not_brushing(world):
    for _ in range(4):
        order = world.buy()
        for commission in db.session.scalars(
            select(Commission).where(Commission.order_id == order.id)
        ):
            commission.created_at = utcnow() - timedelta(hours=25)
    db.session.commit()

    assert rules_of(world.buy()) == set()


def test_the_thresholds_are_settings(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "FRAUD_BRUSHING_MIN_ORDERS", 2)
    world.buy()
    assert rules_of(world.buy()) == {"brushing"}


# ---------------------------------------------------------------------------- tap to order


def test_an_order_placed_two_seconds_after_the_tap_is_held(world):
    order = world.buy(touched_ago=timedelta(seconds=2))

    [flag] = flags_of(order)
    assert (flag.rule, flag.evidence["seconds"], flag.evidence["limit_seconds"]) == (
        "tap_to_order",
        2.0,
        5,
    )


def test_an_order_placed_ten_seconds_after_the_tap_is_not_held(world):
    assert rules_of(world.buy(touched_ago=timedelta(seconds=10))) == set()


def test_tap_to_order_can_be_switched_off(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "FRAUD_TAP_TO_ORDER_SECONDS", 0)
    assert rules_of(world.buy(touched_ago=timedelta(seconds=1))) == set()


# ---------------------------------------------------------------------------- quick refunds


def _refund(order, after: timedelta, status: RefundStatus = RefundStatus.APPROVED) -> None:
    db.session.add(
        RefundRequest(
            order_id=order.id,
            amount=order.total,
            reason="Changed my mind",
            status=status.value,
            created_at=order.paid_at + after,
        )
    )
    db.session.commit()


def test_most_orders_refunded_within_hours_hold_the_pairs_pending_commissions(world):
    first, second, third = (world.buy() for _ in range(3))
    _refund(first, timedelta(hours=2))
    _refund(second, timedelta(hours=5))

    said = jobs.sweep_at(utcnow())

    assert "flagged" in said
    assert rules_of(third) == {"quick_refunds"}
    [flag] = flags_of(third)
    assert (flag.evidence["orders"], flag.evidence["refunded_quickly"]) == (3, 2)
    assert held(third)


def test_the_sweep_flags_once(world):
    orders = [world.buy() for _ in range(3)]
    _refund(orders[0], timedelta(hours=1))
    _refund(orders[1], timedelta(hours=1))
    jobs.sweep_at(utcnow())
    before = db.session.scalars(select(FraudFlag.id)).all()

    jobs.sweep_at(utcnow())

    assert db.session.scalars(select(FraudFlag.id)).all() == before


def test_refunds_long_after_payment_are_not_quick(world):
    orders = [world.buy() for _ in range(3)]
    _refund(orders[0], timedelta(hours=72))
    _refund(orders[1], timedelta(hours=80))
    jobs.sweep_at(utcnow() + timedelta(days=4))

    assert not any(flags_of(order) for order in orders)


def test_one_quick_refund_in_three_is_under_the_share(world):
    orders = [world.buy() for _ in range(3)]
    _refund(orders[0], timedelta(hours=1))
    _refund(orders[1], timedelta(hours=1), RefundStatus.DECLINED)  # declined: not a refund
    jobs.sweep_at(utcnow())

    assert not any(flags_of(order) for order in orders)


def test_a_new_order_from_a_quick_refunder_is_held_when_earned(world):
    first, second = world.buy(), world.buy()
    _refund(first, timedelta(hours=1))
    _refund(second, timedelta(hours=1))

    assert "quick_refunds" in rules_of(world.buy())


# ---------------------------------------------------------------------------- sample abuse


def _sample(world, *, state: PostState, deadline_ago: timedelta, store=None) -> SampleRequest:
    address = add_address(world.creator, "12 Elm Street", "12345")
    store = store or world.shop.store
    variant = world.shop.variants[0]
    if store is not world.shop.store:
        variant = make_product(store).variants[0]
    free = make_order(world.creator, [(variant, 1)], status=OrderStatus.DELIVERED)
    free.complimentary = True
    free.ship_to = "Cleo Creator, 12 Elm Street, Springfield, 12345, US"
    sample = SampleRequest(
        creator_id=world.creator.id,
        product_id=variant.product_id,
        variant_id=variant.id,
        store_id=store.id,
        order_id=free.id,
        address_id=address.id,
        note="I will film it",
        status=SampleStatus.APPROVED.value,
        delivered_at=utcnow() - deadline_ago - timedelta(days=14),
        post_deadline=utcnow() - deadline_ago,
        post_state=state.value,
    )
    db.session.add(sample)
    db.session.commit()
    return sample


@pytest.mark.parametrize("state", [PostState.NOT_POSTED, PostState.DUE])
def test_a_sample_never_posted_about_holds_her_new_commissions_from_that_store(world, state):
    sample = _sample(world, state=state, deadline_ago=timedelta(days=2))
    order = world.buy(ship_to="Bea Buyer, 1 Main St, Springfield, 12345, US")

    [flag] = flags_of(order)
    assert (flag.rule, flag.evidence["sample_id"]) == ("sample_abuse", sample.id)
    assert held(order)


def test_a_sample_she_posted_about_holds_nothing(world):
    _sample(world, state=PostState.POSTED, deadline_ago=timedelta(days=2))
    assert rules_of(world.buy()) == set()


def test_a_sample_still_inside_its_deadline_holds_nothing(world):
    _sample(world, state=PostState.DUE, deadline_ago=timedelta(days=-3))
    assert rules_of(world.buy()) == set()


def test_a_missed_sample_long_ago_no_longer_holds(world):
    _sample(world, state=PostState.NOT_POSTED, deadline_ago=timedelta(days=91))
    assert rules_of(world.buy()) == set()


def test_a_missed_sample_of_another_store_holds_nothing_here(world):
    _sample(world, state=PostState.NOT_POSTED, deadline_ago=timedelta(days=2), store=make_store())
    assert rules_of(world.buy()) == set()


def test_a_releases_decision_is_not_undone_by_the_sweep(world):
    orders = [world.buy() for _ in range(3)]
    _refund(orders[0], timedelta(hours=1))
    _refund(orders[1], timedelta(hours=1))
    jobs.sweep_at(utcnow())
    [flag] = flags_of(orders[2])
    services.decide(services.fraud_hold(flag.hold_id), "release", "Known customer", None)
    db.session.commit()

    jobs.sweep_at(utcnow())

    assert not held(orders[2])
