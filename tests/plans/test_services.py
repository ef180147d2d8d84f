"""The plan services: creating and running plans, invitations, joins and showcases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from affiliate.plans import memberships, queries, rates, services, showcase
from affiliate.plans.commission.rule import applicable_rate
from affiliate.plans.exceptions import (
    IllegalPlanTransition,
    InvalidRate,
    InvalidWindow,
    NoApplicablePlan,
    NotFound,
    NotInvited,
    PlanError,
    PlanNotJoinable,
    ProductNotInStore,
    StorePlanExists,
)
from affiliate.plans.models import (
    MembershipStatus,
    Plan,
    PlanKind,
    PlanMembership,
    PlanRate,
    PlanStatus,
    ShowcaseItem,
)
from affiliate.profiles.exceptions import NotACreator
from core.accounts.models import Role, User
from core.audit.models import AuditEvent
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import ProductStatus, Store
from tests.creators.factories import make_profile
from tests.factories import make_user
from tests.shop.factories import make_product, make_store

DAY = timedelta(days=1)


@pytest.fixture
def store(app_ctx):
    return make_store()


@pytest.fixture
def products(store):
    return [make_product(store, title=f"Item {i}") for i in range(3)]


@pytest.fixture
def creator(app_ctx):
    return make_user(Role.CREATOR)


def _open(store, products, rate=1500, **kwargs):
    kwargs.setdefault("starts_at", utcnow() - DAY)
    plan = services.create_open_plan(
        store,
        name=kwargs.pop("name", "Everyday"),
        product_rates={p.id: rate for p in products},
        **kwargs,
    )
    db.session.commit()
    return plan


def _targeted(store, products, creators, rate=2500, **kwargs):
    kwargs.setdefault("starts_at", utcnow() - DAY)
    plan = services.create_targeted_plan(
        store,
        name=kwargs.pop("name", "Spring"),
        product_rates={p.id: rate for p in products},
        creator_ids=[c.id for c in creators],
        **kwargs,
    )
    db.session.commit()
    return plan


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- rates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bps"),
    [("1", 100), ("80", 8000), ("12.5", 1250), ("12.34", 1234), (" 15 % ", 1500), ("7,5", 750)],
)
def test_parse_rate_percent_reads_percentages_with_two_decimals(text, bps):
    assert rates.parse_rate_percent(text) == bps


@pytest.mark.parametrize("text", ["0.99", "80.01", "12.345", "0", "", "abc", "-5", "100", "1e1"])
def test_parse_rate_percent_refuses_rates_outside_1_to_80_or_with_3_decimals(text):
    with pytest.raises(InvalidRate):
        rates.parse_rate_percent(text)


# --- store plans -----------------------------------------------------------------------------


def test_store_plan_is_created_then_changed_in_place_of_a_second(store):
    plan = services.set_store_plan(store, 1000)
    db.session.commit()
    assert plan.kind == PlanKind.STORE.value
    assert rates.current_rates(plan)[None].rate_bps == 1000
    again = services.set_store_plan(store, 1200)
    assert again.id == plan.id
    assert rates.current_rates(plan)[None].rate_bps == 1200
    assert _count(PlanRate) == 2  # a new row, never an edit


def test_second_store_plan_is_refused(store):
    services.create_store_plan(store, 1000)
    db.session.commit()
    with pytest.raises(StorePlanExists):
        services.create_store_plan(store, 2000)
    db.session.rollback()
    assert _count(Plan) == 1


def test_store_plan_turns_off_and_on(store):
    plan = services.set_store_plan(store, 1000, active=False)
    assert plan.status == PlanStatus.PAUSED.value
    services.set_store_plan(store, 1000, active=True)
    assert plan.status == PlanStatus.ACTIVE.value


def test_store_plan_refuses_a_bad_rate_and_writes_nothing(store):
    with pytest.raises(InvalidRate):
        services.set_store_plan(store, 99)
    with pytest.raises(InvalidRate):
        services.set_store_plan(store, 8001)
    assert _count(Plan) == 0


def test_store_plan_takes_no_product_list(store, products):
    plan = services.set_store_plan(store, 1000)
    with pytest.raises(PlanError):
        services.add_products(plan, {products[0].id: 1000})
    with pytest.raises(ProductNotInStore):
        rates.change_rate(plan, products[0].id, 1200)


# --- open and targeted plans -----------------------------------------------------------------


def test_open_plan_has_its_products_at_their_rates(store, products):
    plan = services.create_open_plan(
        store,
        name=" Everyday ",
        product_rates={products[0].id: 1500, products[1].id: 1250},
        starts_at=utcnow(),
        manual_approval=True,
    )
    assert plan.name == "Everyday"
    assert plan.manual_approval
    current = rates.current_rates(plan)
    assert {k: r.rate_bps for k, r in current.items()} == {
        products[0].id: 1500,
        products[1].id: 1250,
    }


def test_end_before_start_is_refused(store, products):
    with pytest.raises(InvalidWindow):
        services.create_open_plan(
            store,
            name="Backwards",
            product_rates={products[0].id: 1500},
            starts_at=utcnow(),
            ends_at=utcnow() - DAY,
        )
    assert _count(Plan) == 0


def test_product_of_another_store_is_refused(store, products):
    stranger = make_product(make_store())
    with pytest.raises(ProductNotInStore):
        services.create_open_plan(
            store,
            name="Mixed",
            product_rates={products[0].id: 1500, stranger.id: 1500},
            starts_at=utcnow(),
        )
    assert _count(Plan) == 0


def test_archived_product_and_empty_list_and_bad_rate_are_refused(store, products):
    products[0].status = ProductStatus.ARCHIVED.value
    db.session.commit()
    with pytest.raises(ProductNotInStore):
        services.create_open_plan(
            store, name="Old", product_rates={products[0].id: 1500}, starts_at=utcnow()
        )
    with pytest.raises(ProductNotInStore):
        services.create_open_plan(store, name="None", product_rates={}, starts_at=utcnow())
    with pytest.raises(InvalidRate):
        services.create_open_plan(
            store, name="Greedy", product_rates={products[1].id: 8001}, starts_at=utcnow()
        )
    with pytest.raises(PlanError):
        services.create_open_plan(
            store, name=" ", product_rates={products[1].id: 1500}, starts_at=utcnow()
        )
    assert _count(Plan) == 0


def test_targeted_plan_invites_creators(store, products, creator):
    plan = _targeted(store, products[:1], [creator], message="Hello")
    rows = db.session.scalars(select(PlanMembership)).all()
    assert [(m.plan_id, m.creator_id, m.status) for m in rows] == [
        (plan.id, creator.id, MembershipStatus.INVITED.value)
    ]
    assert plan.message == "Hello"


def test_inviting_a_non_creator_is_refused_and_nothing_written(store, products):
    buyer = make_user(Role.BUYER)
    with pytest.raises(NotACreator):
        _targeted(store, products[:1], [buyer])
    db.session.rollback()
    assert _count(Plan) == 0
    assert _count(PlanMembership) == 0


def test_add_and_remove_products(store, products):
    plan = _open(store, products[:1])
    services.add_products(plan, {products[1].id: 2000})
    assert {pp.product_id for pp in plan.products} == {products[0].id, products[1].id}
    with pytest.raises(PlanError):
        services.add_products(plan, {products[1].id: 2000})
    with pytest.raises(ProductNotInStore):
        services.add_products(plan, {make_product(make_store()).id: 2000})
    services.remove_product(plan, products[1].id)
    assert [row.product.id for row in queries.plan_products(plan)] == [products[0].id]
    with pytest.raises(ProductNotInStore):
        services.remove_product(plan, products[1].id)


# --- rate changes ----------------------------------------------------------------------------


def test_raise_applies_at_once_and_is_audited(store, products):
    plan = _open(store, products[:1])
    now = utcnow()
    rate = rates.change_rate(plan, products[0].id, 2000, now=now)
    assert rate.effective_at == now
    assert rates.current_rates(plan, now)[products[0].id].rate_bps == 2000
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.rate_changed"))
    assert [(e.from_state, e.to_state) for e in event] == [("15%", "20%")]


def test_cut_without_showcases_applies_at_once(store, products):
    plan = _open(store, products[:1])
    rate = rates.change_rate(plan, products[0].id, 1000)
    assert rate.effective_at <= utcnow()


def test_cut_on_a_showcased_product_waits_for_the_notice(store, products, creator):
    plan = _open(store, products[:1])
    memberships.add_to_showcase(creator.id, products[0].id)
    now = utcnow()
    rate = rates.change_rate(plan, products[0].id, 1000, now=now, notice_days=30)
    assert rate.effective_at == now + 30 * DAY
    assert rate.announced_at == now
    assert rates.current_rates(plan, now)[products[0].id].rate_bps == 1500
    assert rates.current_rates(plan, now + 31 * DAY)[products[0].id].rate_bps == 1000
    assert [r.rate_bps for r in rates.scheduled_rates(plan, now)] == [1000]
    # A raise before the cut takes effect supersedes it.
    rates.change_rate(plan, products[0].id, 1800, now=now + DAY)
    assert rates.scheduled_rates(plan, now + DAY) == []
    assert rates.current_rates(plan, now + 40 * DAY)[products[0].id].rate_bps == 1800


def test_store_plan_cut_waits_when_any_store_product_is_showcased(store, products, creator):
    plan = services.set_store_plan(store, 1000)
    db.session.commit()
    memberships.add_to_showcase(creator.id, products[2].id)
    rate = rates.change_rate(plan, None, 500, notice_days=7)
    assert rate.effective_at > utcnow() + 6 * DAY


def test_change_rate_refuses_bad_rate_and_unknown_product(store, products):
    plan = _open(store, products[:1])
    with pytest.raises(InvalidRate):
        rates.change_rate(plan, products[0].id, 50)
    with pytest.raises(ProductNotInStore):
        rates.change_rate(plan, products[1].id, 1500)


# --- status ----------------------------------------------------------------------------------


def test_pause_resume_end_and_end_is_final(store, products):
    plan = _open(store, products[:1])
    services.pause(plan)
    assert plan.status == PlanStatus.PAUSED.value
    with pytest.raises(IllegalPlanTransition):
        services.pause(plan)
    services.resume(plan)
    services.end(plan)
    assert plan.status == PlanStatus.ENDED.value
    for move in (services.pause, services.resume, services.end):
        with pytest.raises(IllegalPlanTransition):
            move(plan)
    with pytest.raises(IllegalPlanTransition):
        rates.change_rate(plan, products[0].id, 2000)
    actions = db.session.scalars(
        select(AuditEvent.to_state).where(AuditEvent.action == "plan.status_changed")
    ).all()
    assert actions == ["paused", "active", "ended"]


# --- invitations -----------------------------------------------------------------------------


def test_creator_accepts_an_invitation_and_earns_the_targeted_rate(store, products, creator):
    _open(store, products[:1], rate=1500)
    plan = _targeted(store, products[:1], [creator], rate=2500)
    membership = queries.invitations_for(creator.id)[0]
    assert membership.plan.id == plan.id
    assert membership.plan.store.id == store.id
    memberships.respond_to_invitation(membership.id, creator.id, accept=True)
    assert membership.status == MembershipStatus.ACCEPTED.value
    assert queries.invitations_for(creator.id) == []
    assert [m.plan_id for m in queries.memberships_for(creator.id)] == [plan.id]
    memberships.add_to_showcase(creator.id, products[0].id)
    applied = applicable_rate(creator.id, products[0].id)
    assert (applied.kind, applied.rate_bps) == (PlanKind.TARGETED, 2500)


def test_accepting_an_invitation_addressed_to_another_creator_is_refused(store, products, creator):
    other = make_user(Role.CREATOR)
    _targeted(store, products[:1], [creator])
    membership = queries.invitations_for(creator.id)[0]
    with pytest.raises(NotInvited):
        memberships.respond_to_invitation(membership.id, other.id, accept=True)
    assert membership.status == MembershipStatus.INVITED.value
    with pytest.raises(NotFound):
        memberships.respond_to_invitation(999_999, creator.id, accept=True)


def test_invitation_answers_once_and_not_on_an_ended_plan(store, products, creator):
    plan = _targeted(store, products[:1], [creator])
    membership = queries.invitations_for(creator.id)[0]
    memberships.respond_to_invitation(membership.id, creator.id, accept=False)
    with pytest.raises(NotInvited):
        memberships.respond_to_invitation(membership.id, creator.id, accept=True)
    # Inviting a declined creator again re-opens the invitation, even on a running plan.
    [again] = memberships.invite(plan, [creator.id])
    assert again.id == membership.id
    assert again.status == MembershipStatus.INVITED.value
    services.end(plan)
    with pytest.raises(PlanNotJoinable):
        memberships.respond_to_invitation(membership.id, creator.id, accept=True)
    with pytest.raises(IllegalPlanTransition):
        memberships.invite(plan, [creator.id])


def test_invite_adds_creators_to_a_running_plan_and_refuses_non_creators(store, products, creator):
    plan = _targeted(store, products[:1], [creator])
    newcomer = make_user(Role.CREATOR)
    invited = memberships.invite(plan, [creator.id, newcomer.id])
    assert {m.creator_id for m in invited} == {creator.id, newcomer.id}
    with pytest.raises(NotACreator):
        memberships.invite(plan, [make_user(Role.SELLER).id])
    with pytest.raises(PlanNotJoinable):
        memberships.invite(_open(store, products[:1]), [creator.id])


def test_find_creator_ids_by_handle_and_email(app_ctx):
    profile = make_profile(handle="cleo_makes")
    user = db.session.get(User, profile.user_id)
    ids = memberships.find_creator_ids(["@cleo_makes", user.email.upper()])
    assert ids == [profile.user_id]
    with pytest.raises(NotACreator):
        memberships.find_creator_ids(["nobody-here"])
    buyer = make_user(Role.BUYER)
    with pytest.raises(NotACreator):
        memberships.find_creator_ids([buyer.email])


# --- joining open plans ----------------------------------------------------------------------


def test_join_open_plan_at_once_and_idempotent(store, products, creator):
    plan = _open(store, products[:1])
    membership = memberships.join_open_plan(plan.id, creator.id)
    assert membership.status == MembershipStatus.JOINED.value
    assert memberships.join_open_plan(plan.id, creator.id).id == membership.id


def test_join_with_manual_approval_waits_for_the_seller(store, products, creator):
    plan = _open(store, products[:1], manual_approval=True)
    membership = memberships.join_open_plan(plan.id, creator.id)
    assert membership.status == MembershipStatus.PENDING.value
    memberships.decide_joiner(plan, membership.id, approve=True)
    assert membership.status == MembershipStatus.JOINED.value
    with pytest.raises(IllegalPlanTransition):
        memberships.decide_joiner(plan, membership.id, approve=False)
    other = make_user(Role.CREATOR)
    rejected = memberships.join_open_plan(plan.id, other.id)
    memberships.decide_joiner(plan, rejected.id, approve=False)
    with pytest.raises(PlanNotJoinable):
        memberships.join_open_plan(plan.id, other.id)
    with pytest.raises(NotFound):
        memberships.decide_joiner(_open(store, products[:1], name="B"), membership.id, approve=True)


@pytest.mark.parametrize("move", ["pause", "end"])
def test_joining_a_paused_or_ended_plan_is_refused(store, products, creator, move):
    plan = _open(store, products[:1])
    getattr(services, move)(plan)
    db.session.commit()
    with pytest.raises(PlanNotJoinable):
        memberships.join_open_plan(plan.id, creator.id)
    assert _count(PlanMembership) == 0


def test_joining_a_plan_not_started_or_targeted_or_as_non_creator_is_refused(
    store, products, creator
):
    later = _open(store, products[:1], starts_at=utcnow() + DAY)
    with pytest.raises(PlanNotJoinable):
        memberships.join_open_plan(later.id, creator.id)
    targeted = _targeted(store, products[:1], [creator])
    with pytest.raises(PlanNotJoinable):
        memberships.join_open_plan(targeted.id, creator.id)
    with pytest.raises(NotACreator):
        memberships.join_open_plan(_open(store, products[:1]).id, make_user(Role.BUYER).id)
    with pytest.raises(NotFound):
        memberships.join_open_plan(999_999, creator.id)


# --- showcases -------------------------------------------------------------------------------


def test_add_to_showcase_joins_the_open_plan_that_applies(store, products, creator):
    services.set_store_plan(store, 1000)
    plan = _open(store, products[:1], rate=1500)
    item = memberships.add_to_showcase(creator.id, products[0].id).item
    assert memberships.add_to_showcase(creator.id, products[0].id).item.id == item.id
    membership = db.session.scalar(select(PlanMembership))
    assert (membership.plan_id, membership.status) == (plan.id, MembershipStatus.JOINED.value)
    # The store plan covers the other products, without joining anything.
    memberships.add_to_showcase(creator.id, products[1].id)
    rows = showcase.showcase_of(creator.id)
    assert {(r.product.id, r.applied.kind, r.applied.rate_bps) for r in rows} == {
        (products[0].id, PlanKind.OPEN, 1500),
        (products[1].id, PlanKind.STORE, 1000),
    }
    assert _count(PlanMembership) == 1


def test_add_to_showcase_without_a_plan_is_refused(store, products, creator):
    with pytest.raises(NoApplicablePlan):
        memberships.add_to_showcase(creator.id, products[0].id)
    with pytest.raises(NotFound):
        memberships.add_to_showcase(creator.id, 999_999)
    assert _count(ShowcaseItem) == 0


def test_remove_from_showcase(store, products, creator):
    services.set_store_plan(store, 1000)
    memberships.add_to_showcase(creator.id, products[0].id)
    assert showcase.remove_from_showcase(creator.id, products[0].id) is True
    assert showcase.remove_from_showcase(creator.id, products[0].id) is False


def test_showcase_of_uses_two_queries_whatever_its_size(store, creator, count_queries):
    services.set_store_plan(store, 1000)
    for i in range(6):
        memberships.add_to_showcase(creator.id, make_product(store, title=f"S{i}").id)
    db.session.commit()
    name, creator_id = store.name, creator.id
    db.session.expunge_all()
    before = count_queries.count
    rows = showcase.showcase_of(creator_id)
    assert [r.product.store.name for r in rows] == [name] * 6
    assert all(r.applied.rate_bps == 1000 for r in rows)
    assert count_queries.count - before <= 3


def test_plans_of_store_and_counts(store, products, creator):
    services.set_store_plan(store, 1000)
    open_plan = _open(store, products[:1])
    memberships.join_open_plan(open_plan.id, creator.id)
    targeted = _targeted(store, products[:2], [creator, make_user(Role.CREATOR)])
    plans = queries.plans_of_store(store.id)
    assert plans[0].kind == PlanKind.STORE.value
    assert queries.plans_of_store(make_store().id) == []
    counts = queries.plan_counts([open_plan.id, targeted.id])
    assert (counts[open_plan.id].joined, counts[open_plan.id].products) == (1, 1)
    assert (counts[targeted.id].invited, counts[targeted.id].products) == (2, 2)


# --- demo ------------------------------------------------------------------------------------


def test_demo_seeds_glow_and_co_plans_once(app, app_ctx):
    def seed() -> None:
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output

    seed()
    glow = db.session.scalar(select(Store.id).where(Store.handle == "glow-and-co"))
    plans = db.session.scalars(select(Plan).where(Plan.store_id == glow).order_by(Plan.id)).all()
    assert [(p.kind, p.name) for p in plans] == [
        ("store", "Store plan"),
        ("open", "Everyday glow"),
        ("open", "Launch week"),
        ("targeted", "Spring launch"),
        ("targeted", "Creator series"),  # the demo flat fee's (demo/flat_fees.py)
    ]
    assert plans[2].manual_approval
    assert rates.current_rates(plans[0])[None].rate_bps == 1000
    assert {r.rate_bps for r in rates.current_rates(plans[1]).values()} == {1500}
    creator = db.session.scalar(select(User).where(User.email == "creator@example.com"))
    [invitation] = queries.invitations_for(creator.id)
    assert (invitation.plan.name, invitation.plan.store.handle) == ("Spring launch", "glow-and-co")
    joined = _count(PlanMembership)  # the invitation, and the joins of demo showcases
    seed()
    assert _count(Plan) == 6  # Glow & Co's five and Maison Lumière's store plan
    assert _count(PlanMembership) == joined
