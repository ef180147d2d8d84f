"""Volume tiers: a product's rate in an open or targeted plan rises once enough paid orders of
it came through the plan; tiers only rise, the order line snapshots the tier that applied, and
a reached tier cannot be taken away without notice."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from affiliate.creators.content.models import Content, ContentKind
from affiliate.plans import memberships, rates, services, tiers
from affiliate.plans.commission.rule import applicable_rate
from affiliate.plans.exceptions import InvalidTier, PlanEnded, ProductNotInStore, TierNotFound
from affiliate.plans.models import PlanRateTier
from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from core.types import utcnow
from shop.orders.cart import Attribution, add_to_cart, get_or_create_cart
from shop.orders.checkout.services import add_address, place_orders
from shop.orders.models import OrderLine
from shop.payments.services import mark_payment_succeeded
from tests.conftest import post_form
from tests.factories import make_user
from tests.shop.factories import make_product, make_store

ADDRESS = {
    "full_name": "Bea Buyer",
    "line1": "1 Main St",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}


@pytest.fixture
def world(app_ctx):
    """Glow serum at $40 in an open plan at 10% that the creator joined and showcases."""
    seller = make_user(Role.SELLER)
    store = make_store(seller)
    product = make_product(store, title="Glow serum", price=4000, stock=50)
    other = make_product(store, title="Night cream", price=3000, stock=50)
    creator = make_user(Role.CREATOR)
    plan = services.create_open_plan(
        store,
        name="Everyday",
        product_rates={product.id: 1000, other.id: 1000},
        starts_at=utcnow() - timedelta(days=1),
    )
    db.session.flush()
    memberships.join_open_plan(plan.id, creator.id)
    memberships.add_to_showcase(creator.id, product.id)
    video = Content(
        creator_id=creator.id,
        kind=ContentKind.VIDEO.value,
        title="Routine",
        external_url="https://videos.example.com/routine",
    )
    db.session.add(video)
    db.session.commit()
    return SimpleNamespace(
        seller=seller,
        store=store,
        product=product,
        other=other,
        creator=creator,
        plan=plan,
        video=video,
    )


def buy(world, *, paid: bool = True) -> OrderLine:
    """One unit bought through the creator's video (a new buyer each time)."""
    buyer = make_user(Role.BUYER)
    cart = get_or_create_cart(user_id=buyer.id)
    touch = Attribution(world.creator.id, world.video.kind, world.video.id, at=utcnow())
    add_to_cart(cart, world.product.variants[0], 1, touch)
    payment = place_orders(buyer.id, cart, add_address(buyer.id, **ADDRESS), provider="test")
    if paid:
        mark_payment_succeeded(payment.id)
    db.session.commit()
    return db.session.scalars(
        select(OrderLine).where(OrderLine.order_id.in_([o.id for o in payment.orders]))
    ).one()


# ---------------------------------------------------------------------------- the rule


def test_below_the_threshold_the_plans_rate_applies(world):
    tiers.add_tier(world.plan, world.product.id, 2, 1500)
    buy(world)
    rate = applicable_rate(world.creator.id, world.product.id)
    assert (rate.rate_bps, rate.tier_from) == (1000, None)


def test_past_the_threshold_the_tier_applies_and_says_so(world):
    tiers.add_tier(world.plan, world.product.id, 2, 1500)
    buy(world)
    buy(world)
    rate = applicable_rate(world.creator.id, world.product.id)
    assert (rate.rate_bps, rate.tier_from) == (1500, 2)
    assert rate.explain() == "open plan Everyday, 15% (tier from 2 orders)"


def test_unpaid_orders_do_not_count_toward_a_tier(world):
    tiers.add_tier(world.plan, world.product.id, 1, 1500)
    buy(world, paid=False)
    assert applicable_rate(world.creator.id, world.product.id).rate_bps == 1000


