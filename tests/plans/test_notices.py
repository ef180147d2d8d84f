"""Plans notify creators: invitations, answers to join requests, and rate cuts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from affiliate.plans import memberships, rates
from affiliate.plans.models import MembershipStatus, PlanKind
from core.accounts.models import Role
from core.extensions import db
from core.notifications.models import Notification
from tests.creators.factories import make_plan, member, showcase, store_plan
from tests.factories import make_user
from tests.shop.factories import make_product, make_store


@pytest.fixture
def store(app_ctx):
    return make_store(name="Glow Lab")


@pytest.fixture
def product(store):
    return make_product(store, title="Glow serum")


def notices_of(user_id: int) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
    return list(db.session.scalars(query))


def test_invited_creator_is_notified_once(store, product):
    creator = make_user(Role.CREATOR)
    plan = make_plan(store, PlanKind.TARGETED, "Spring", 2500, [product])
    memberships.invite(plan, [creator.id])
    memberships.invite(plan, [creator.id])  # asking again while the invitation waits

    notices = notices_of(creator.id)
    assert len(notices) == 1
    assert "Glow Lab invited you to “Spring”" in notices[0].message
    assert notices[0].link == "/creator/invitations"


def test_approved_joiner_is_notified(store, product):
    creator = make_user(Role.CREATOR)
    plan = make_plan(store, PlanKind.OPEN, "Everyday", 1500, [product])
    plan.manual_approval = True
    waiting = member(plan, creator.id, MembershipStatus.PENDING)
    memberships.decide_joiner(plan, waiting.id, approve=True)

    assert "approved you" in notices_of(creator.id)[0].message


def test_rejected_joiner_is_notified(store, product):
    creator = make_user(Role.CREATOR)
    plan = make_plan(store, PlanKind.OPEN, "Everyday", 1500, [product])
    waiting = member(plan, creator.id, MembershipStatus.PENDING)
    memberships.decide_joiner(plan, waiting.id, approve=False)

    assert "declined your request" in notices_of(creator.id)[0].message


def test_rate_cut_notifies_creators_promoting_the_product(store, product):
    plan = store_plan(store, 2000)
    promoting, idle = make_user(Role.CREATOR), make_user(Role.CREATOR)
    showcase(promoting.id, product)
    rates.change_rate(plan, None, 1000)

    notices = notices_of(promoting.id)
    assert len(notices) == 1
    assert "from 20% to 10%" in notices[0].message
    assert notices[0].kind == "plan.rate_cut"
    assert notices_of(idle.id) == []


def test_rate_cut_in_an_open_plan_notifies_only_its_members(store, product):
    plan = make_plan(store, PlanKind.OPEN, "Everyday", 1500, [product])
    joined, outsider = make_user(Role.CREATOR), make_user(Role.CREATOR)
    member(plan, joined.id, MembershipStatus.JOINED)
    showcase(joined.id, product)
    showcase(outsider.id, product)
    rates.change_rate(plan, product.id, 1000)

    assert len(notices_of(joined.id)) == 1
    assert notices_of(outsider.id) == []


def test_rate_raise_notifies_nobody(store, product):
    plan = store_plan(store, 1000)
    creator = make_user(Role.CREATOR)
    showcase(creator.id, product)
    rates.change_rate(plan, None, 2000)

    assert notices_of(creator.id) == []
