"""Events and the life of their deliveries; the caller (request or job) commits.

Protocol of a delivery (one row per event and endpoint; a replay is a new row):

1. ``emit`` writes the event and one pending delivery per subscribed, enabled endpoint of the
   event's owner, and an outbox message per delivery, all in the caller's transaction: a
   change that rolls back sends nothing.
2. The job (``jobs.deliver``) calls ``attempt``: it signs the body with the current time, sends
   it through the ``Transport`` (which refuses private addresses), and logs the attempt.
3. 2xx: the delivery succeeded and the endpoint is healthy again. Anything else: the next
   attempt is an outbox message due after ``BACKOFF_SECONDS`` (1 min, 5 min, 30 min, 2 h, 5 h,
   10 h, 10 h: eight attempts over about 27 hours), and once an endpoint has failed for a
   whole day (``DISABLE_AFTER``) with no success since, it is disabled and its owner told.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from api.webhooks import signing
from api.webhooks.delivery import Transport
from api.webhooks.exceptions import EndpointDisabled
from api.webhooks.models import (
    ERROR_MAX,
    RESPONSE_EXCERPT_MAX,
    DeliveryState,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from api.webhooks.services import endpoints_of
from core.extensions import db
from core.jobs import outbox
from core.notifications.services import notify
from core.types import utcnow

DELIVER_JOB = "api.webhooks.jobs.deliver"
WEBHOOK_QUEUE = "default"
BACKOFF_SECONDS = (60, 300, 1800, 7200, 18000, 36000, 36000)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
DISABLE_AFTER = timedelta(days=1)


# ---------------------------------------------------------------------------- events


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(12)


def rfc3339(moment: datetime | None) -> str | None:
    """``2026-12-07T13:00:00Z``: UTC, whole seconds (None stays None)."""
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _enqueue(delivery: WebhookDelivery, due_at: datetime | None = None) -> None:
    message = outbox.add(db.session(), DELIVER_JOB, [delivery.id], {}, queue=WEBHOOK_QUEUE)
    if due_at is not None:
        message.due_at = due_at


def emit(
    owner_id: int,
    event_type: EventType,
    data: dict[str, Any] | Callable[[], dict[str, Any]],
    *,
    now: datetime | None = None,
) -> WebhookEvent | None:
    """Send ``event_type`` to the owner's enabled endpoints that chose it; the deliveries
    leave after the caller's commit. With no such endpoint nothing is written and ``data``
    (a dict, or a function building it) is never built: one query in all."""
    endpoints = [
        endpoint for endpoint in endpoints_of(owner_id) if endpoint.wants(event_type.value)
    ]
    if not endpoints:
        return None
    payload = data() if callable(data) else data
    return _record(owner_id, event_type, payload, endpoints, now=now)


def _record(
    owner_id: int,
    event_type: EventType,
    data: dict[str, Any],
    endpoints: Sequence[WebhookEndpoint],
    *,
    now: datetime | None = None,
) -> WebhookEvent:
    now = now or utcnow()
    event = WebhookEvent(
        id=new_event_id(), owner_id=owner_id, type=event_type.value, data=data, created_at=now
    )
    db.session.add(event)
    deliveries = [
        WebhookDelivery(endpoint=endpoint, event=event, created_at=now, next_attempt_at=now)
        for endpoint in endpoints
    ]
    db.session.add_all(deliveries)
    db.session.flush()
    for delivery in deliveries:
        _enqueue(delivery)
    return event


def send_test(endpoint: WebhookEndpoint, *, now: datetime | None = None) -> WebhookDelivery:
    """Send a ``webhook.test`` event to this endpoint alone."""
    if not endpoint.enabled:
        raise EndpointDisabled("Enable the endpoint before sending it a test event.")
    data = {
        "object": "test",
        "message": "A test event from Yellowcart.",
        "endpoint_id": endpoint.id,
    }
    event = _record(endpoint.owner_id, EventType.TEST, data, [endpoint], now=now)
    return db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.event_id == event.id)
    ).one()


def replay(delivery: WebhookDelivery, *, now: datetime | None = None) -> WebhookDelivery:
    """A new delivery of the same event (same id: the receiver can tell it is a repeat)."""
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        raise EndpointDisabled("Enable the endpoint before replaying an event to it.")
    now = now or utcnow()
    again = WebhookDelivery(
        endpoint=endpoint,
        event=delivery.event,
        replay_of_id=delivery.id,
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(again)
    db.session.flush()
    _enqueue(again)
    return again


# ---------------------------------------------------------------------------- delivering


def envelope(event: WebhookEvent) -> bytes:
    """The JSON body of every delivery of ``event`` (the same bytes each time)."""
    body = {
        "id": event.id,
        "object": "event",
        "type": event.type,
        "created": rfc3339(event.created_at),
        "data": event.data,
    }
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def attempt(delivery_id: int, transport: Transport, *, now: datetime | None = None) -> str:
    """Make the delivery's next attempt if it is due; return its state afterwards."""
    delivery = db.session.scalar(
        select(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .with_for_update(of=WebhookDelivery)
    )
    if delivery is None or delivery.state != DeliveryState.PENDING.value:
        return delivery.state if delivery else "gone"
    endpoint = delivery.endpoint
    now = now or utcnow()
    if not endpoint.enabled:
        delivery.state = DeliveryState.FAILED.value
        delivery.finished_at = now
        delivery.next_attempt_at = None
        return delivery.state
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
        return delivery.state  # a duplicate message came early: its own message follows
    body = envelope(delivery.event)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Yellowcart-Webhooks/1",
        signing.SIGNATURE_HEADER: signing.header(endpoint.secret, timestamp, body),
        signing.EVENT_ID_HEADER: delivery.event_id,
        signing.EVENT_TYPE_HEADER: delivery.event.type,
    }
    response = transport.send(endpoint.url, body, headers)
    delivery.attempts += 1
    db.session.add(
        WebhookAttempt(
            delivery=delivery,
            endpoint_id=endpoint.id,
            number=delivery.attempts,
            attempted_at=now,
            response_code=response.status,
            duration_ms=max(0, response.duration_ms),
            error=(response.error or None) and str(response.error)[:ERROR_MAX],
            response_excerpt=(response.excerpt or None) and response.excerpt[:RESPONSE_EXCERPT_MAX],
            succeeded=response.ok,
        )
    )
    if response.ok:
        delivery.state = DeliveryState.SUCCEEDED.value
        delivery.finished_at = now
        delivery.next_attempt_at = None
        endpoint.failing_since = None
    else:
        _failed(delivery, endpoint, now)
    db.session.flush()
    return delivery.state


def _failed(delivery: WebhookDelivery, endpoint: WebhookEndpoint, now: datetime) -> None:
    if endpoint.failing_since is None:
        endpoint.failing_since = now
    if now - endpoint.failing_since >= DISABLE_AFTER:
        _disable_failing(endpoint, now)
    if not endpoint.enabled or delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = DeliveryState.FAILED.value
        delivery.finished_at = now
        delivery.next_attempt_at = None
        return
    due = now + timedelta(seconds=BACKOFF_SECONDS[delivery.attempts - 1])
    delivery.next_attempt_at = due
    _enqueue(delivery, due)


def _disable_failing(endpoint: WebhookEndpoint, now: datetime) -> None:
    endpoint.enabled = False
    endpoint.disabled_reason = "Disabled after a day of failed deliveries."
    endpoint.updated_at = now
    notify(
        endpoint.owner_id,
        f"Your webhook endpoint {endpoint.url[:120]} failed every delivery for a day, so it was "
        "disabled. Fix it, then enable it again and replay what it missed.",
        kind="webhooks.endpoint_disabled",
        link=f"/account/webhooks/{endpoint.id}",
    )