def test_the_highest_tier_reached_applies(world):
    tiers.add_tier(world.plan, world.product.id, 1, 1500)
    tiers.add_tier(world.plan, world.product.id, 2, 2000)
    tiers.add_tier(world.plan, world.product.id, 5, 2500)
    buy(world)
    buy(world)
    assert applicable_rate(world.creator.id, world.product.id).rate_bps == 2000


def test_another_products_orders_do_not_reach_its_tier(world):
    tiers.add_tier(world.plan, world.other.id, 1, 1500)
    buy(world)
    assert tiers.orders_through(world.plan.id, world.other.id) == 0


def test_a_raised_plan_rate_above_a_tier_wins(world):
    tiers.add_tier(world.plan, world.product.id, 1, 1500)
    buy(world)
    rates.change_rate(world.plan, world.product.id, 2000)
    db.session.commit()
    rate = applicable_rate(world.creator.id, world.product.id)
    assert (rate.rate_bps, rate.tier_from) == (2000, None)


def test_the_order_line_snapshots_the_tier_that_applied(world):
    tiers.add_tier(world.plan, world.product.id, 1, 1500)
    buy(world)
    line = buy(world)
    assert line.commission_rate_bps == 1500
    assert line.commission_basis == "open plan Everyday, 15% (tier from 1 orders)"


def test_the_commission_is_the_tier_rate_times_the_amount_paid(world):
    from affiliate.creators.attribution.models import Commission

    tiers.add_tier(world.plan, world.product.id, 1, 1500)
    buy(world)
    line = buy(world)
    commission = db.session.scalars(
        select(Commission).where(Commission.order_line_id == line.id)
    ).one()
    assert (commission.rate_bps, commission.amount) == (1500, 600)


# ---------------------------------------------------------------------------- the rules of tiers


@pytest.mark.parametrize(
    ("min_orders", "rate_bps", "message"),
    [
        (0, 1500, "between 1 and"),
        (-5, 1500, "between 1 and"),
        (True, 1500, "whole number"),
        (10, 1000, "not above the product's"),
        (10, 900, "not above the product's"),
    ],
)
def test_a_tier_that_does_not_rise_is_refused(world, min_orders, rate_bps, message):
    with pytest.raises(InvalidTier, match=message):
        tiers.add_tier(world.plan, world.product.id, min_orders, rate_bps)


def test_tiers_only_rise_with_the_threshold(world):
    tiers.add_tier(world.plan, world.product.id, 10, 1500)
    tiers.add_tier(world.plan, world.product.id, 100, 2500)
    with pytest.raises(InvalidTier, match="not above 15% from 10 orders"):
        tiers.add_tier(world.plan, world.product.id, 50, 1400)
    with pytest.raises(InvalidTier, match="not below 25% from 100 orders"):
        tiers.add_tier(world.plan, world.product.id, 50, 2500)
    tiers.add_tier(world.plan, world.product.id, 50, 2000)
    assert [t.min_orders for t in tiers.tiers_of(world.plan)[world.product.id]] == [10, 50, 100]


def test_one_threshold_has_one_tier(world):
    tiers.add_tier(world.plan, world.product.id, 10, 1500)
    with pytest.raises(InvalidTier, match="already a tier from 10"):
        tiers.add_tier(world.plan, world.product.id, 10, 1600)


def test_a_product_has_at_most_five_tiers(world):
    for n in range(5):
        tiers.add_tier(world.plan, world.product.id, 10 * (n + 1), 1100 + 100 * n)
    with pytest.raises(InvalidTier, match="at most 5"):
        tiers.add_tier(world.plan, world.product.id, 100, 3000)


def test_a_store_plan_has_no_tiers(world):
    store_plan = services.set_store_plan(world.store, 800)
    with pytest.raises(InvalidTier, match="store plan"):
        tiers.add_tier(store_plan, world.product.id, 10, 1500)


def test_a_product_outside_the_plan_has_no_tier(world):
    stranger = make_product(world.store, title="Not in the plan")
    with pytest.raises(ProductNotInStore):
        tiers.add_tier(world.plan, stranger.id, 10, 1500)


