"""Deliveries: to a real local server, retried with back-off, given up after a day, replayed."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from api.webhooks import dispatch, services, signing
from api.webhooks.exceptions import EndpointDisabled
from api.webhooks.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from core.accounts.models import Role
from core.extensions import db
from core.jobs import outbox
from core.notifications.models import Notification
from shop import signals as shop_signals
from tests.api.webhooks.conftest import endpoint_for, seller
from tests.clock import now_to_the_minute
from tests.factories import make_user
from tests.shop.factories import make_order, make_product, make_store


def _paid_order(owner):
    store = make_store(owner)
    product = make_product(store, price=1000)
    return make_order(make_user(Role.BUYER), [(product.variants[0], 1)])


def _delivery() -> WebhookDelivery:
    db.session.expire_all()
    return db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).first()


def _relay() -> None:
    """Run the periodic relay as ``flask cron`` would (the test's own transaction ended)."""
    db.session.commit()
    outbox.relay_due()


def _attempts() -> list[WebhookAttempt]:
    return list(db.session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)))


def test_local_server_receives_signed_order_paid_and_the_log_records_200(
    app_ctx, allow_private, local_server
):
    owner = seller()
    order = _paid_order(owner)
    endpoint = endpoint_for(owner, ["order.paid"], local_server.url, allow_private=True)

    shop_signals.order_paid.send(order)
    db.session.commit()

    assert len(local_server.received) == 1
    headers, body = local_server.received[0]
    assert signing.verify(endpoint.secret, body, headers["Yellowcart-Signature"])
    assert json.loads(body)["type"] == "order.paid"
    assert headers["Yellowcart-Event-Id"].startswith("evt_")
    [attempt] = _attempts()
    assert (attempt.response_code, attempt.succeeded, attempt.number) == (200, True, 1)
    assert attempt.response_excerpt == '{"received": true}'
    assert _delivery().state == DeliveryState.SUCCEEDED.value


def test_server_answering_500_is_retried_and_the_log_shows_each_attempt(
    app_ctx, allow_private, local_server
):
    owner = seller()
    order = _paid_order(owner)
    endpoint_for(owner, ["order.paid"], local_server.url, allow_private=True)
    local_server.replies = [(500, {}, b"oops")]
    start = now_to_the_minute()

    with freeze_time(start) as clock:
        shop_signals.order_paid.send(order)
        db.session.commit()
        assert _delivery().next_attempt_at == start + timedelta(minutes=1)

        clock.tick(timedelta(minutes=1))
        _relay()

    first, second = _attempts()
    assert (first.number, first.response_code, first.error) == (1, 500, "HTTP 500")
    assert (second.number, second.response_code) == (2, 200)
    assert len(local_server.received) == 2
    assert _delivery().state == DeliveryState.SUCCEEDED.value


def test_failures_back_off_by_the_schedule_on_a_frozen_clock(app_ctx, fake_sender):
    owner = seller()
    order = _paid_order(owner)
    endpoint_for(owner, ["order.paid"])
    fake_sender.statuses = [500, 503, 502]
    start = now_to_the_minute()

    with freeze_time(start) as clock:
        shop_signals.order_paid.send(order)
        db.session.commit()
        assert _delivery().next_attempt_at == start + timedelta(seconds=60)

        clock.tick(timedelta(seconds=59))
        _relay()
        assert len(fake_sender.sent) == 1  # not due yet

        clock.tick(timedelta(seconds=1))
        _relay()
        assert len(fake_sender.sent) == 2
        assert _delivery().next_attempt_at == start + timedelta(seconds=60 + 300)

        clock.tick(timedelta(seconds=300))
        _relay()
        assert _delivery().next_attempt_at == start + timedelta(seconds=60 + 300 + 1800)

    times = [attempt.attempted_at for attempt in _attempts()]
    assert times == [start, start + timedelta(seconds=60), start + timedelta(seconds=360)]


def test_endpoint_failing_for_a_day_is_disabled_and_its_owner_told(app_ctx, fake_sender):
    owner = seller()
    order = _paid_order(owner)
    endpoint = endpoint_for(owner, ["order.paid"])
    fake_sender.statuses = [500] * 20
    start = now_to_the_minute()

    with freeze_time(start) as clock:
        shop_signals.order_paid.send(order)
        db.session.commit()
        while (delivery := _delivery()).state == DeliveryState.PENDING.value:
            assert db.session.get(WebhookEndpoint, endpoint.id).enabled
            clock.move_to(delivery.next_attempt_at)
            _relay()

    delivery = _delivery()
    assert delivery.state == DeliveryState.FAILED.value
    assert delivery.attempts == dispatch.MAX_ATTEMPTS
    last = _attempts()[-1].attempted_at
    assert last - start >= dispatch.DISABLE_AFTER
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert not endpoint.enabled
    assert "a day" in endpoint.disabled_reason
    notice = db.session.scalars(select(Notification).where(Notification.user_id == owner.id)).one()
    assert notice.kind == "webhooks.endpoint_disabled"


