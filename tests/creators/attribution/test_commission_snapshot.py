"""The plan and rate are fixed on the order line when the order is placed; payment uses them.

Orders go through the real checkout (``place_orders``, ``mark_payment_succeeded``): the shop
asks the affiliate side's hook at placement, and the ``order_paid`` receiver earns on the
snapshot. Whatever happens to a plan between placement and payment changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from affiliate.creators.attribution.models import Commission
from affiliate.creators.content.models import Content, ContentKind
from affiliate.plans import memberships, rates, services
from affiliate.plans.commission.rule import applicable_rate
from affiliate.plans.models import MembershipStatus, PlanMembership, ShowcaseItem
from core.accounts.models import Role, User
from core.extensions import db
from core.types import utcnow
from shop.orders.cart import Attribution, add_to_cart, get_or_create_cart
from shop.orders.checkout.services import add_address, place_orders
from shop.orders.models import OrderLine
from shop.payments.services import mark_payment_succeeded
from tests.factories import make_user
from tests.shop.factories import make_product, make_store

PRICE = 4000  # $40.00: 10% is $4.00, 30% is $12.00
ADDRESS = {
    "full_name": "Bea Buyer",
    "line1": "1 Main St",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}


@pytest.fixture
def world(app_ctx):
    seller = make_user(Role.SELLER)
    store = make_store(seller)
    product = make_product(store, title="Glow serum", price=PRICE, stock=20)
    creator = make_user(Role.CREATOR)
    buyer = make_user(Role.BUYER)
    video = Content(
        creator_id=creator.id,
        kind=ContentKind.VIDEO.value,
        title="My routine",
        external_url="https://videos.example.com/routine",
    )
    db.session.add(video)
    store_plan = services.set_store_plan(store, 1000, now=utcnow() - timedelta(days=1))
    db.session.commit()
    return SimpleNamespace(
        store=store,
        product=product,
        creator=creator,
        buyer=buyer,
        video=video,
        store_plan=store_plan,
    )


def _showcase(world) -> None:
    db.session.add(ShowcaseItem(creator_id=world.creator.id, product_id=world.product.id))
    db.session.commit()


def place(world, *, buyer: User | None = None) -> int:
    """Place an order for one unit bought through the creator's video; the payment's id."""
    buyer = buyer or world.buyer
    cart = get_or_create_cart(user_id=buyer.id)
    touch = Attribution(world.creator.id, world.video.kind, world.video.id, at=utcnow())
    add_to_cart(cart, world.product.variants[0], 1, touch)
    payment = place_orders(buyer.id, cart, add_address(buyer.id, **ADDRESS), provider="test")
    db.session.commit()
    return payment.id


def pay(payment_id: int) -> None:
    mark_payment_succeeded(payment_id)
    db.session.commit()


def the_line() -> OrderLine:
    db.session.expire_all()
    return db.session.scalars(select(OrderLine)).one()


def the_commission() -> Commission | None:
    return db.session.scalars(select(Commission)).one_or_none()


def test_placing_snapshots_the_plan_and_rate_on_the_line(world):
    _showcase(world)
    place(world)
    line = the_line()
    assert line.commission_plan_id == world.store_plan.id
    assert line.commission_plan_kind == "store"
    assert line.commission_rate_bps == 1000
    assert line.commission_basis == "store plan Store plan, 10%"


def test_payment_earns_on_the_snapshot(world):
    _showcase(world)
    pay(place(world))
    commission = the_commission()
    assert (commission.plan_id, commission.plan_kind) == (world.store_plan.id, "store")
    assert (commission.rate_bps, commission.amount) == (1000, 400)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda plan: rates.change_rate(plan, None, 500, notice_days=0), id="cut"),
        pytest.param(lambda plan: rates.change_rate(plan, None, 3000), id="raise"),
        pytest.param(services.pause, id="paused"),
        pytest.param(services.end, id="ended"),
    ],
)
def test_a_plan_changed_between_placement_and_payment_changes_nothing(world, change):
    _showcase(world)
    payment_id = place(world)
    change(world.store_plan)
    db.session.commit()
    pay(payment_id)
    commission = the_commission()
    assert (commission.rate_bps, commission.amount) == (1000, 400)


def test_an_order_placed_while_a_request_waits_pays_the_rate_that_applied_then(world):
    """Store plan 10%; an open plan at 30% that approves joiners. Cara showcases the product
    (store rate), asks to join the open plan, a buyer orders through her video; the seller
    approves her before the buyer pays: the order pays 10%, the rate when it was placed."""
    _showcase(world)
    launch = services.create_open_plan(
        world.store,
        name="Launch week",
        product_rates={world.product.id: 3000},
        starts_at=utcnow() - timedelta(days=1),
        manual_approval=True,
    )
    added = memberships.add_to_showcase(world.creator.id, world.product.id)
    assert added.awaiting.describe() == "30% once approved"
    db.session.commit()

    payment_id = place(world)
    membership = db.session.scalars(
        select(PlanMembership).where(PlanMembership.creator_id == world.creator.id)
    ).one()
    assert membership.status == MembershipStatus.PENDING.value
    memberships.decide_joiner(launch, membership.id, approve=True)
    db.session.commit()
    assert applicable_rate(world.creator.id, world.product.id).rate_bps == 3000  # from now on
    pay(payment_id)

    assert the_line().commission_rate_bps == 1000
    commission = the_commission()
    assert (commission.plan_id, commission.rate_bps, commission.amount) == (
        world.store_plan.id,
        1000,
        400,
    )


def test_a_line_no_plan_covered_at_placement_earns_nothing_later(world):
    place(world)  # not in her showcase: the store plan does not cover it for her
    line = the_line()
    assert (line.commission_plan_id, line.commission_rate_bps) == (None, 0)
    _showcase(world)  # covered from now on, before the buyer pays
    pay(line.order.payment_id)
    assert the_commission() is None


def test_self_referral_is_asked_and_its_commission_held(world):
    # It used to be skipped (earning nothing, unseen); it is snapshotted like any line now,
    # and the fraud rules hold its commission for finance.
    _showcase(world)
    pay(place(world, buyer=world.creator))
    line = the_line()
    assert (line.creator_id, line.commission_rate_bps) == (world.creator.id, 1000)
    commission = the_commission()
    assert commission is not None
    assert commission.held


def test_unattributed_lines_have_no_snapshot(world):
    cart = get_or_create_cart(user_id=world.buyer.id)
    add_to_cart(cart, world.product.variants[0], 1)
    place_orders(world.buyer.id, cart, add_address(world.buyer.id, **ADDRESS), provider="test")
    db.session.commit()
    line = the_line()
    assert (line.creator_id, line.commission_plan_id, line.commission_rate_bps) == (None,) * 3


def test_a_line_placed_before_snapshots_existed_earns_at_the_rule_of_its_placement(world):
    _showcase(world)
    payment_id = place(world)
    line = the_line()
    line.commission_plan_id = line.commission_plan_kind = line.commission_basis = None
    line.commission_rate_bps = None  # as the migration leaves lines placed before it
    rates.change_rate(world.store_plan, None, 3000)  # a raise after placement
    db.session.commit()
    pay(payment_id)
    assert the_commission().rate_bps == 1000
