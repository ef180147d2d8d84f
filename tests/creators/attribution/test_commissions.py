"""Commissions: earned at payment, settled at completion, reversed or clawed back on refund.

Orders go through the shop's real lifecycle services (``tests.shop.factories`` pays
them as checkout does, signal included); the conftest checks the ledger after every test.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from affiliate.creators.attribution import commissions
from affiliate.creators.attribution.models import Commission, ContentEvent
from affiliate.creators.content.models import Content, ContentKind
from affiliate.plans.models import MembershipStatus
from affiliate.plans.rates import change_rate
from core.accounts.models import Role, User
from core.extensions import db
from core.ledger.models import AccountKind, EntryKind, LedgerEntry
from core.ledger.services import owner_balances
from core.types import utcnow
from shop import signals
from shop.orders import lifecycle
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.orders.refunds import requests as refund_requests
from tests.creators.factories import member, showcase, store_plan, targeted_plan
from tests.factories import make_user
from tests.shop.factories import Shop, pay

PRICE = 1999  # two of variant one and one of variant two: 3 lines' worth of 5997


@pytest.fixture
def shop(app_ctx: object) -> Shop:
    return Shop(price=PRICE)


@pytest.fixture
def creator(app_ctx: object) -> User:
    user = make_user(Role.CREATOR)
    db.session.commit()
    return user


def video_of(creator: User) -> Content:
    content = Content(
        creator_id=creator.id,
        kind=ContentKind.VIDEO.value,
        title="Unboxing",
        external_url="https://videos.example.com/1",
    )
    db.session.add(content)
    db.session.commit()
    return content


def attributed_order(
    shop: Shop,
    creator: User,
    *,
    touched_ago: timedelta = timedelta(hours=1),
    buyer: User | None = None,
) -> Order:
    """An unpaid order whose lines came from the creator's video ``touched_ago``."""
    content = video_of(creator)
    order = shop.place(buyer=buyer or shop.buyer)
    for line in order.lines:
        line.creator_id = creator.id
        line.content_type = content.kind
        line.content_id = content.id
        line.attributed_at = utcnow() - touched_ago
    db.session.commit()
    return order


def creator_balances(creator: User) -> dict[AccountKind, int]:
    return owner_balances(creator.id, "USD")


def commissions_of(order: Order) -> list[Commission]:
    query = select(Commission).where(Commission.order_id == order.id).order_by(Commission.id)
    return list(db.session.scalars(query))


def deliver(order: Order) -> Order:
    seller = db.session.get(User, order.store.owner_id)
    lifecycle.ship(order, "UPS", "1Z999", seller)
    lifecycle.mark_delivered(order, seller)
    db.session.commit()
    return order


def complete(order: Order) -> None:
    deliver(order)
    later = utcnow() + timedelta(days=30)
    assert lifecycle.complete_due_orders(later, 7) >= 1
    db.session.commit()


def test_paid_attributed_line_earns_pending_commission_at_the_plan_rate(shop, creator):
    store_plan(shop.store, 1250)
    showcase(creator.id, shop.product)
    order = pay(attributed_order(shop, creator))

    earned = commissions_of(order)
    line_amounts = sorted(line.amount for line in order.lines)
    assert sorted(c.base_amount for c in earned) == line_amounts
    # 12.5% of 39.98 = 4.9975 → 5.00 and of 19.99 = 2.49875 → 2.50 (half-up to the cent)
    assert sorted(c.amount for c in earned) == [250, 500]
    assert {c.state for c in earned} == {"pending"}
    assert {c.rate_bps for c in earned} == {1250}
    assert creator_balances(creator)[AccountKind.CREATOR_PENDING] == 750


def test_earned_commission_is_one_balanced_entry_per_line(shop, creator):
    store_plan(shop.store, 1000)
    showcase(creator.id, shop.product)
    order = pay(attributed_order(shop, creator))

    kinds = db.session.scalars(
        select(LedgerEntry.kind).where(LedgerEntry.kind == EntryKind.COMMISSION_EARNED)
    ).all()
    assert len(kinds) == len(order.lines)


def test_targeted_plan_rate_wins_over_store_plan(shop, creator):
    store_plan(shop.store, 1000)
    plan = targeted_plan(shop.store, 2500, [shop.product])
    member(plan, creator.id, MembershipStatus.ACCEPTED)
    order = pay(attributed_order(shop, creator))

    assert {c.plan_id for c in commissions_of(order)} == {plan.id}
    assert {c.rate_bps for c in commissions_of(order)} == {2500}


def test_rate_change_after_payment_leaves_the_snapshot_alone(shop, creator):
    plan = store_plan(shop.store, 1000)
    showcase(creator.id, shop.product)
    order = pay(attributed_order(shop, creator))
    change_rate(plan, None, 3000)
    db.session.commit()

    assert {c.rate_bps for c in commissions_of(order)} == {1000}


def test_self_referral_earns_and_is_held_for_fraud_review(shop, creator):
    # It used to earn nothing, silently; a fraud rule now holds it for finance instead.
    store_plan(shop.store, 1000)
    showcase(creator.id, shop.product)
    order = pay(attributed_order(shop, creator, buyer=creator))

    earned = commissions_of(order)
    assert len(earned) == len(order.lines)
    assert {(c.state, c.held) for c in earned} == {("pending", True)}