def test_success_makes_a_failing_endpoint_healthy_again(app_ctx, fake_sender):
    owner = seller()
    order = _paid_order(owner)
    endpoint = endpoint_for(owner, ["order.paid"])
    fake_sender.statuses = [500]
    start = now_to_the_minute()
    with freeze_time(start) as clock:
        shop_signals.order_paid.send(order)
        db.session.commit()
        assert db.session.get(WebhookEndpoint, endpoint.id).failing_since == start
        clock.tick(timedelta(minutes=1))
        _relay()
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, endpoint.id).failing_since is None


def test_replay_is_a_new_delivery_of_the_same_event_id(app_ctx, fake_sender):
    owner = seller()
    order = _paid_order(owner)
    endpoint_for(owner, ["order.paid"])
    shop_signals.order_paid.send(order)
    db.session.commit()
    first = _delivery()

    again = dispatch.replay(first)
    db.session.commit()

    assert again.id != first.id
    assert again.replay_of_id == first.id
    ids = [sent.headers["Yellowcart-Event-Id"] for sent in fake_sender.sent]
    assert ids == [first.event_id, first.event_id]
    assert fake_sender.sent[0].body == fake_sender.sent[1].body
    # signed afresh with the time of the new attempt
    assert "Yellowcart-Signature" in fake_sender.sent[1].headers


def test_send_test_event_reaches_that_endpoint_only(app_ctx, fake_sender):
    owner = seller()
    one = endpoint_for(owner, ["order.paid"], "https://one.example.com/x")
    endpoint_for(owner, ["order.paid"], "https://two.example.com/x")

    dispatch.send_test(one)
    db.session.commit()

    assert [sent.url for sent in fake_sender.sent] == [one.url]
    assert json.loads(fake_sender.sent[0].body)["type"] == "webhook.test"


def test_disabled_endpoint_cannot_be_sent_a_test_event(app_ctx, fake_sender):
    owner = seller()
    endpoint = endpoint_for(owner, ["order.paid"])
    services.set_enabled(endpoint, False)
    with pytest.raises(EndpointDisabled):
        dispatch.send_test(endpoint)


def test_redirect_is_not_followed(app_ctx, allow_private, local_server):
    owner = seller()
    order = _paid_order(owner)
    endpoint_for(owner, ["order.paid"], local_server.url, allow_private=True)
    local_server.replies = [(302, {"Location": "http://169.254.169.254/"}, b"")]

    shop_signals.order_paid.send(order)
    db.session.commit()

    [attempt] = _attempts()
    assert attempt.response_code == 302
    assert not attempt.succeeded
    assert "not followed" in attempt.error
    assert len(local_server.received) == 1


def test_long_response_body_is_truncated_in_the_log(app_ctx, allow_private, local_server):
    owner = seller()
    order = _paid_order(owner)
    endpoint_for(owner, ["order.paid"], local_server.url, allow_private=True)
    local_server.replies = [(200, {}, b"x" * 50_000)]

    shop_signals.order_paid.send(order)
    db.session.commit()

    [attempt] = _attempts()
    assert attempt.succeeded
    assert len(attempt.response_excerpt) == 1000


def test_connection_goes_to_the_checked_address_not_a_second_lookup(
    app_ctx, allow_private, local_server, monkeypatch
):
    """The host name below resolves nowhere but through the guard's resolver: the request
    reaches the local server only because the socket is pinned to the checked address."""
    owner = seller()
    order = _paid_order(owner)
    port = local_server.server_address[1]
    endpoint_for(owner, ["order.paid"], f"http://pinned.invalid:{port}/hooks", allow_private=True)
    transport = app_ctx.extensions["webhooks"]
    monkeypatch.setattr(transport, "resolver", lambda host, port: ["127.0.0.1"])

    shop_signals.order_paid.send(order)
    db.session.commit()

    assert len(local_server.received) == 1
    assert local_server.received[0][0]["Host"] == f"pinned.invalid:{port}"
    [attempt] = _attempts()
    assert attempt.response_code == 200
