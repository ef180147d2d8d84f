"""Complimentary (free sample) orders: amounts, stock, no money, and their lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from core.ledger.checks import check_ledger
from core.ledger.models import LedgerEntry
from shop import signals
from shop.catalog.models import Variant
from shop.orders import lifecycle
from shop.orders.buyer import actions as buyer_actions
from shop.orders.checkout.complimentary import place_complimentary_order
from shop.orders.checkout.services import add_address
from shop.orders.exceptions import OrderActionRefused, OutOfStock
from shop.orders.models import LineStatus, Order, OrderEvent, OrderLine, OrderStatus
from shop.orders.refunds import requests as refund_requests
from shop.orders.refunds.models import RefundRequest
from tests.conftest import Auth, post_form
from tests.factories import make_user
from tests.shop.factories import make_product, make_store
from tests.shop.orders.helpers import Received

S = OrderStatus


class World:
    """A seller's product (two options at $25.00, stock 3 each) and a creator with an address."""

    def __init__(self, stock: int = 3) -> None:
        self.seller = make_user(Role.SELLER, email="sal@example.com")
        self.store = make_store(self.seller, name="Sal's Serums")
        self.product = make_product(
            self.store, title="Night serum", price=2500, stock=stock, variants=2
        )
        self.creator = make_user(Role.CREATOR, email="cleo@example.com")
        self.address = add_address(
            self.creator.id,
            full_name="Cleo Creator",
            line1="5 Studio Lane",
            city="Austin",
            postal_code="73301",
            country="us",
        )
        db.session.commit()

    @property
    def variant(self) -> Variant:
        return self.product.variants[0]

    def send(self, quantity: int = 1, note: str = "A morning routine video") -> Order:
        order = place_complimentary_order(
            recipient_id=self.creator.id,
            variant_id=self.variant.id,
            address=self.address,
            note=note,
            quantity=quantity,
            actor_id=self.seller.id,
        )
        db.session.commit()
        return order

    def stock(self) -> int:
        db.session.expire_all()
        return db.session.get(Variant, self.variant.id).stock


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_complimentary_order_is_paid_free_with_the_whole_subtotal_discounted(app_ctx):
    world = World()
    order = world.send(quantity=2)
    assert order.complimentary is True
    assert order.status == S.PAID.value
    assert order.paid_at is not None
    assert order.payment_id is None
    assert (order.subtotal, order.discount, order.shipping, order.total) == (5000, 5000, 0, 0)
    assert order.buyer_id == world.creator.id
    assert order.store_id == world.store.id
    assert order.ship_to == "Cleo Creator, 5 Studio Lane, Austin, 73301, US"
    (line,) = order.lines
    assert (line.unit_price, line.quantity, line.discount, line.amount) == (2500, 2, 5000, 0)
    assert line.creator_id is None


def test_a_complimentary_order_says_on_its_timeline_that_it_is_a_free_sample(app_ctx):
    world = World()
    order = world.send(note="Unboxing on Friday's live")
    event = db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)).one()
    assert event.kind == "free_sample"
    assert "Free sample" in event.note
    assert "Unboxing on Friday's live" in event.note
    assert event.actor_id == world.seller.id


def test_a_complimentary_order_reserves_stock_like_a_sale(app_ctx):
    world = World(stock=3)
    world.send(quantity=2)
    assert world.stock() == 1


def test_out_of_stock_raises_and_writes_nothing(app_ctx):
    world = World(stock=1)
    with pytest.raises(OutOfStock):
        world.send(quantity=2)
    db.session.rollback()
    assert world.stock() == 1
    assert (_count(Order), _count(OrderLine), _count(OrderEvent)) == (0, 0, 0)


def test_an_inactive_option_cannot_be_sent(app_ctx):
    world = World()
    world.variant.active = False
    db.session.commit()
    with pytest.raises(OutOfStock):
        world.send()
    db.session.rollback()
    assert _count(Order) == 0


def test_the_address_must_be_the_recipients(app_ctx):
    world = World()
    stranger = make_user(email="sly@example.com")
    with pytest.raises(ValueError, match="recipient"):
        place_complimentary_order(
            recipient_id=stranger.id, variant_id=world.variant.id, address=world.address, note="x"
        )
    db.session.rollback()
    assert _count(Order) == 0
    assert world.stock() == 3


