"""Adding to a showcase through an open plan that approves its joiners: a request, not a product."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from affiliate.plans import memberships, services, showcase
from affiliate.plans.commission.rule import Standing, applicable_rate
from affiliate.plans.exceptions import NoApplicablePlan
from affiliate.plans.models import MembershipStatus, PlanMembership, ShowcaseItem, ShowcaseRequest
from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from tests.factories import make_user
from tests.shop.factories import make_product, make_store

DAY = timedelta(days=1)


@pytest.fixture
def store(app_ctx):
    return make_store()


@pytest.fixture
def products(store):
    return [make_product(store, title=f"Item {i}", price=4000) for i in range(3)]


@pytest.fixture
def creator(app_ctx):
    return make_user(Role.CREATOR)


@pytest.fixture
def launch(store, products):
    """The store plan at 10%, and an open plan at 30% on two products that approves joiners."""
    services.set_store_plan(store, 1000, now=utcnow() - DAY)
    plan = services.create_open_plan(
        store,
        name="Launch week",
        product_rates={products[0].id: 3000, products[1].id: 3000},
        starts_at=utcnow() - DAY,
        manual_approval=True,
    )
    db.session.commit()
    return plan


def _count(model, **where) -> int:
    statement = select(func.count()).select_from(model)
    for name, value in where.items():
        statement = statement.where(getattr(model, name) == value)
    return db.session.scalar(statement)


def _membership(plan, creator) -> PlanMembership:
    return db.session.scalar(
        select(PlanMembership).where(
            PlanMembership.plan_id == plan.id, PlanMembership.creator_id == creator.id
        )
    )


def test_adding_through_an_approval_plan_sends_a_request_and_showcases_nothing(
    launch, products, creator
):
    added = memberships.add_to_showcase(creator.id, products[0].id)
    assert added.item is None
    assert added.awaiting.plan_id == launch.id
    assert added.awaiting.describe() == "30% once approved"
    assert (added.now.kind.value, added.now.rate_bps) == ("store", 1000)
    assert _membership(launch, creator).status == MembershipStatus.PENDING.value
    assert _count(ShowcaseItem) == 0
    assert _count(ShowcaseRequest, creator_id=creator.id, product_id=products[0].id) == 1
    # Not promotable meanwhile: not in the showcase, so no plan applies to a sale.
    assert applicable_rate(creator.id, products[0].id) is None


def test_adding_again_while_waiting_keeps_one_request(launch, products, creator):
    for _ in range(2):
        added = memberships.add_to_showcase(creator.id, products[0].id)
    assert added.awaiting.standing is Standing.AWAITING_APPROVAL
    memberships.add_to_showcase(creator.id, products[1].id)  # the same plan, another product
    assert _count(ShowcaseRequest, creator_id=creator.id) == 2
    assert _count(PlanMembership, creator_id=creator.id) == 1


def test_approval_puts_the_waiting_products_in_the_showcase(launch, products, creator):
    memberships.add_to_showcase(creator.id, products[0].id)
    memberships.add_to_showcase(creator.id, products[1].id)
    memberships.decide_joiner(launch, _membership(launch, creator).id, approve=True)
    mine = select(ShowcaseItem.product_id).where(ShowcaseItem.creator_id == creator.id)
    showcased = set(db.session.scalars(mine))
    assert showcased == {products[0].id, products[1].id}
    assert _count(ShowcaseRequest) == 0
    rate = applicable_rate(creator.id, products[0].id)
    assert (rate.plan_id, rate.rate_bps) == (launch.id, 3000)


def test_rejection_forgets_the_waiting_products(launch, products, creator):
    memberships.add_to_showcase(creator.id, products[0].id)
    memberships.decide_joiner(launch, _membership(launch, creator).id, approve=False)
    assert _count(ShowcaseRequest) == 0
    assert _count(ShowcaseItem) == 0
    # Rejected: the open plan is closed to her, so adding now goes by the store plan at once.
    added = memberships.add_to_showcase(creator.id, products[0].id)
    assert added.awaiting is None
    assert (added.now.kind.value, added.now.rate_bps) == ("store", 1000)
    assert added.item is not None


def test_a_showcased_product_keeps_the_rate_now_while_its_better_plan_waits(
    launch, products, creator
):
    db.session.add(ShowcaseItem(creator_id=creator.id, product_id=products[0].id))
    db.session.commit()
    added = memberships.add_to_showcase(creator.id, products[0].id)
    assert added.item is not None
    assert added.awaiting.plan_id == launch.id
    assert _membership(launch, creator).status == MembershipStatus.PENDING.value
    assert _count(ShowcaseRequest) == 0  # it is in the showcase already
    [row] = showcase.showcase_of(creator.id)
    assert (row.applied.kind.value, row.applied.rate_bps) == ("store", 1000)
    assert row.next.describe() == "30% once approved"
    memberships.decide_joiner(launch, _membership(launch, creator).id, approve=True)
    assert _count(ShowcaseItem) == 1
    [row] = showcase.showcase_of(creator.id)
    assert (row.applied.plan_id, row.applied.rate_bps, row.next) == (launch.id, 3000, None)


def test_a_product_outside_the_approval_plan_joins_at_once(launch, products, creator):
    added = memberships.add_to_showcase(creator.id, products[2].id)
    assert added.awaiting is None
    assert added.item is not None
    assert _count(PlanMembership) == 0


def test_waiting_products_are_listed_with_what_they_would_earn(launch, products, creator):
    memberships.add_to_showcase(creator.id, products[1].id)
    memberships.add_to_showcase(creator.id, products[0].id)
    rows = showcase.waiting_of(creator.id)
    assert [r.product.id for r in rows] == [products[0].id, products[1].id]
    assert {r.prospect.describe() for r in rows} == {"30% once approved"}
    services.end(launch)
    assert showcase.waiting_of(creator.id) == []


def test_an_unanswered_invitation_alone_cannot_fill_a_showcase(store, products, creator):
    plan = services.create_targeted_plan(
        store,
        name="Spring",
        product_rates={products[0].id: 2500},
        creator_ids=[creator.id],
        starts_at=utcnow() - DAY,
    )
    db.session.commit()
    with pytest.raises(NoApplicablePlan, match="Accept the invitation to “Spring” first"):
        memberships.add_to_showcase(creator.id, products[0].id)
    assert _membership(plan, creator).status == MembershipStatus.INVITED.value
    assert _count(ShowcaseItem) == 0
