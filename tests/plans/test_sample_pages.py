"""Free samples, the pages: the creator's request form and list, the seller's queue and caps,
and who may see and do what."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from affiliate.plans.samples import caps as sample_caps
from affiliate.plans.samples.models import SamplePolicy, SampleRequest, SampleStatus
from core.accounts.models import Role, User
from core.extensions import db
from shop.catalog.models import Variant
from shop.orders.checkout.models import Address
from shop.orders.models import Order
from tests.conftest import Auth, post_form
from tests.factories import make_user
from tests.plans.helpers_samples import NOTE, ask, make_world, showcasing
from tests.shop.factories import make_store

REQUESTED = SampleStatus.REQUESTED.value


@pytest.fixture
def world(app_ctx):
    return make_world()


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _sign_in(app, user_or_email) -> object:
    email = getattr(user_or_email, "email", user_or_email)
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


def _status(sample_id: int) -> str:
    db.session.expire_all()
    return db.session.get(SampleRequest, sample_id).status


def _request_form(world, **overrides) -> dict:
    form = {
        "variant_id": str(world.variant.id),
        "note": NOTE,
        "address": str(world.address.id),
    }
    form.update(overrides)
    return form


# --- the whole way ---------------------------------------------------------------------------


def test_request_approve_ship_and_the_creator_sees_the_tracking_number(app, world):
    creator = _sign_in(app, world.creator)
    form_page = creator.get(f"/creator/samples/new/{world.product.id}")
    assert form_page.status_code == 200
    assert "Night serum" in form_page.get_data(as_text=True)
    sent = post_form(creator, f"/creator/samples/new/{world.product.id}", _request_form(world))
    assert sent.status_code == 302
    assert sent.location.endswith("/creator/samples")
    sample = db.session.scalars(select(SampleRequest)).one()
    assert creator.get("/creator/samples").get_data(as_text=True).count("Waiting for the seller")

    seller = _sign_in(app, "sal@example.com")
    queue = seller.get("/seller/samples").get_data(as_text=True)
    assert "@cleo" in queue
    assert NOTE in queue
    assert "1,000 followers" in queue
    approved = post_form(seller, f"/seller/samples/{sample.id}/approve")
    assert approved.status_code == 302
    order_id = db.session.get(SampleRequest, sample.id).order_id
    shipped = post_form(
        seller,
        f"/seller/orders/{order_id}/ship",
        {"carrier": "UPS", "tracking_number": "1Z-SAMPLE-9"},
    )
    assert shipped.status_code == 302

    mine = creator.get("/creator/samples").get_data(as_text=True)
    assert "Approved" in mine
    assert "Shipped" in mine
    assert "1Z-SAMPLE-9" in mine


def test_a_request_to_a_new_address_saves_it(app, world):
    creator = _sign_in(app, world.creator)
    fields = {
        "address": "new",
        "full_name": "Cleo C",
        "line1": "9 Loft Road",
        "city": "Leeds",
        "postal_code": "LS1 1AA",
        "country": "GB",
    }
    sent = post_form(
        creator, f"/creator/samples/new/{world.product.id}", _request_form(world, **fields)
    )
    assert sent.status_code == 302
    sample = db.session.scalars(select(SampleRequest)).one()
    assert db.session.get(Address, sample.address_id).line1 == "9 Loft Road"


def test_seller_declines_with_a_reason_and_the_creator_reads_it(app, world):
    sample = ask(world)
    seller = _sign_in(app, "sal@example.com")
    answer = post_form(
        seller, f"/seller/samples/{sample.id}/decline", {"reason": "Out of stock this month"}
    )
    assert answer.status_code == 302
    assert _status(sample.id) == SampleStatus.DECLINED.value
    page = _sign_in(app, world.creator).get("/creator/samples").get_data(as_text=True)
    assert "Declined" in page
    assert "Out of stock this month" in page


def test_declining_without_a_reason_shows_the_error_and_writes_nothing(app, world):
    sample = ask(world)
    seller = _sign_in(app, "sal@example.com")
    answer = post_form(seller, f"/seller/samples/{sample.id}/decline", {"reason": " "})
    assert answer.status_code == 400
    assert "Say why you decline" in answer.get_data(as_text=True)
    assert _status(sample.id) == REQUESTED


def test_creator_cancels_a_waiting_request(app, world):
    sample = ask(world)
    creator = _sign_in(app, world.creator)
    assert "Cancel request" in creator.get("/creator/samples").get_data(as_text=True)
    assert post_form(creator, f"/creator/samples/{sample.id}/cancel").status_code == 302
    assert _status(sample.id) == SampleStatus.CANCELLED.value
    assert "Cancel request" not in creator.get("/creator/samples").get_data(as_text=True)


# --- refusals --------------------------------------------------------------------------------


def test_a_product_not_in_the_showcase_cannot_be_requested(app, world):
    creator = _sign_in(app, world.creator)
    page = creator.get(f"/creator/samples/new/{world.other_product.id}")
    assert page.status_code == 409
    assert "Add “Day cream” to your showcase first" in page.get_data(as_text=True)
    posted = post_form(
        creator,
        f"/creator/samples/new/{world.other_product.id}",
        _request_form(world, variant_id=str(world.other_product.variants[0].id)),
    )
    assert posted.status_code == 409
    assert _count(SampleRequest) == 0


def test_a_missing_product_is_not_found(app, world):
    creator = _sign_in(app, world.creator)
    assert creator.get("/creator/samples/new/999999").status_code == 404
    assert creator.get(f"/creator/samples/new/{2**64}").status_code == 404


def test_a_variant_of_another_product_is_a_form_error(app, world):
    creator = _sign_in(app, world.creator)
    other_variant = world.other_product.variants[0].id
    page = post_form(
        creator,
        f"/creator/samples/new/{world.product.id}",
        _request_form(world, variant_id=str(other_variant)),
    )
    assert page.status_code == 400
    assert _count(SampleRequest) == 0


def test_an_address_of_another_user_is_a_form_error(app, world):
    stranger = make_user(email="sly@example.com")
    foreign = Address(
        user_id=stranger.id,
        full_name="Sly",
        line1="1 Elsewhere",
        city="X",
        postal_code="1",
        country="US",
    )
    db.session.add(foreign)
    db.session.commit()
    creator = _sign_in(app, world.creator)
    page = post_form(
        creator,
        f"/creator/samples/new/{world.product.id}",
        _request_form(world, address=str(foreign.id)),
    )
    assert page.status_code == 400
    assert _count(SampleRequest) == 0


def test_a_note_too_short_is_a_form_error(app, world):
    creator = _sign_in(app, world.creator)
    page = post_form(
        creator, f"/creator/samples/new/{world.product.id}", _request_form(world, note="soon")
    )
    assert page.status_code == 400
    assert "Write 10 to 1000 characters." in page.get_data(as_text=True)
    assert _count(SampleRequest) == 0


def test_a_duplicate_open_request_is_refused_with_a_message(app, world):
    ask(world)
    creator = _sign_in(app, world.creator)
    page = post_form(creator, f"/creator/samples/new/{world.product.id}", _request_form(world))
    assert page.status_code == 409
    assert "already asked for a sample" in page.get_data(as_text=True)
    assert _count(SampleRequest) == 1


def test_a_reached_cap_is_refused_with_a_message(app, world):
    sample_caps.set_sample_cap(world.seller, world.product.id, 0)
    db.session.commit()
    creator = _sign_in(app, world.creator)
    assert "does not offer samples" in creator.get(
        f"/creator/samples/new/{world.product.id}"
    ).get_data(as_text=True)
    page = post_form(creator, f"/creator/samples/new/{world.product.id}", _request_form(world))
    assert page.status_code == 409
    assert _count(SampleRequest) == 0


def test_approving_when_out_of_stock_flashes_the_reason_and_writes_nothing(app, world):
    sample = ask(world)
    db.session.execute(
        Variant.__table__.update().where(Variant.id == world.variant.id).values(stock=0)
    )
    db.session.commit()
    seller = _sign_in(app, "sal@example.com")
    answer = post_form(seller, f"/seller/samples/{sample.id}/approve")
    assert answer.status_code == 409
    assert "out of stock" in answer.get_data(as_text=True)
    assert _status(sample.id) == REQUESTED
    assert _count(Order) == 0


def test_posts_without_a_csrf_token_are_refused(app, world):
    sample = ask(world)
    seller = _sign_in(app, "sal@example.com")
    assert seller.post(f"/seller/samples/{sample.id}/approve").status_code == 400
    assert (
        seller.post(f"/seller/samples/{sample.id}/decline", data={"reason": "No way"}).status_code
        == 400
    )
    assert (
        seller.post(
            f"/seller/products/{world.product.id}/sample-cap", data={"max_requests": "1"}
        ).status_code
        == 400
    )
    creator = _sign_in(app, world.creator)
    assert creator.post(f"/creator/samples/{sample.id}/cancel").status_code == 400
    assert (
        creator.post(
            f"/creator/samples/new/{world.product.id}", data=_request_form(world)
        ).status_code
        == 400
    )
    assert _status(sample.id) == REQUESTED
    assert (_count(SampleRequest), _count(SamplePolicy), _count(Order)) == (1, 0, 0)


# --- whose request ---------------------------------------------------------------------------


def test_another_stores_seller_gets_404_and_does_not_see_the_request(app, world):
    sample = ask(world)
    rival = make_user(Role.SELLER, email="rae@example.com")
    make_store(rival, name="Rae's")
    client = _sign_in(app, rival)
    assert post_form(client, f"/seller/samples/{sample.id}/approve").status_code == 404
    assert (
        post_form(
            client, f"/seller/samples/{sample.id}/decline", {"reason": "Nope nope"}
        ).status_code
        == 404
    )
    assert NOTE not in client.get("/seller/samples").get_data(as_text=True)
    assert _status(sample.id) == REQUESTED
    assert _count(Order) == 0


def test_a_creator_sees_and_cancels_only_their_own_requests(app, world):
    sample = ask(world)
    other, _ = showcasing(world.product, "maya")
    client = _sign_in(app, other)
    page = client.get("/creator/samples").get_data(as_text=True)
    assert NOTE not in page
    assert "No sample requests yet" in page
    assert post_form(client, f"/creator/samples/{sample.id}/cancel").status_code == 404
    assert _status(sample.id) == REQUESTED


def test_sample_pages_need_the_right_role(app, world):
    buyer = _sign_in(app, make_user(email="bea@example.com"))
    assert buyer.get("/creator/samples").status_code == 403
    assert buyer.get("/seller/samples").status_code == 403
    assert buyer.get(f"/creator/samples/new/{world.product.id}").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/seller/samples").status_code in (302, 401)


# --- caps ------------------------------------------------------------------------------------


def test_seller_sets_and_lifts_a_cap_from_the_samples_page(app, world):
    seller = _sign_in(app, "sal@example.com")
    chooser = seller.get(f"/seller/samples?cap_product={world.product.id}").get_data(as_text=True)
    assert f'action="/seller/products/{world.product.id}/sample-cap' in chooser
    url = f"/seller/products/{world.product.id}/sample-cap"
    assert post_form(seller, url, {"max_requests": "2"}).status_code == 302
    assert db.session.get(SamplePolicy, world.product.id).max_requests == 2
    ask(world)
    assert "1 of 2" in seller.get("/seller/samples").get_data(as_text=True)
    assert post_form(seller, url, {"max_requests": ""}).status_code == 302
    db.session.expire_all()
    assert _count(SamplePolicy) == 0


def test_a_bad_cap_is_a_form_error(app, world):
    seller = _sign_in(app, "sal@example.com")
    url = f"/seller/products/{world.product.id}/sample-cap"
    assert post_form(seller, url, {"max_requests": "-3"}).status_code == 400
    assert post_form(seller, url, {"max_requests": "lots"}).status_code == 400
    assert _count(SamplePolicy) == 0


def test_a_cap_on_another_stores_product_is_not_found(app, world):
    rival = make_user(Role.SELLER, email="rae@example.com")
    make_store(rival, name="Rae's")
    client = _sign_in(app, rival)
    url = f"/seller/products/{world.product.id}/sample-cap"
    assert post_form(client, url, {"max_requests": "1"}).status_code == 404
    assert _count(SamplePolicy) == 0


# --- pages -----------------------------------------------------------------------------------


def test_showcase_offers_a_sample_and_the_navs_link_to_samples(app, world):
    creator = _sign_in(app, world.creator)
    showcase = creator.get("/creator/showcase").get_data(as_text=True)
    assert f'href="/creator/samples/new/{world.product.id}"' in showcase
    assert 'href="/creator/samples"' in showcase
    seller = _sign_in(app, "sal@example.com")
    assert 'href="/seller/samples"' in seller.get("/seller/orders").get_data(as_text=True)


def test_empty_sample_list_points_to_the_showcase(app, world):
    page = _sign_in(app, world.creator).get("/creator/samples").get_data(as_text=True)
    assert "No sample requests yet" in page
    assert 'href="/creator/showcase"' in page


def _queue_queries(app, count_queries) -> int:
    seller = _sign_in(app, "sal@example.com")
    count_queries.statements.clear()
    assert seller.get("/seller/samples?status=all").status_code == 200
    return count_queries.count


def test_seller_queue_runs_the_same_number_of_queries_for_2_and_10_requests(
    app, world, count_queries
):
    creators: list[User] = []
    for index in range(10):
        creator, _address = showcasing(world.product, f"creator_q{index}")
        creators.append(creator)
    for creator in creators[:2]:
        ask(world, creator=creator)
    with_two = _queue_queries(app, count_queries)
    for creator in creators[2:]:
        ask(world, creator=creator)
    with_ten = _queue_queries(app, count_queries)
    assert with_two == with_ten
