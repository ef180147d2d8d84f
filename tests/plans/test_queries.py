"""What the plan pages read: the actions a seller may take on a plan (the page shows only
those), the creators grouped by where they stand, and the store plan's panel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from affiliate.plans import memberships, queries, services
from affiliate.plans.models import MembershipStatus, PlanKind
from affiliate.plans.queries import PlanActions
from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from tests.factories import make_user
from tests.shop.factories import make_product, make_store

DAY = timedelta(days=1)


@pytest.fixture
def store(app_ctx):
    return make_store(make_user(Role.SELLER), name="Glow")


def _plan(store, kind: PlanKind, **kwargs):
    rates = {make_product(store).id: 1500}
    if kind is PlanKind.TARGETED:
        plan = services.create_targeted_plan(
            store,
            name="Spring",
            product_rates=rates,
            creator_ids=[make_user(Role.CREATOR).id],
            starts_at=utcnow() - DAY,
        )
    elif kind is PlanKind.OPEN:
        plan = services.create_open_plan(
            store, name="Everyday", product_rates=rates, starts_at=utcnow() - DAY, **kwargs
        )
    else:
        plan = services.set_store_plan(store, 1000)
    db.session.commit()
    return plan


def test_a_running_open_plan_pauses_ends_and_changes_but_invites_nobody(store):
    plan = _plan(store, PlanKind.OPEN)
    assert queries.plan_actions(plan) == PlanActions(
        pause=True,
        end=True,
        change_rates=True,
        change_products=True,
        lists_products=True,
    )


def test_a_paused_plan_resumes_instead_of_pausing(store):
    plan = _plan(store, PlanKind.OPEN)
    services.pause(plan)
    actions = queries.plan_actions(plan)
    assert (actions.pause, actions.resume, actions.end) == (False, True, True)


def test_a_targeted_plan_invites_until_it_ends_and_then_nothing_changes(store):
    plan = _plan(store, PlanKind.TARGETED)
    assert queries.plan_actions(plan).invite
    services.end(plan)
    assert queries.plan_actions(plan) == PlanActions(lists_products=True)


def test_a_store_plan_has_one_rate_and_no_list(store):
    actions = queries.plan_actions(_plan(store, PlanKind.STORE))
    assert (actions.change_rates, actions.change_products, actions.invite) == (True, False, False)
    assert not actions.lists_products


def test_members_are_grouped_by_standing(store):
    plan = _plan(store, PlanKind.OPEN, manual_approval=True)
    waiting, approved, rejected = (
        memberships.join_open_plan(plan.id, make_user(Role.CREATOR).id) for _ in range(3)
    )
    memberships.decide_joiner(plan, approved.id, approve=True)
    memberships.decide_joiner(plan, rejected.id, approve=False)
    groups = queries.members_by_standing(queries.plan_members(plan))
    assert [r.membership.id for r in groups.joined] == [approved.id]
    assert [r.membership.id for r in groups.pending] == [waiting.id]
    assert [r.membership.id for r in groups.other] == [rejected.id]
    assert groups.invited == []
    assert groups.joined[0].since == approved.responded_at


def test_invited_creators_wait_in_their_own_group(store):
    plan = _plan(store, PlanKind.TARGETED)
    groups = queries.members_by_standing(queries.plan_members(plan))
    assert [r.membership.status for r in groups.invited] == [MembershipStatus.INVITED.value]


def test_the_store_plan_panel_says_whether_it_earns_and_may_change(store):
    empty = queries.store_plans(store).store_plan
    assert (empty.plan, empty.earning, empty.editable) == (None, False, True)
    plan = _plan(store, PlanKind.STORE)
    panel = queries.store_plans(store).store_plan
    assert (panel.plan.id, panel.rate.rate_bps, panel.earning) == (plan.id, 1000, True)
    services.pause(plan)
    assert not queries.store_plans(store).store_plan.earning
    services.end(plan)
    assert not queries.store_plans(store).store_plan.editable
