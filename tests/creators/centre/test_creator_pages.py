"""The creator's showcase, invitations and plans pages, and who may see them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from affiliate.plans.models import MembershipStatus, PlanMembership, ShowcaseItem
from core.accounts.models import Role
from core.extensions import db
from tests.conftest import Auth, post_form
from tests.creators.factories import member, open_plan, showcase, store_plan, targeted_plan
from tests.factories import make_user
from tests.shop.factories import make_product, make_store

PAGES = ["/creator/marketplace", "/creator/showcase", "/creator/invitations", "/creator/plans"]


@pytest.fixture
def creator(app_ctx):
    return make_user(Role.CREATOR, email="cara@example.com", display_name="Cara")


@pytest.fixture
def signed_in(client, creator):
    Auth(client).login("cara@example.com")
    return client


@pytest.fixture
def world(creator):
    """A store with an open plan at 15% on two products, a targeted plan at 25% on the first
    (Cara invited), a third product in no plan, and a store elsewhere with a store plan."""
    store = make_store(name="Alpha Goods")
    kettle = make_product(store, title="Alpha kettle", price=10000)
    lamp = make_product(store, title="Alpha lamp", price=2000)
    loose = make_product(store, title="Alpha loose end")
    everyday = open_plan(store, 1500, [kettle, lamp], name="Everyday")
    spring = targeted_plan(store, 2500, [kettle], name="Spring launch", message="Film it!")
    invitation = member(spring, creator.id)
    other = make_store(name="Beta Supplies")
    mug = make_product(other, title="Beta mug", price=1000)
    store_plan(other, 800)
    return SimpleNamespace(
        store=store,
        kettle=kettle,
        lamp=lamp,
        loose=loose,
        everyday=everyday,
        spring=spring,
        invitation=invitation,
        mug=mug,
    )


def _count(model, **where) -> int:
    statement = select(func.count()).select_from(model)
    for name, value in where.items():
        statement = statement.where(getattr(model, name) == value)
    return db.session.scalar(statement)


def _membership(plan, creator) -> PlanMembership | None:
    return db.session.scalar(
        select(PlanMembership).where(
            PlanMembership.plan_id == plan.id, PlanMembership.creator_id == creator.id
        )
    )


# --- who may see the pages ------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_a_signed_in_creator(client, app_ctx, path):
    assert client.get(path).status_code == 302
    make_user(Role.SELLER, email="sam@example.com")
    Auth(client).login("sam@example.com")
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/creator/showcase/add", "/creator/showcase/remove"])
def test_non_creators_cannot_change_a_showcase(client, app_ctx, world, path):
    make_user(Role.BUYER, email="bea@example.com")
    Auth(client).login("bea@example.com")
    response = post_form(client, path, {"product_id": world.mug.id})
    assert response.status_code == 403
    assert _count(ShowcaseItem) == 0


def test_forms_need_the_csrf_token(signed_in, world):
    response = signed_in.post("/creator/showcase/add", data={"product_id": world.mug.id})
    assert response.status_code == 400
    assert _count(ShowcaseItem) == 0


@pytest.mark.parametrize("path", [*PAGES, "/creator/"])
def test_every_creator_page_shows_the_creator_nav(signed_in, world, path):
    html = signed_in.get(path).get_data(as_text=True)
    assert 'aria-label="Creator centre"' in html
    for label in ("Overview", "Marketplace", "Showcase", "Invitations", "My plans"):
        assert f">{label}" in html
    assert '1<span class="visually-hidden"> waiting</span>' in html


# --- showcase -------------------------------------------------------------------------------


def test_add_to_showcase_joins_the_open_plan(signed_in, world, creator):
    response = post_form(
        signed_in, "/creator/showcase/add?sort=newest", {"product_id": world.lamp.id}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/creator/marketplace?sort=newest#p{world.lamp.id}"
    )
    assert _count(ShowcaseItem, creator_id=creator.id, product_id=world.lamp.id) == 1
    assert _membership(world.everyday, creator).status == MembershipStatus.JOINED.value
    html = signed_in.get("/creator/marketplace").get_data(as_text=True)
    assert "Added to your showcase." in html
    assert "In your showcase" in html


def test_add_via_the_store_plan_joins_nothing(signed_in, world, creator):
    response = post_form(signed_in, "/creator/showcase/add", {"product_id": world.mug.id})
    assert response.status_code == 302
    assert _count(ShowcaseItem, creator_id=creator.id) == 1
    assert _count(PlanMembership, creator_id=creator.id) == 1  # only the invitation


def test_adding_twice_keeps_one_item(signed_in, world, creator):
    for _ in range(2):
        post_form(signed_in, "/creator/showcase/add", {"product_id": world.mug.id})
    assert _count(ShowcaseItem, creator_id=creator.id) == 1


def test_add_a_product_without_an_applicable_plan_is_refused_and_nothing_written(
    signed_in, world, creator
):
    response = post_form(signed_in, "/creator/showcase/add", {"product_id": world.loose.id})
    assert response.status_code == 409
    assert "No plan open to you covers “Alpha loose end”" in response.get_data(as_text=True)
    assert _count(ShowcaseItem) == 0
    assert _count(PlanMembership, creator_id=creator.id) == 1


@pytest.mark.parametrize(("product_id", "status"), [("abc", 400), ("", 400), ("999999", 404)])
def test_add_a_bad_product_id(signed_in, world, product_id, status):
    response = post_form(signed_in, "/creator/showcase/add", {"product_id": product_id})
    assert response.status_code == status
    assert _count(ShowcaseItem) == 0


def test_showcase_shows_each_rate_and_why(signed_in, world, creator):
    world.invitation.status = MembershipStatus.ACCEPTED.value
    db.session.commit()
    for product in (world.kettle, world.lamp, world.mug):
        post_form(signed_in, "/creator/showcase/add", {"product_id": product.id})
    html = signed_in.get("/creator/showcase").get_data(as_text=True)
    assert "targeted plan Spring launch, 25%, beats open plan Everyday, 15%" in html
    assert "open plan Everyday, 15%" in html
    assert "store plan Store default, 8%" in html
    assert "$25.00 per sale" in html  # $100 × 25%
    assert html.count('class="list-group-item showcase-item"') == 3


def test_showcase_shows_an_unanswered_invitation_as_what_it_would_become(signed_in, world, creator):
    post_form(signed_in, "/creator/showcase/add", {"product_id": world.kettle.id})
    html = signed_in.get("/creator/showcase").get_data(as_text=True)
    assert 'showcase-rate">15%<' in html  # the open plan pays now
    assert "open plan Everyday, 15%" in html
    assert ">25% if you accept<" in html  # the invitation, never the rate now
    assert 'showcase-rate">25%' not in html
    assert "answer the invitation" in html


def test_remove_from_showcase(signed_in, world, creator):
    showcase(creator.id, world.mug)
    response = post_form(signed_in, "/creator/showcase/remove", {"product_id": world.mug.id})
    assert response.status_code == 302
    assert _count(ShowcaseItem) == 0
    html = signed_in.get("/creator/showcase").get_data(as_text=True)
    assert "Removed from your showcase." in html
    assert "Your showcase is empty" in html
    assert 'href="/creator/marketplace"' in html


def test_removing_only_touches_my_own_showcase(signed_in, world, creator):
    other = make_user(Role.CREATOR)
    showcase(other.id, world.mug)
    post_form(signed_in, "/creator/showcase/remove", {"product_id": world.mug.id})
    assert _count(ShowcaseItem, creator_id=other.id) == 1


# --- invitations ----------------------------------------------------------------------------


def test_invitations_show_store_plan_message_products_and_rates(signed_in, world):
    html = signed_in.get("/creator/invitations").get_data(as_text=True)
    assert "Spring launch" in html
    assert "Alpha Goods" in html
    assert "Film it!" in html
    assert "Alpha kettle" in html
    # Not the rate now: what the kettle would pay once Cara accepts (the open plan pays now).
    assert ">25% if you accept<" in html
    assert "Now, once in your showcase: 15% under the open plan Everyday" in html
    assert "Alpha lamp" not in html  # not in the targeted plan


def test_accept_an_invitation(signed_in, world, creator):
    path = f"/creator/invitations/{world.invitation.id}/accept"
    response = post_form(signed_in, path)
    assert response.status_code == 302
    assert _membership(world.spring, creator).status == MembershipStatus.ACCEPTED.value
    html = signed_in.get("/creator/invitations").get_data(as_text=True)
    assert "You joined “Spring launch”" in html
    assert "No invitations waiting" in html
    plans = signed_in.get("/creator/plans").get_data(as_text=True)
    assert "Spring launch" in plans
    assert ">Accepted<" in plans


def test_decline_an_invitation(signed_in, world, creator):
    response = post_form(signed_in, f"/creator/invitations/{world.invitation.id}/decline")
    assert response.status_code == 302
    assert _membership(world.spring, creator).status == MembershipStatus.DECLINED.value
    assert ">Declined<" in signed_in.get("/creator/plans").get_data(as_text=True)


def test_answering_twice_is_refused(signed_in, world, creator):
    post_form(signed_in, f"/creator/invitations/{world.invitation.id}/decline")
    response = post_form(signed_in, f"/creator/invitations/{world.invitation.id}/accept")
    assert response.status_code == 403
    assert "You already answered this invitation" in response.get_data(as_text=True)
    assert _membership(world.spring, creator).status == MembershipStatus.DECLINED.value


def test_another_creators_invitation_is_404_and_unchanged(signed_in, world):
    other = make_user(Role.CREATOR)
    theirs = member(world.spring, other.id)
    for answer in ("accept", "decline"):
        response = post_form(signed_in, f"/creator/invitations/{theirs.id}/{answer}")
        assert response.status_code == 404
    db.session.refresh(theirs)
    assert theirs.status == MembershipStatus.INVITED.value
    assert post_form(signed_in, "/creator/invitations/999999/accept").status_code == 404
    html = signed_in.get("/creator/invitations").get_data(as_text=True)
    assert f'data-membership-id="{theirs.id}"' not in html


def test_my_plans_lists_memberships_with_status(signed_in, world, creator):
    post_form(signed_in, "/creator/showcase/add", {"product_id": world.lamp.id})
    html = signed_in.get("/creator/plans").get_data(as_text=True)
    assert "Everyday" in html
    assert ">Joined<" in html
    assert "Waiting for your answer" in html


def test_my_plans_empty_state(signed_in):
    html = signed_in.get("/creator/plans").get_data(as_text=True)
    assert "No plans yet" in html
