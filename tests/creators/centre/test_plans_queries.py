"""The centre's rows over the creator's plans: each says what the creator may do and what a sale
pays, so that the pages ask rather than compare states or compute money."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from affiliate.creators.centre.queries import plans
from affiliate.plans import queries as plan_queries
from affiliate.plans import showcase as plan_showcase
from affiliate.plans.models import MembershipStatus, PlanStatus
from core.accounts.models import Role
from core.extensions import db
from tests.creators.factories import member, open_plan, showcase, targeted_plan
from tests.factories import make_user
from tests.shop.factories import make_product, make_store


@pytest.fixture
def world(app_ctx):
    """Cara showcases a kettle (open plan, 15%) and is invited to a targeted plan at 25%."""
    cara = make_user(Role.CREATOR)
    store = make_store(name="Alpha Goods")
    kettle = make_product(store, title="Alpha kettle", price=10000)
    everyday = open_plan(store, 1500, [kettle], name="Everyday")
    member(everyday, cara.id, MembershipStatus.JOINED)
    spring = targeted_plan(store, 2500, [kettle], name="Spring launch")
    invitation = member(spring, cara.id)
    showcase(cara.id, kettle)
    return SimpleNamespace(cara=cara, kettle=kettle, spring=spring, invitation=invitation)


def _rows(creator_id: int) -> dict[str, plans.MembershipRow]:
    memberships = plan_queries.memberships_for(creator_id)
    return {row.plan.name: row for row in plans.membership_rows(memberships)}


def test_a_membership_row_reads_its_status_and_offers_an_answer_only_when_invited(world):
    rows = _rows(world.cara.id)

    assert (rows["Spring launch"].label, rows["Spring launch"].can_answer) == (
        "Waiting for your answer",
        True,
    )
    assert (rows["Everyday"].label, rows["Everyday"].badge) == ("Joined", "text-bg-success")
    assert not rows["Everyday"].can_answer
    assert rows["Everyday"].plan_note is None


def test_a_paused_plan_says_so(world):
    world.spring.status = PlanStatus.PAUSED.value
    db.session.commit()

    assert _rows(world.cara.id)["Spring launch"].plan_note == "paused"
    [invitation] = plans.invitations(world.cara.id, plan_queries.invitations_for(world.cara.id))
    assert invitation.idle_note == "the plan is paused"


def test_an_invitation_says_what_a_sale_pays_once_accepted(world):
    [invitation] = plans.invitations(world.cara.id, plan_queries.invitations_for(world.cara.id))

    assert invitation.idle_note is None
    [item] = invitation.products
    assert item.product.id == world.kettle.id
    assert item.commission_if_accepted == 2500  # 25% of $100.00


def test_a_showcase_entry_says_what_a_sale_pays_now_and_once_answered(world):
    [entry] = plans.showcase_entries(plan_showcase.showcase_of(world.cara.id))

    assert entry.commission_now == 1500  # the open plan's 15%
    assert entry.commission_next == 2500  # the targeted plan's 25%, if she accepts
    assert entry.can_answer_invitation
    assert not entry.awaits_approval
