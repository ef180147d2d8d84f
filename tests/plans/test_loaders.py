"""The plan pages' loaders: an id names the seller's plan (404 missing, 403 another store's),
a membership of that plan, or a sample request of its creator or store (anybody else's: 404)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.exceptions import Forbidden, NotFound

from affiliate.plans import memberships, services
from affiliate.plans.loaders import get_membership_or_404, get_plan_or_404
from affiliate.plans.samples.loaders import get_sample_or_404
from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from tests.factories import make_user
from tests.plans.helpers_samples import ask, make_world
from tests.shop.factories import make_product, make_store


@pytest.fixture
def plans(app_ctx):
    mine = make_store(make_user(Role.SELLER), name="Mine")
    theirs = make_store(make_user(Role.SELLER), name="Theirs")

    def plan_of(store, name):
        return services.create_open_plan(
            store,
            name=name,
            product_rates={make_product(store).id: 1500},
            starts_at=utcnow() - timedelta(days=1),
        )

    plan, other = plan_of(mine, "Everyday"), plan_of(theirs, "Elsewhere")
    db.session.commit()
    return mine, plan, other


def test_a_plan_of_the_store_is_loaded(plans):
    mine, plan, _ = plans
    assert get_plan_or_404(plan.id, owner=mine) is plan


def test_another_stores_plan_is_403_and_a_missing_one_404(plans):
    mine, _, other = plans
    with pytest.raises(Forbidden):
        get_plan_or_404(other.id, owner=mine)
    with pytest.raises(Forbidden):
        get_plan_or_404(other.id, owner=None)  # a seller without a store
    for missing in (999_999, 2**64):
        with pytest.raises(NotFound):
            get_plan_or_404(missing, owner=mine)


def test_a_membership_loads_through_its_plan_or_for_its_creator(plans):
    _, plan, other = plans
    creator = make_user(Role.CREATOR)
    membership = memberships.join_open_plan(plan.id, creator.id)
    db.session.commit()
    assert get_membership_or_404(membership.id, plan=plan) is membership
    assert get_membership_or_404(membership.id, creator_id=creator.id) is membership
    stranger = make_user(Role.CREATOR)
    for kwargs in ({"plan": other}, {"creator_id": stranger.id}, {}):
        with pytest.raises(NotFound):
            get_membership_or_404(membership.id, **kwargs)
    with pytest.raises(NotFound):
        get_membership_or_404(999_999, plan=plan)


def test_a_sample_request_is_its_creators_and_its_stores_and_nobody_elses(app_ctx):
    world = make_world()
    sample = ask(world)
    assert get_sample_or_404(sample.id, creator_id=world.creator.id) is sample
    assert get_sample_or_404(sample.id, store=world.store) is sample
    stranger = make_user(Role.CREATOR)
    other_store = make_store(make_user(Role.SELLER), name="Elsewhere")
    for kwargs in ({"creator_id": stranger.id}, {"store": other_store}, {}):
        with pytest.raises(NotFound):
            get_sample_or_404(sample.id, **kwargs)
    with pytest.raises(NotFound):
        get_sample_or_404(999_999, creator_id=world.creator.id)
