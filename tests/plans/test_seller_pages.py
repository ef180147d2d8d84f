"""The seller's plan pages: list, create, one plan and its actions, and who may see them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from affiliate.plans import memberships, queries, rates, services
from affiliate.plans.models import (
    MembershipStatus,
    Plan,
    PlanKind,
    PlanMembership,
    PlanRate,
    PlanStatus,
)
from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from tests.conftest import Auth, post_form
from tests.creators.factories import make_profile
from tests.factories import make_user
from tests.shop.factories import make_product, make_store

DAY = timedelta(days=1)


@pytest.fixture
def seller(app_ctx):
    user = make_user(Role.SELLER, email="sam@example.com")
    store = make_store(owner=user, name="Glow")
    products = [make_product(store, title=f"Item {i}") for i in range(2)]
    return user, store, products


@pytest.fixture
def signed_in(client, seller):
    Auth(client).login("sam@example.com")
    return client


def _open_plan(store, products, name="Everyday", **kwargs):
    plan = services.create_open_plan(
        store,
        name=name,
        product_rates={p.id: 1500 for p in products},
        starts_at=utcnow() - DAY,
        **kwargs,
    )
    db.session.commit()
    return plan


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- who may see -----------------------------------------------------------------------------


def test_plans_need_a_signed_in_seller(client, app_ctx):
    assert client.get("/seller/plans/").status_code in (302, 401)
    make_user(Role.BUYER, email="bea@example.com")
    Auth(client).login("bea@example.com")
    assert client.get("/seller/plans/").status_code == 403


def test_seller_without_a_store_is_asked_to_open_one(client, app_ctx):
    make_user(Role.SELLER, email="new@example.com")
    Auth(client).login("new@example.com")
    page = client.get("/seller/plans/")
    assert page.status_code == 200
    assert "Open your store first" in page.get_data(as_text=True)


def test_empty_list_explains_the_plans(signed_in):
    page = signed_in.get("/seller/plans/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "No open or targeted plans yet" in text
    assert "No store plan yet" in text


def test_another_stores_plan_is_403_and_unchanged(signed_in, app_ctx):
    other_store = make_store()
    plan = _open_plan(other_store, [make_product(other_store)])
    plan_id = plan.id
    assert signed_in.get(f"/seller/plans/{plan_id}").status_code == 403
    assert signed_in.get("/seller/plans/999999").status_code == 404
    for action in ("pause", "end"):
        assert post_form(signed_in, f"/seller/plans/{plan_id}/{action}").status_code == 403
    response = post_form(signed_in, f"/seller/plans/{plan_id}/rate", {"rate": "5"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Plan, plan_id).status == PlanStatus.ACTIVE.value
    assert _count(PlanRate) == 1
    assert "Everyday" not in signed_in.get("/seller/plans/").get_data(as_text=True)


def test_forms_need_the_csrf_token(signed_in, seller):
    _, store, products = seller
    plan = _open_plan(store, products)
    assert signed_in.post(f"/seller/plans/{plan.id}/pause").status_code == 400
    assert signed_in.post("/seller/plans/store-plan", data={"rate": "10"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).status == PlanStatus.ACTIVE.value


# --- the list --------------------------------------------------------------------------------


def test_store_plan_card_sets_the_rate_and_turns_it_off(signed_in, seller):
    _, store, _ = seller
    response = post_form(signed_in, "/seller/plans/store-plan", {"rate": "10", "active": "y"})
    assert response.status_code == 302
    text = signed_in.get("/seller/plans/").get_data(as_text=True)
    assert "10%" in text
    response = post_form(signed_in, "/seller/plans/store-plan", {"rate": "12.5"})
    assert response.status_code == 302
    plan = services.get_store_plan(store.id)
    assert plan.status == PlanStatus.PAUSED.value
    assert rates.current_rates(plan)[None].rate_bps == 1250


@pytest.mark.parametrize("rate", ["0.99", "80.01", "12.345", "lots"])
def test_store_plan_with_a_bad_rate_is_400_and_nothing_written(signed_in, rate):
    response = post_form(signed_in, "/seller/plans/store-plan", {"rate": rate, "active": "y"})
    assert response.status_code == 400
    assert "between 1% and 80%" in response.get_data(as_text=True)
    assert _count(Plan) == 0


def test_list_shows_plans_with_status_and_joined_creators(signed_in, seller):
    _, store, products = seller
    plan = _open_plan(store, products)
    memberships.join_open_plan(plan.id, make_user(Role.CREATOR).id)
    paused = _open_plan(store, products[:1], name="Quiet")
    services.pause(paused)
    db.session.commit()
    text = signed_in.get("/seller/plans/").get_data(as_text=True)
    assert "Everyday" in text
    assert "Quiet" in text
    assert "1 joined" in text
    assert "Paused" in text


def test_list_runs_the_same_number_of_statements_for_2_and_12_plans(
    signed_in, seller, count_queries
):
    _, store, products = seller
    services.set_store_plan(store, 1000)

    def add_plans(count: int, start: int) -> None:
        for i in range(start, start + count):
            plan = _open_plan(store, products, name=f"Plan {i}")
            memberships.join_open_plan(plan.id, make_user(Role.CREATOR).id)
        db.session.commit()

    def statements() -> int:
        before = count_queries.count
        page = signed_in.get("/seller/plans/")
        assert page.status_code == 200
        return count_queries.count - before

    add_plans(2, 0)
    with_two = statements()
    add_plans(10, 2)
    with_twelve = statements()
    assert with_two == with_twelve
    assert "Plan 11" in signed_in.get("/seller/plans/").get_data(as_text=True)


# --- creating plans --------------------------------------------------------------------------


def _plan_form(products, rate="15", **extra):
    data = {
        "name": "Everyday glow",
        "starts_on": utcnow().date().isoformat(),
        "product_id": [str(p.id) for p in products],
        **{f"rate-{p.id}": rate for p in products},
    }
    data.update(extra)
    return data


def test_create_open_plan(signed_in, seller):
    _, _, products = seller
    page = signed_in.get("/seller/plans/open/new")
    assert page.status_code == 200
    assert "Item 0" in page.get_data(as_text=True)
    response = post_form(
        signed_in, "/seller/plans/open/new", _plan_form(products, manual_approval="y")
    )
    assert response.status_code == 302
    plan = db.session.scalar(select(Plan))
    assert (plan.kind, plan.name, plan.manual_approval) == (
        PlanKind.OPEN.value,
        "Everyday glow",
        True,
    )
    assert {r.rate_bps for r in rates.current_rates(plan).values()} == {1500}
    assert signed_in.get(response.location).status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rate": "0.99"}, "between 1% and 80%"),
        ({"rate": "80.01"}, "between 1% and 80%"),
        ({"rate": "15.125"}, "at most two decimals"),
        ({"ends_on": "2000-01-01"}, "end date must come after"),
        ({"name": ""}, "Give the plan a name"),
        ({"products": []}, "at least one product"),
    ],
)
def test_create_open_plan_bad_input_is_400_and_nothing_written(signed_in, seller, change, message):
    _, _, products = seller
    change = dict(change)
    data = _plan_form(change.pop("products", products), rate=change.pop("rate", "15"), **change)
    response = post_form(signed_in, "/seller/plans/open/new", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(Plan) == 0


def test_create_plan_with_a_product_of_another_store_is_refused(signed_in, seller, app_ctx):
    _, _, products = seller
    stranger = make_product(make_store())
    response = post_form(signed_in, "/seller/plans/open/new", _plan_form([products[0], stranger]))
    assert response.status_code == 400
    assert "not one of your store" in response.get_data(as_text=True)
    assert _count(Plan) == 0


def test_create_targeted_plan_from_the_directory_and_by_handle(signed_in, seller, app_ctx):
    _, _, products = seller
    picked = make_user(Role.CREATOR, display_name="Picked Pat")
    profile = make_profile(handle="cleo_makes")
    page = signed_in.get(f"/seller/plans/targeted/new?creator_ids={picked.id}")
    assert "Picked Pat" in page.get_data(as_text=True)
    data = _plan_form(
        products[:1],
        rate="25",
        name="Spring launch",
        message="Try our spring range",
        creator_ids=[str(picked.id)],
        creators="@cleo_makes",
    )
    response = post_form(signed_in, "/seller/plans/targeted/new", data)
    assert response.status_code == 302
    plan = db.session.scalar(select(Plan))
    assert plan.kind == PlanKind.TARGETED.value
    invited = db.session.scalars(select(PlanMembership.creator_id)).all()
    assert sorted(invited) == sorted([picked.id, profile.user_id])


def test_targeted_plan_inviting_a_non_creator_is_400(signed_in, seller, app_ctx):
    _, _, products = seller
    buyer = make_user(Role.BUYER, email="bea@example.com")
    data = _plan_form(products[:1], creators=buyer.email)
    response = post_form(signed_in, "/seller/plans/targeted/new", data)
    assert response.status_code == 400
    assert "not a creator" in response.get_data(as_text=True)
    response = post_form(signed_in, "/seller/plans/targeted/new", _plan_form(products[:1]))
    assert response.status_code == 400
    assert _count(Plan) == 0


# --- one plan --------------------------------------------------------------------------------


def test_plan_page_pause_resume_end(signed_in, seller):
    _, store, products = seller
    plan = _open_plan(store, products)
    plan_id = plan.id
    text = signed_in.get(f"/seller/plans/{plan_id}").get_data(as_text=True)
    assert "Item 0" in text
    assert "15%" in text
    for action, status in (("pause", "paused"), ("resume", "active"), ("end", "ended")):
        assert post_form(signed_in, f"/seller/plans/{plan_id}/{action}").status_code == 302
        db.session.expire_all()
        assert db.session.get(Plan, plan_id).status == status
    response = post_form(signed_in, f"/seller/plans/{plan_id}/resume")
    assert response.status_code == 409
    assert "ending is final" in response.get_data(as_text=True)


def test_plan_page_changes_a_rate_and_shows_a_scheduled_cut(signed_in, seller, app_ctx):
    _, store, products = seller
    plan = _open_plan(store, products)
    creator = make_user(Role.CREATOR)
    memberships.add_to_showcase(creator.id, products[0].id)
    db.session.commit()
    path = f"/seller/plans/{plan.id}/rate"
    response = post_form(signed_in, path, {"product_id": products[1].id, "rate": "20"})
    assert response.status_code == 302
    response = post_form(signed_in, path, {"product_id": products[0].id, "rate": "10"})
    assert response.status_code == 302
    scheduled = rates.scheduled_rates(plan)
    assert [(r.product_id, r.rate_bps) for r in scheduled] == [(products[0].id, 1000)]
    text = signed_in.get(f"/seller/plans/{plan.id}").get_data(as_text=True)
    assert "→ 10%" in text
    assert "20%" in text
    response = post_form(signed_in, path, {"product_id": products[0].id, "rate": "0.5"})
    assert response.status_code == 400
    assert len(rates.scheduled_rates(plan)) == 1


def test_plan_page_approves_and_declines_joiners(signed_in, seller, app_ctx):
    _, store, products = seller
    plan = _open_plan(store, products, manual_approval=True)
    first = memberships.join_open_plan(plan.id, make_user(Role.CREATOR, display_name="Ann").id)
    second = memberships.join_open_plan(plan.id, make_user(Role.CREATOR, display_name="Bo").id)
    db.session.commit()
    text = signed_in.get(f"/seller/plans/{plan.id}").get_data(as_text=True)
    assert "Waiting for your approval" in text
    assert "Ann" in text
    base = f"/seller/plans/{plan.id}/members"
    assert post_form(signed_in, f"{base}/{first.id}/approve").status_code == 302
    assert post_form(signed_in, f"{base}/{second.id}/reject").status_code == 302
    assert post_form(signed_in, f"{base}/{second.id}/approve").status_code == 409
    db.session.expire_all()
    statuses = {m.id: m.status for m in db.session.scalars(select(PlanMembership))}
    assert statuses == {
        first.id: MembershipStatus.JOINED.value,
        second.id: MembershipStatus.REJECTED.value,
    }


def test_plan_page_invites_more_creators_to_a_running_targeted_plan(signed_in, seller, app_ctx):
    _, store, products = seller
    first = make_user(Role.CREATOR)
    plan = services.create_targeted_plan(
        store,
        name="Spring",
        product_rates={products[0].id: 2500},
        creator_ids=[first.id],
        starts_at=utcnow() - DAY,
    )
    db.session.commit()
    newcomer = make_user(Role.CREATOR, email="newcomer@example.com")
    path = f"/seller/plans/{plan.id}/invite"
    assert post_form(signed_in, path, {"creators": "newcomer@example.com"}).status_code == 302
    assert _count(PlanMembership) == 2
    response = post_form(signed_in, path, {"creators": "sam@example.com"})
    assert response.status_code == 400
    assert _count(PlanMembership) == 2
    text = signed_in.get(f"/seller/plans/{plan.id}").get_data(as_text=True)
    assert newcomer.display_name in text


def test_plan_page_adds_and_removes_products(signed_in, seller):
    _, store, products = seller
    plan = _open_plan(store, products[:1])
    response = post_form(
        signed_in,
        f"/seller/plans/{plan.id}/products",
        {"product_id": str(products[1].id), f"rate-{products[1].id}": "30"},
    )
    assert response.status_code == 302
    path = f"/seller/plans/{plan.id}/products/{products[0].id}/remove"
    assert post_form(signed_in, path).status_code == 302
    assert [row.product.id for row in queries.plan_products(plan)] == [products[1].id]


def test_plan_page_shows_only_the_actions_the_plan_allows(signed_in, seller, app_ctx):
    _, store, products = seller
    plan = services.create_targeted_plan(
        store,
        name="Spring",
        product_rates={products[0].id: 2500},
        creator_ids=[make_user(Role.CREATOR).id],
        starts_at=utcnow() - DAY,
    )
    db.session.commit()
    path = f"/seller/plans/{plan.id}"
    running = signed_in.get(path).get_data(as_text=True)
    for shown in (">Pause<", ">End for good<", ">Invite<", ">Set<", "Remove from plan"):
        assert shown in running
    assert ">Resume<" not in running
    services.end(plan)
    db.session.commit()
    ended = signed_in.get(path).get_data(as_text=True)
    for hidden in (">Pause<", ">Resume<", ">End for good<", ">Invite<", ">Set<", "Add products"):
        assert hidden not in ended
    assert "Products and rates" in ended


def test_store_plan_page_has_one_rate_and_no_creators_list(signed_in, seller, app_ctx):
    _, store, _ = seller
    plan = services.set_store_plan(store, 1000)
    db.session.commit()
    text = signed_in.get(f"/seller/plans/{plan.id}").get_data(as_text=True)
    assert "on every product of the store" in text
    assert ">Change rate<" in text
    assert "Products and rates" not in text
    assert 'id="creators-title"' not in text
