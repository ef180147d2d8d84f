"""The rule's outlook: the rate now, and what a plan waiting for an answer would make it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from affiliate.plans.commission.outlook import rate_outlooks
from affiliate.plans.commission.rule import Standing, applicable_rate
from affiliate.plans.models import MembershipStatus, PlanKind
from core.accounts.models import Role
from core.types import utcnow
from tests.factories import make_user
from tests.plans.helpers_rule import add_member, make_plan, showcase
from tests.shop.factories import make_product, make_store

TARGETED, OPEN, STORE = PlanKind.TARGETED, PlanKind.OPEN, PlanKind.STORE
M = MembershipStatus


@pytest.fixture
def world(app_ctx):
    store = make_store()
    product = make_product(store, price=4000)
    creator = make_user(Role.CREATOR)
    return SimpleNamespace(store=store, product=product, creator_id=creator.id, now=utcnow())


def _approval_plan(world, rate=3000, name="Launch week"):
    return make_plan(
        world.store,
        OPEN,
        name,
        rate,
        products=[world.product],
        now=world.now,
        manual_approval=True,
    )


def _outlook(world, *, prospective=True):
    found = rate_outlooks(world.creator_id, [world.product.id], world.now, prospective=prospective)
    return found.get(world.product.id)


# --- an open plan that approves joiners counts only once the creator is approved -------------


@pytest.mark.parametrize(
    ("standing", "prospective", "applies"),
    [
        (None, True, False),
        (M.PENDING.value, True, False),
        (M.PENDING.value, False, False),
        (M.LEFT.value, True, False),
        (M.REJECTED.value, True, False),
        (M.JOINED.value, True, True),
        (M.JOINED.value, False, True),
    ],
)
def test_an_approval_plan_is_the_rate_now_only_once_approved(world, standing, prospective, applies):
    plan = _approval_plan(world)
    if standing is not None:
        add_member(plan, world.creator_id, standing)
    found = applicable_rate(world.creator_id, world.product.id, world.now, prospective=prospective)
    assert (found.plan_id if found else None) == (plan.id if applies else None)


def test_a_pending_request_shows_as_what_it_would_become_never_as_the_rate_now(world):
    """The reported bug: open 30% waiting for approval, store 10%: a sale pays 10% now."""
    make_plan(world.store, STORE, "Storewide", 1000, now=world.now)
    plan = _approval_plan(world)
    add_member(plan, world.creator_id, M.PENDING.value)

    outlook = _outlook(world)
    assert (outlook.now.plan_name, outlook.now.rate_bps) == ("Storewide", 1000)
    assert outlook.now.commission_on(world.product.price) == 400
    assert outlook.next.standing is Standing.AWAITING_APPROVAL
    assert (outlook.next.plan_id, outlook.next.rate_bps) == (plan.id, 3000)
    assert outlook.next.describe() == "30% once approved"
    assert outlook.next.commission_on(world.product.price) == 1200
    assert outlook.to_ask == outlook.next
    # Adding it now asks to join: it waits outside the showcase, so it earns nothing yet.
    assert outlook.by_adding is None


def test_an_approval_plan_not_asked_yet_is_a_prospect_to_ask_for(world):
    make_plan(world.store, STORE, "Storewide", 1000, now=world.now)
    _approval_plan(world)
    outlook = _outlook(world)
    assert outlook.now.rate_bps == 1000
    assert outlook.next.standing is Standing.NEEDS_APPROVAL
    assert outlook.next.describe() == "30% if the seller approves you"
    # In the showcase (not prospective), a plan never asked for is no prospect.
    showcase(world.creator_id, world.product)
    assert _outlook(world, prospective=False).prospects == ()


def test_an_invitation_shows_as_what_accepting_would_bring(world):
    make_plan(world.store, OPEN, "Everyday", 1500, products=[world.product], now=world.now)
    spring = make_plan(world.store, TARGETED, "Spring", 2500, products=[world.product])
    add_member(spring, world.creator_id, M.INVITED.value)

    outlook = _outlook(world)
    assert (outlook.now.plan_name, outlook.now.rate_bps) == ("Everyday", 1500)
    assert outlook.next.describe() == "25% if you accept"
    assert outlook.if_granted(spring.id) == outlook.next
    assert outlook.to_ask is None  # an invitation is the creator's to answer, not the seller's
    assert outlook.by_adding == outlook.now


def test_the_best_prospect_comes_first_and_to_ask_skips_invitations(world):
    make_plan(world.store, STORE, "Storewide", 1000, now=world.now)
    launch = _approval_plan(world)
    add_member(launch, world.creator_id, M.PENDING.value)
    spring = make_plan(world.store, TARGETED, "Spring", 2000, products=[world.product])
    add_member(spring, world.creator_id, M.INVITED.value)

    outlook = _outlook(world)
    assert [p.plan_name for p in outlook.prospects] == ["Spring", "Launch week"]
    assert outlook.next.describe() == "20% if you accept"  # targeted wins, even at a lower rate
    assert outlook.to_ask.plan_id == launch.id


def test_a_waiting_plan_that_would_not_win_is_no_prospect(world):
    make_plan(world.store, OPEN, "Everyday", 4000, products=[world.product], now=world.now)
    plan = _approval_plan(world, rate=3000)
    add_member(plan, world.creator_id, M.PENDING.value)
    outlook = _outlook(world)
    assert outlook.now.rate_bps == 4000  # open beats open by rate: approval would change nothing
    assert outlook.prospects == ()
    assert outlook.if_granted(plan.id) is None


def test_only_a_prospect_and_no_rate_now(world):
    plan = _approval_plan(world)
    add_member(plan, world.creator_id, M.PENDING.value)
    outlook = _outlook(world)
    assert outlook.now is None
    assert outlook.next.plan_id == plan.id


@pytest.mark.parametrize("state", ["paused", "ended", "expired", "not_started"])
def test_a_plan_that_is_not_running_is_no_prospect(world, state):
    plan = make_plan(
        world.store,
        OPEN,
        "Launch week",
        3000,
        products=[world.product],
        now=world.now,
        manual_approval=True,
        state=state,
    )
    add_member(plan, world.creator_id, M.PENDING.value)
    assert _outlook(world) is None


def test_the_rate_now_of_the_outlook_is_the_rule(world):
    """One rule: the outlook's rate now is exactly what ``applicable_rate`` answers."""
    make_plan(world.store, STORE, "Storewide", 1000, now=world.now)
    make_plan(world.store, OPEN, "Everyday", 1500, products=[world.product], now=world.now)
    launch = _approval_plan(world, rate=3000)
    add_member(launch, world.creator_id, M.PENDING.value)
    for prospective in (False, True):
        if not prospective:
            showcase(world.creator_id, world.product)
        rule_says = applicable_rate(
            world.creator_id, world.product.id, world.now, prospective=prospective
        )
        assert _outlook(world, prospective=prospective).now == rule_says


def test_one_statement_for_many_products(world, count_queries):
    others = [make_product(world.store) for _ in range(5)]
    make_plan(world.store, STORE, "Storewide", 1000, now=world.now)
    plan = make_plan(
        world.store,
        OPEN,
        "Launch week",
        3000,
        products=[world.product, *others],
        now=world.now,
        manual_approval=True,
    )
    add_member(plan, world.creator_id, M.PENDING.value)
    ids = [world.product.id, *(p.id for p in others)]
    before = count_queries.count
    found = rate_outlooks(world.creator_id, ids, world.now, prospective=True)
    assert count_queries.count - before == 1
    assert {o.next.rate_bps for o in found.values()} == {3000}
