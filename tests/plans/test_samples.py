"""Free samples, the services: request, approve (a free order), decline, cancel, caps."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from affiliate.plans.exceptions import NotFound
from affiliate.plans.samples import caps as sample_caps
from affiliate.plans.samples import queries as sample_queries
from affiliate.plans.samples import services as samples
from affiliate.plans.samples.exceptions import (
    IllegalSampleTransition,
    InvalidSampleRequest,
    SampleAlreadyRequested,
    SampleCapReached,
    SampleNotAllowed,
    SampleOutOfStock,
)
from affiliate.plans.samples.models import SamplePolicy, SampleRequest, SampleStatus
from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from core.ledger.models import LedgerEntry
from core.states import IllegalTransition
from shop.catalog.models import ProductStatus, Variant
from shop.orders import lifecycle
from shop.orders.checkout.models import Address
from shop.orders.models import Order, OrderStatus
from tests.factories import make_user
from tests.plans.helpers_samples import NOTE, address_for, ask, make_world, showcasing
from tests.shop.factories import make_product, make_store

REQUESTED = SampleStatus.REQUESTED.value


@pytest.fixture
def world(app_ctx):
    return make_world()


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _stock(variant_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Variant, variant_id).stock


def _cap(world, max_requests):
    sample_caps.set_sample_cap(world.seller, world.product.id, max_requests)
    db.session.commit()


# --- the whole way ---------------------------------------------------------------------------


def test_approved_sample_ships_as_a_free_order_the_creator_can_track(world):
    sample = ask(world)
    assert (sample.status, sample.store_id, sample.order_id) == (REQUESTED, world.store.id, None)

    samples.approve_sample(world.seller, sample.id)
    db.session.commit()
    order = db.session.get(Order, sample.order_id)
    assert sample.status == SampleStatus.APPROVED.value
    assert (sample.decided_by, sample.decided_at is not None) == (world.seller.id, True)
    assert order.complimentary
    assert order.total == 0
    assert order.status == OrderStatus.PAID.value
    assert order.buyer_id == world.creator.id
    assert order.lines[0].variant_id == world.variant.id
    assert _stock(world.variant.id) == 4
    assert _count(LedgerEntry) == 0

    lifecycle.ship(order, "UPS", "1Z-SAMPLE-1", world.seller)
    db.session.commit()
    (row,) = sample_queries.creator_requests(world.creator.id).items
    assert row.request.id == sample.id
    assert row.order.status == OrderStatus.SHIPPED.value
    assert row.tracking == ("UPS", "1Z-SAMPLE-1")


def test_approval_is_in_the_audit_log(world):
    sample = ask(world)
    samples.approve_sample(world.seller, sample.id)
    db.session.commit()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "sample.approve")
    ).one()
    assert (event.actor_id, event.subject_id, event.to_state) == (
        world.seller.id,
        str(sample.id),
        "approved",
    )


def test_seller_declines_with_a_reason_the_creator_reads(world):
    sample = ask(world)
    samples.decline_sample(world.seller, sample.id, "  Out of samples this month.  ")
    db.session.commit()
    assert sample.status == SampleStatus.DECLINED.value
    assert sample.decline_reason == "Out of samples this month."
    assert sample.order_id is None
    assert _count(Order) == 0
    (row,) = sample_queries.creator_requests(world.creator.id).items
    assert row.request.decline_reason == "Out of samples this month."


@pytest.mark.parametrize("reason", ["", "  no ", "x" * 501])
def test_declining_needs_a_reason_of_3_to_500_characters(world, reason):
    sample = ask(world)
    with pytest.raises(InvalidSampleRequest) as error:
        samples.decline_sample(world.seller, sample.id, reason)
    assert error.value.field == "reason"
    db.session.rollback()
    assert db.session.get(SampleRequest, sample.id).status == REQUESTED


def test_creator_cancels_a_waiting_request(world):
    sample = ask(world)
    samples.cancel_sample(world.creator, sample.id)
    db.session.commit()
    assert sample.status == SampleStatus.CANCELLED.value


def test_a_cancelled_request_cannot_be_approved(world):
    sample = ask(world)
    samples.cancel_sample(world.creator, sample.id)
    db.session.commit()
    with pytest.raises(IllegalSampleTransition):
        samples.approve_sample(world.seller, sample.id)
    db.session.rollback()
    assert _count(Order) == 0


def test_an_approved_request_cannot_be_cancelled_or_declined(world):
    sample = ask(world)
    samples.approve_sample(world.seller, sample.id)
    db.session.commit()
    with pytest.raises(IllegalSampleTransition):
        samples.cancel_sample(world.creator, sample.id)
    with pytest.raises(IllegalSampleTransition):
        samples.decline_sample(world.seller, sample.id, "Changed my mind")


# --- what a creator may ask for --------------------------------------------------------------


def test_a_product_not_in_the_showcase_is_refused(world):
    with pytest.raises(SampleNotAllowed, match="showcase"):
        ask(world, product_id=world.other_product.id, variant_id=world.other_product.variants[0].id)
    db.session.rollback()
    assert _count(SampleRequest) == 0


def test_a_product_off_sale_is_refused(world):
    world.product.status = ProductStatus.ARCHIVED.value
    db.session.commit()
    with pytest.raises(SampleNotAllowed, match="not on sale"):
        ask(world)


def test_a_variant_of_another_product_is_refused(world):
    with pytest.raises(InvalidSampleRequest) as error:
        ask(world, variant_id=world.other_product.variants[0].id)
    assert error.value.field == "variant_id"
    db.session.rollback()
    assert _count(SampleRequest) == 0


def test_an_address_of_another_user_is_refused(world):
    stranger = make_user(email="sly@example.com")
    with pytest.raises(InvalidSampleRequest) as error:
        ask(world, address_id=address_for(stranger).id)
    assert error.value.field == "address"
    db.session.rollback()
    assert _count(SampleRequest) == 0


def test_a_new_address_is_saved_with_the_request(world):
    fields = {
        "full_name": "Cleo C",
        "line1": "9 Loft Road",
        "city": "Leeds",
        "postal_code": "LS1 1AA",
        "country": "gb",
    }
    sample = ask(world, new_address=fields)
    address = db.session.get(Address, sample.address_id)
    assert (address.user_id, address.line1, address.country) == (
        world.creator.id,
        "9 Loft Road",
        "GB",
    )


@pytest.mark.parametrize("note", ["", "too short", "   short   ", "x" * 1001])
def test_a_note_of_fewer_than_10_or_more_than_1000_characters_is_refused(world, note):
    with pytest.raises(InvalidSampleRequest) as error:
        ask(world, note=note)
    assert error.value.field == "note"
    db.session.rollback()
    assert _count(SampleRequest) == 0


def test_a_second_open_request_for_the_same_product_is_refused(world):
    ask(world)
    with pytest.raises(SampleAlreadyRequested):
        ask(world, variant_id=world.product.variants[1].id)
    db.session.rollback()
    assert _count(SampleRequest) == 1


def test_after_a_decline_the_creator_may_ask_again(world):
    first = ask(world)
    samples.decline_sample(world.seller, first.id, "Not this month")
    db.session.commit()
    assert ask(world).status == REQUESTED


def test_the_database_keeps_one_open_request_per_creator_and_product(world):
    ask(world)
    duplicate = SampleRequest(
        creator_id=world.creator.id,
        product_id=world.product.id,
        variant_id=world.variant.id,
        store_id=world.store.id,
        address_id=world.address.id,
        note=NOTE,
        status=REQUESTED,
    )
    db.session.add(duplicate)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_buyer_without_the_creator_role_cannot_ask(world):
    buyer = make_user(email="bea@example.com")
    with pytest.raises(SampleNotAllowed):
        samples.request_sample(buyer, world.product.id, world.variant.id, NOTE, None)


# --- caps ------------------------------------------------------------------------------------


def test_when_the_cap_is_reached_new_requests_are_refused(world):
    _cap(world, 1)
    ask(world)
    other, _ = showcasing(world.product, "maya")
    with pytest.raises(SampleCapReached, match="cap of 1 sample request for"):
        ask(world, creator=other)
    db.session.rollback()
    assert _count(SampleRequest) == 1


def test_a_cap_of_zero_turns_samples_off(world):
    _cap(world, 0)
    with pytest.raises(SampleCapReached, match="does not offer samples"):
        ask(world)


def test_declined_and_cancelled_requests_do_not_count_against_the_cap(world):
    _cap(world, 1)
    first = ask(world)
    samples.decline_sample(world.seller, first.id, "Not now")
    db.session.commit()
    other, _ = showcasing(world.product, "maya")
    second = ask(world, creator=other)
    samples.cancel_sample(other, second.id)
    db.session.commit()
    assert ask(world).status == REQUESTED
    assert sample_queries.sample_counts([world.product.id]) == {world.product.id: 1}


def test_approved_requests_count_against_the_cap(world):
    _cap(world, 1)
    samples.approve_sample(world.seller, ask(world).id)
    db.session.commit()
    other, _ = showcasing(world.product, "maya")
    with pytest.raises(SampleCapReached):
        ask(world, creator=other)


def test_lifting_the_cap_removes_the_policy(world):
    _cap(world, 0)
    _cap(world, None)
    assert _count(SamplePolicy) == 0
    assert ask(world).status == REQUESTED


def test_a_cap_is_updated_in_place(world):
    _cap(world, 3)
    _cap(world, 5)
    policy = db.session.get(SamplePolicy, world.product.id)
    assert policy.max_requests == 5
    assert _count(SamplePolicy) == 1


@pytest.mark.parametrize("cap", [-1, 10_001, True, "3"])
def test_a_cap_must_be_a_whole_number_from_0_to_10000(world, cap):
    with pytest.raises(InvalidSampleRequest):
        sample_caps.set_sample_cap(world.seller, world.product.id, cap)


def test_a_seller_cannot_cap_another_stores_product(world):
    rival = make_user(Role.SELLER, email="rae@example.com")
    make_store(rival)
    with pytest.raises(NotFound):
        sample_caps.set_sample_cap(rival, world.product.id, 3)
    db.session.rollback()
    assert _count(SamplePolicy) == 0


def test_store_caps_list_products_with_requests_or_caps(world):
    ask(world)
    sample_caps.set_sample_cap(world.seller, world.other_product.id, 2)
    db.session.commit()
    rows = {
        row.product.title: (row.used, row.cap) for row in sample_queries.store_caps(world.store.id)
    }
    assert rows == {"Night serum": (1, None), "Day cream": (0, 2)}


# --- whose request ---------------------------------------------------------------------------


def test_another_stores_seller_cannot_approve_or_decline(world):
    sample = ask(world)
    rival = make_user(Role.SELLER, email="rae@example.com")
    make_store(rival)
    with pytest.raises(NotFound):
        samples.approve_sample(rival, sample.id)
    with pytest.raises(NotFound):
        samples.decline_sample(rival, sample.id, "Not mine to decide")
    db.session.rollback()
    assert db.session.get(SampleRequest, sample.id).status == REQUESTED


def test_a_creator_cannot_cancel_another_creators_request(world):
    sample = ask(world)
    other, _ = showcasing(world.product, "maya")
    with pytest.raises(NotFound):
        samples.cancel_sample(other, sample.id)


def test_a_creator_lists_only_their_own_requests(world):
    mine = ask(world)
    other, _ = showcasing(world.product, "maya")
    ask(world, creator=other)
    assert [row.request.id for row in sample_queries.creator_requests(world.creator.id).items] == [
        mine.id
    ]


def test_the_seller_queue_holds_only_the_stores_requests(world):
    mine = ask(world)
    elsewhere = make_product(make_store(name="Elsewhere"), title="Other lamp")
    other, _ = showcasing(elsewhere, "maya")
    samples.request_sample(other, elsewhere.id, elsewhere.variants[0].id, NOTE, _.id)
    db.session.commit()
    queue = sample_queries.seller_queue(world.store.id, REQUESTED)
    assert [row.request.id for row in queue.items] == [mine.id]
    assert queue.items[0].handle == "cleo"


# --- stock -----------------------------------------------------------------------------------


def test_approving_when_out_of_stock_is_refused_and_the_request_still_waits(app_ctx):
    world = make_world(stock=0)
    sample = ask(world)
    with pytest.raises(SampleOutOfStock, match="still waits"):
        samples.approve_sample(world.seller, sample.id)
    db.session.rollback()
    assert db.session.get(SampleRequest, sample.id).status == REQUESTED
    assert _count(Order) == 0
    assert _count(LedgerEntry) == 0
    assert _stock(world.variant.id) == 0


# --- demo ------------------------------------------------------------------------------------


def test_demo_seeds_a_waiting_a_shipped_a_declined_and_a_delivered_sample_once(app, app_ctx):
    def seed() -> None:
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output

    seed()
    rows = db.session.execute(
        select(SampleRequest.status, Order.status)
        .outerjoin(Order, Order.id == SampleRequest.order_id)
        .order_by(SampleRequest.id)
    ).all()
    assert [tuple(row) for row in rows] == [
        ("approved", OrderStatus.SHIPPED.value),
        ("requested", None),
        ("declined", None),
        ("approved", OrderStatus.DELIVERED.value),  # demo.samples: Cleo's, a rule approved
    ]
    seed()
    assert _count(SampleRequest) == 4


# --- what the pages may offer ----------------------------------------------------------------


def test_rows_say_what_each_side_may_do_with_a_waiting_request(world):
    ask(world)
    (mine,) = sample_queries.creator_requests(world.creator.id).items
    (queued,) = sample_queries.seller_queue(world.store.id, REQUESTED).items
    assert (mine.can_cancel, mine.being_packed, mine.request.declined_because) == (True, False, "")
    assert queued.can_answer


def test_an_approved_row_is_being_packed_and_takes_no_answer(world):
    sample = ask(world)
    samples.approve_sample(world.seller, sample.id)
    db.session.commit()
    (mine,) = sample_queries.creator_requests(world.creator.id).items
    (queued,) = sample_queries.seller_queue(world.store.id).items
    assert (mine.can_cancel, mine.being_packed) == (False, True)
    assert not queued.can_answer


def test_a_declined_row_carries_the_sellers_reason(world):
    sample = ask(world)
    samples.decline_sample(world.seller, sample.id, "Not this month")
    db.session.commit()
    (mine,) = sample_queries.creator_requests(world.creator.id).items
    (queued,) = sample_queries.seller_queue(world.store.id).items
    assert mine.request.declined_because == queued.request.declined_because == "Not this month"
    assert not mine.can_cancel


def test_an_answered_request_refuses_as_an_illegal_transition(world):
    sample = ask(world)
    samples.cancel_sample(world.creator, sample.id)
    db.session.commit()
    with pytest.raises(IllegalTransition) as refused:
        samples.decline_sample(world.seller, sample.id, "Too late")
    assert refused.value.status_code == 409
    assert "already cancelled" in str(refused.value)