def test_attribution_older_than_the_window_earns_nothing(shop, creator):
    store_plan(shop.store, 1000)
    showcase(creator.id, shop.product)
    order = pay(attributed_order(shop, creator, touched_ago=timedelta(days=8)))

    assert commissions_of(order) == []


def test_product_without_a_plan_open_to_the_creator_earns_nothing(shop, creator):
    store_plan(shop.store, 1000)  # but the product is not in the creator's showcase
    order = pay(attributed_order(shop, creator))

    assert commissions_of(order) == []
    assert creator_balances(creator).get(AccountKind.CREATOR_PENDING, 0) == 0


def test_unattributed_order_earns_nothing(shop, creator):
    store_plan(shop.store, 1000)
    showcase(creator.id, shop.product)
    order = shop.paid()

    assert commissions_of(order) == []


def test_completion_settles_commission_into_available(shop, creator):
    store_plan(shop.store, 1000)
    showcase(creator.id, shop.product)
    order = pay(attributed_order(shop, creator))
    complete(order)

    assert {c.state for c in commissions_of(order)} == {"settled"}
    balances = creator_balances(creator)
    assert balances[AccountKind.CREATOR_PENDING] == 0
    assert balances[AccountKind.CREATOR_AVAILABLE] == 600


def test_refund_before_settlement_reverses_the_line_commission(shop, creator):
    store_plan(shop.store, 1000)
    showcase(creator.id, shop.product)
    order = deliver(pay(attributed_order(shop, creator)))
    line = order.lines[0]
    refund = refund_requests.request_refund(order, line, "Broken on arrival", shop.buyer)
    refund_requests.approve_refund(refund, shop.seller)
    db.session.commit()

    reversed_one = db.session.scalar(select(Commission).where(Commission.order_line_id == line.id))
    assert reversed_one.state == "reversed"
    assert reversed_one.net_amount == 0
    assert creator_balances(creator)[AccountKind.CREATOR_PENDING] == 600 - reversed_one.amount


def test_cancellation_after_payment_reverses_every_commission(shop, creator):
    store_plan(shop.store, 1000)
    showcase(creator.id, shop.product)
    order = pay(attributed_order(shop, creator))
    lifecycle.cancel(order, shop.seller, "Out of stock in the warehouse")
    db.session.commit()

    assert {c.state for c in commissions_of(order)} == {"reversed"}
    assert creator_balances(creator)[AccountKind.CREATOR_PENDING] == 0


def test_refund_after_settlement_claws_back_from_available(shop, creator):
    store_plan(shop.store, 1000)
    showcase(creator.id, shop.product)
    order = pay(attributed_order(shop, creator))
    complete(order)
    line = order.lines[0]
    taken = commissions.take_back(order, line, line.amount)
    db.session.commit()

    clawed = db.session.scalar(select(Commission).where(Commission.order_line_id == line.id))
    assert clawed.state == "clawed_back"
    assert taken == clawed.amount
    assert creator_balances(creator)[AccountKind.CREATOR_AVAILABLE] == 600 - taken


def test_clawback_may_take_available_below_zero(shop, creator):
    store_plan(shop.store, 1000)
    showcase(creator.id, shop.product)
    order = pay(attributed_order(shop, creator))
    complete(order)
    for line in order.lines:
        commissions.take_back(order, line, line.amount)
    db.session.commit()

    assert creator_balances(creator)[AccountKind.CREATOR_AVAILABLE] == 0
    assert {c.state for c in commissions_of(order)} == {"clawed_back"}


def test_partial_refund_takes_back_the_commission_on_that_part(shop, creator):
    store_plan(shop.store, 1000)
    showcase(creator.id, shop.product)
    order = pay(attributed_order(shop, creator))
    line = max(order.lines, key=lambda item: item.amount)  # 39.98 → 4.00 commission
    taken = commissions.take_back(order, line, 1999)
    db.session.commit()

    partial = db.session.scalar(select(Commission).where(Commission.order_line_id == line.id))
    assert taken == 200
    assert partial.state == "pending"
    assert partial.net_amount == 200


def test_repeated_paid_signal_posts_nothing_twice(shop, creator):
    store_plan(shop.store, 1000)
    showcase(creator.id, shop.product)
    order = pay(attributed_order(shop, creator))
    signals.order_paid.send(order)
    db.session.commit()

    assert len(commissions_of(order)) == len(order.lines)
    assert creator_balances(creator)[AccountKind.CREATOR_PENDING] == 600


def test_paid_attributed_line_records_an_order_event_with_its_gmv(shop, creator):
    store_plan(shop.store, 1000)
    showcase(creator.id, shop.product)
    order = pay(attributed_order(shop, creator))

    gmv = db.session.scalar(
        select(func.sum(ContentEvent.amount)).where(ContentEvent.kind == "order")
    )
    assert gmv == order.total


def test_settlement_skips_reversed_commissions(shop, creator):
    store_plan(shop.store, 1000)
    showcase(creator.id, shop.product)
    order = deliver(pay(attributed_order(shop, creator)))
    line: OrderLine = order.lines[0]
    refund = refund_requests.request_refund(order, line, "Changed my mind", shop.buyer)
    refund_requests.approve_refund(refund, shop.seller)
    db.session.commit()
    if order.status == OrderStatus.DELIVERED.value:
        later = utcnow() + timedelta(days=30)
        lifecycle.complete_due_orders(later, 7)
        db.session.commit()

    states = {c.order_line_id: c.state for c in commissions_of(order)}
    assert states[line.id] == "reversed"
    assert set(states.values()) == {"reversed", "settled"}