def test_a_complimentary_order_posts_nothing_and_announces_no_payment(app_ctx):
    world = World()
    with Received(signals.order_paid) as paid:
        world.send()
    assert paid.calls == []
    assert _count(LedgerEntry) == 0
    assert check_ledger().ok


def test_a_complimentary_order_ships_is_delivered_and_completes(app_ctx):
    world = World()
    order = world.send()
    lifecycle.ship(order, "UPS", "1Z-SAMPLE", world.seller)
    lifecycle.mark_delivered(order, world.creator, now=datetime.now(UTC) - timedelta(days=8))
    db.session.commit()
    with Received(signals.order_completed) as completed:
        assert lifecycle.complete_due_orders(datetime.now(UTC), 7) == 1
    db.session.commit()
    assert db.session.get(Order, order.id).status == S.COMPLETED.value
    assert completed.senders == [order.id]
    assert _count(LedgerEntry) == 0


def test_cancelling_a_complimentary_order_releases_stock_and_refunds_nothing(app_ctx):
    world = World(stock=3)
    order = world.send(quantity=2)
    with Received(signals.order_line_refunded) as refunded:
        refund = lifecycle.cancel(order, world.seller, "Changed our mind about samples")
    db.session.commit()
    assert refund is None
    assert refunded.calls == []
    assert order.status == S.CANCELLED.value
    assert world.stock() == 3
    assert _count(RefundRequest) == 0
    assert _count(LedgerEntry) == 0
    assert [line.status for line in order.lines] == [LineStatus.CANCELLED.value]


def test_the_recipient_cannot_ask_for_a_refund_of_a_free_sample(app_ctx):
    world = World()
    order = world.send()
    lifecycle.ship(order, "UPS", "1Z", world.seller)
    lifecycle.mark_delivered(order, world.creator)
    db.session.commit()
    with pytest.raises(OrderActionRefused, match="free sample"):
        refund_requests.request_refund(order, order.lines[0], "Not what I expected", world.creator)
    db.session.rollback()
    assert _count(RefundRequest) == 0


def test_buyer_actions_offer_no_refund_on_a_delivered_free_sample(app_ctx):
    world = World()
    order = world.send()
    lifecycle.ship(order, "UPS", "1Z", world.seller)
    lifecycle.mark_delivered(order, world.creator)
    db.session.commit()
    actions = buyer_actions.buyer_actions(order)
    assert not actions.window_open
    assert actions.window_ends is None
    assert [item.can_request_refund for item in actions.lines] == [False]
    assert not actions.any


def test_order_pages_show_a_free_sample_badge_and_free_instead_of_a_zero_total(app, app_ctx):
    world = World()
    order = world.send()
    seller = app.test_client()
    Auth(seller).login("sal@example.com")
    listing = seller.get("/seller/orders").get_data(as_text=True)
    assert "Free sample" in listing
    assert "$0.00" not in listing
    page = seller.get(f"/seller/orders/{order.id}").get_data(as_text=True)
    assert "Free sample" in page
    assert "refunded in full" not in page
    creator = app.test_client()
    Auth(creator).login("cleo@example.com")
    mine = creator.get("/orders").get_data(as_text=True)
    assert "Free sample" in mine
    assert "Free" in mine
    detail = creator.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Free sample" in detail


def test_a_refund_request_for_a_free_sample_is_answered_409_with_the_reason(app, app_ctx):
    world = World()
    order = world.send()
    lifecycle.ship(order, "UPS", "1Z", world.seller)
    lifecycle.mark_delivered(order, world.creator)
    db.session.commit()
    creator = app.test_client()
    Auth(creator).login("cleo@example.com")
    answer = post_form(
        creator,
        f"/orders/{order.id}/lines/{order.lines[0].id}/refund",
        {"reason": "Not what I expected"},
    )
    assert answer.status_code == 409
    assert "free sample" in answer.get_data(as_text=True)
    assert _count(RefundRequest) == 0