def test_an_ended_plan_takes_no_tier(world):
    services.end(world.plan)
    with pytest.raises(PlanEnded):
        tiers.add_tier(world.plan, world.product.id, 10, 1500)


def test_a_tier_not_reached_can_be_removed(world):
    tier = tiers.add_tier(world.plan, world.product.id, 5, 1500)
    buy(world)
    tiers.remove_tier(world.plan, tier.id)
    assert db.session.get(PlanRateTier, tier.id) is None


def test_a_reached_tier_cannot_be_removed(world):
    tier = tiers.add_tier(world.plan, world.product.id, 1, 1500)
    buy(world)
    with pytest.raises(InvalidTier, match="creators earn it now"):
        tiers.remove_tier(world.plan, tier.id)


def test_adding_and_removing_tiers_is_audited(world):
    tier = tiers.add_tier(world.plan, world.product.id, 5, 1500, actor_id=world.seller.id)
    tiers.remove_tier(world.plan, tier.id, actor_id=world.seller.id)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("plan.rate_tier%"))
    ).all()
    assert sorted(actions) == ["plan.rate_tier_added", "plan.rate_tier_removed"]


# ---------------------------------------------------------------------------- the pages


def test_the_seller_adds_a_tier_on_the_plans_page(world, client, auth):
    auth.login(world.seller.email)
    response = post_form(
        client,
        f"/seller/plans/{world.plan.id}/tiers",
        {"product_id": world.product.id, "min_orders": "100", "rate": "15"},
    )
    assert response.status_code == 302
    page = client.get(f"/seller/plans/{world.plan.id}").get_data(as_text=True)
    assert "15% from 100 orders" in page


@pytest.mark.parametrize(
    "fields",
    [
        {"min_orders": "", "rate": "15"},
        {"min_orders": "ten", "rate": "15"},
        {"min_orders": "100", "rate": "lots"},
        {"min_orders": "100", "rate": "5"},
        {"min_orders": "100", "rate": "15", "product_id": "not-a-product"},
    ],
)
def test_bad_tier_input_is_refused_and_writes_nothing(world, client, auth, fields):
    auth.login(world.seller.email)
    response = post_form(
        client,
        f"/seller/plans/{world.plan.id}/tiers",
        {"product_id": world.product.id, **fields},
    )
    assert response.status_code == 400
    assert db.session.scalar(select(PlanRateTier.id)) is None


def test_another_seller_cannot_touch_the_plans_tiers(world, client, auth):
    tier = tiers.add_tier(world.plan, world.product.id, 5, 1500)
    db.session.commit()
    auth.login(make_user(Role.SELLER).email)
    added = post_form(
        client,
        f"/seller/plans/{world.plan.id}/tiers",
        {"product_id": world.product.id, "min_orders": "100", "rate": "15"},
    )
    removed = post_form(client, f"/seller/plans/{world.plan.id}/tiers/{tier.id}/remove", {})
    assert added.status_code in (403, 404)
    assert removed.status_code in (403, 404)
    assert db.session.get(PlanRateTier, tier.id) is not None


def test_a_tier_of_another_plan_is_not_found(world, client, auth):
    other_plan = services.create_open_plan(
        world.store,
        name="Second",
        product_rates={world.other.id: 1000},
        starts_at=utcnow() - timedelta(days=1),
    )
    tier = tiers.add_tier(other_plan, world.other.id, 5, 1500)
    db.session.commit()
    with pytest.raises(TierNotFound):
        tiers.remove_tier(world.plan, tier.id)


def test_the_marketplace_card_shows_the_tiers_ahead(world, client, auth):
    tiers.add_tier(world.plan, world.product.id, 100, 1500)
    db.session.commit()
    auth.login(world.creator.email)
    page = client.get("/creator/marketplace").get_data(as_text=True)
    assert "Rises to 15% from 100 orders through the plan" in page
