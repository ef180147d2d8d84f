"""Events: who receives them, what they say, and that they leave only after the commit."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from affiliate.creators.attribution import signals as commission_signals
from affiliate.creators.attribution.models import Commission
from affiliate.payouts import signals as payout_signals
from affiliate.payouts.models import Withdrawal, WithdrawalStatus
from affiliate.plans import services as plans
from api.webhooks import dispatch, services
from api.webhooks.exceptions import InvalidEvents
from api.webhooks.models import EventType, WebhookDelivery, WebhookEvent
from core.accounts.models import Role
from core.extensions import db
from core.jobs.outbox import OutboxMessage
from shop import signals as shop_signals
from shop.catalog import services as catalog
from shop.orders import lifecycle
from tests.api.webhooks.conftest import endpoint_for, seller
from tests.factories import make_user
from tests.shop.factories import make_order, make_product, make_store

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _paid_order(owner):
    store = make_store(owner)
    product = make_product(store, price=2599)
    buyer = make_user(Role.BUYER)
    return make_order(buyer, [(product.variants[0], 2)])


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_event_reaches_only_its_owners_subscribed_endpoints(app_ctx, fake_sender):
    ada, bo = seller(), seller()
    order = _paid_order(ada)
    wanted = endpoint_for(ada, ["order.shipped"], "https://ada.example.com/shipped")
    endpoint_for(ada, ["product.updated"], "https://ada.example.com/products")
    off = endpoint_for(ada, ["order.shipped"], "https://ada.example.com/off")
    services.set_enabled(off, False)
    endpoint_for(bo, ["order.shipped"], "https://bo.example.com/shipped")
    db.session.commit()

    lifecycle.ship(order, "DHL", "TRACK123", ada)
    db.session.commit()

    assert [sent.url for sent in fake_sender.sent] == [wanted.url]
    body = json.loads(fake_sender.sent[0].body)
    assert body["type"] == "order.shipped"
    assert body["data"]["tracking_number"] == "TRACK123"


def test_event_without_subscribers_writes_nothing(app_ctx, fake_sender):
    owner = seller()
    order = _paid_order(owner)
    lifecycle.ship(order, "DHL", "T1", owner)
    db.session.commit()
    assert _count(WebhookEvent) == 0
    assert fake_sender.sent == []


def test_payload_has_minor_units_currency_and_rfc3339_times(app_ctx, fake_sender):
    owner = seller()
    order = _paid_order(owner)
    endpoint_for(owner, ["order.paid"])

    shop_signals.order_paid.send(order)
    db.session.commit()

    body = json.loads(fake_sender.sent[0].body)
    assert body["id"].startswith("evt_")
    assert RFC3339_UTC.match(body["created"])
    data = body["data"]
    assert data["total"] == 5198
    assert isinstance(data["total"], int)
    assert data["currency"] == "USD"
    assert data["lines"][0]["amount"] == 5198
    assert RFC3339_UTC.match(data["placed_at"])
    assert "ship_to" not in data  # no buyer's personal data


def test_event_id_header_matches_the_body(app_ctx, fake_sender):
    owner = seller()
    order = _paid_order(owner)
    endpoint_for(owner, ["order.paid"])
    shop_signals.order_paid.send(order)
    db.session.commit()
    sent = fake_sender.sent[0]
    assert sent.headers["Yellowcart-Event-Id"] == json.loads(sent.body)["id"]
    assert sent.headers["Yellowcart-Event-Type"] == "order.paid"


def test_product_update_reaches_the_seller(app_ctx, fake_sender):
    owner = seller()
    store = make_store(owner)
    product = make_product(store)
    endpoint_for(owner, ["product.updated"])

    catalog.set_status(store, [product.id], "draft")
    db.session.commit()

    body = json.loads(fake_sender.sent[0].body)
    assert body["type"] == "product.updated"
    assert body["data"]["id"] == product.id
    assert body["data"]["status"] == "draft"


def test_commission_event_reaches_the_creator_not_the_seller(app_ctx, fake_sender):
    creator = make_user(Role.CREATOR)
    owner = seller()
    endpoint_for(creator, ["commission.earned"], "https://creator.example.com/c")
    endpoint_for(owner, ["order.paid"], "https://seller.example.com/s")
    commission = Commission(
        id=7,
        order_line_id=1,
        order_id=1,
        store_id=1,
        creator_id=creator.id,
        product_id=1,
        plan_id=1,
        plan_kind="open",
        rate_bps=1500,
        base_amount=10000,
        amount=1500,
        reversed_amount=0,
        currency="USD",
        state="pending",
    )

    commission_signals.commission_earned.send(commission)
    db.session.commit()

    assert [sent.url for sent in fake_sender.sent] == ["https://creator.example.com/c"]
    data = json.loads(fake_sender.sent[0].body)["data"]
    assert (data["amount"], data["currency"], data["rate_bps"]) == (1500, "USD", 1500)


def test_outbox_row_is_written_in_the_changes_transaction(app_ctx, fake_sender):
    owner = seller()
    order = _paid_order(owner)
    endpoint_for(owner, ["order.shipped"])

    lifecycle.ship(order, "DHL", "T2", owner)
    db.session.flush()
    pending = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.func_path == dispatch.DELIVER_JOB)
    ).all()
    assert len(pending) == 1
    assert fake_sender.sent == []  # nothing leaves before the commit

    db.session.commit()
    assert len(fake_sender.sent) == 1


def test_rolled_back_change_sends_nothing(app_ctx, fake_sender):
    owner = seller()
    order = _paid_order(owner)
    endpoint_for(owner, ["order.shipped"])

    lifecycle.ship(order, "DHL", "T3", owner)
    db.session.rollback()
    db.session.commit()

    assert fake_sender.sent == []
    assert _count(WebhookEvent) == 0
    assert _count(WebhookDelivery) == 0
    assert (
        db.session.scalar(
            select(func.count()).where(OutboxMessage.func_path == dispatch.DELIVER_JOB)
        )
        == 0
    )


def test_creator_cannot_subscribe_to_seller_events(app_ctx):
    creator = make_user(Role.CREATOR)
    with pytest.raises(InvalidEvents):
        services.create_endpoint(creator, "https://c.example.com/x", [EventType.ORDER_PAID.value])


def test_order_delivered_and_refunded_reach_the_seller(app_ctx, fake_sender):
    owner = seller()
    order = _paid_order(owner)
    endpoint_for(owner, ["order.delivered", "order.refunded"])
    lifecycle.ship(order, "DHL", "T4", owner)
    lifecycle.mark_delivered(order, None)
    shop_signals.order_line_refunded.send(order, line=order.lines[0], amount=1000)
    db.session.commit()

    bodies = [json.loads(sent.body) for sent in fake_sender.sent]
    assert [body["type"] for body in bodies] == ["order.delivered", "order.refunded"]
    refund = bodies[1]["data"]
    assert (refund["amount"], refund["currency"], refund["line_id"]) == (
        1000,
        "USD",
        order.lines[0].id,
    )


def test_withdrawal_paid_and_failed_reach_the_creator(app_ctx, fake_sender):
    creator = make_user(Role.CREATOR)
    endpoint_for(creator, ["withdrawal.paid", "withdrawal.failed"])
    withdrawal = Withdrawal(
        id=3, creator_id=creator.id, currency="USD", amount=5000, fee=100, net=4900
    )
    for to in (WithdrawalStatus.APPROVED, WithdrawalStatus.PAID, WithdrawalStatus.FAILED):
        withdrawal.status = to.value
        payout_signals.withdrawal_moved.send(withdrawal, previous=None, to=to)
    db.session.commit()

    bodies = [json.loads(sent.body) for sent in fake_sender.sent]
    assert [body["type"] for body in bodies] == ["withdrawal.paid", "withdrawal.failed"]
    assert (bodies[0]["data"]["net"], bodies[0]["data"]["fee"]) == (4900, 100)


def test_plan_rate_change_reaches_the_seller(app_ctx, fake_sender):
    owner = seller()
    store = make_store(owner)
    make_product(store)
    plans.set_store_plan(store, 1000)
    db.session.commit()
    endpoint_for(owner, ["plan.rate_changed"])

    plans.set_store_plan(store, 1500)
    db.session.commit()

    [sent] = fake_sender.sent
    data = json.loads(sent.body)["data"]
    assert (data["rate_bps"], data["previous_rate_bps"], data["plan_kind"]) == (1500, 1000, "store")
    assert RFC3339_UTC.match(data["effective_at"])
