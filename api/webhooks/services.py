"""Webhook endpoints: what an account registers, changes and reads; the caller commits.

An endpoint is a URL, the events it chose (among those its owner's roles allow) and a signing
secret. What is sent to it, and when, is ``api.webhooks.dispatch``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select

from api.webhooks import signing
from api.webhooks.delivery import RefusedDestination, check_url_shape, is_public
from api.webhooks.exceptions import InvalidEndpointUrl, InvalidEvents, TooManyEndpoints
from api.webhooks.models import (
    CREATOR_EVENTS,
    DESCRIPTION_MAX,
    SELLER_EVENTS,
    URL_MAX,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from core.accounts.models import Role, User
from core.extensions import db
from core.types import utcnow
from core.web.pagination import Page

MAX_ENDPOINTS_PER_USER = 20
LOG_PER_PAGE = 25


def events_for(user: User) -> list[EventType]:
    """The event types ``user`` may subscribe to, by their roles."""
    allowed: list[EventType] = []
    if user.has_role(Role.SELLER):
        allowed.extend(SELLER_EVENTS)
    if user.has_role(Role.CREATOR):
        allowed.extend(CREATOR_EVENTS)
    return allowed


def _clean_url(url: str, *, allow_private: bool) -> str:
    url = (url or "").strip()
    if not url or len(url) > URL_MAX:
        raise InvalidEndpointUrl(f"Give an https:// URL of at most {URL_MAX} characters.")
    try:
        host, _port = check_url_shape(url, allow_private=allow_private)
    except RefusedDestination as error:
        raise InvalidEndpointUrl(str(error)) from error
    if not allow_private and _is_private_literal(host):
        raise InvalidEndpointUrl("That address is on a private network; give a public one.")
    return url


def _is_private_literal(host: str) -> bool:
    """Whether ``host`` is an IP address that is not public (names are checked at delivery,
    where every address they resolve to is judged)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return not is_public(host)


def _clean_events(user: User, events: Iterable[str]) -> list[str]:
    allowed = {event.value for event in events_for(user)}
    chosen = list(dict.fromkeys(str(event) for event in events))
    if not chosen:
        raise InvalidEvents("Choose at least one event.")
    unknown = [event for event in chosen if event not in allowed]
    if unknown:
        raise InvalidEvents(f"You cannot subscribe to {', '.join(unknown)}.")
    return sorted(chosen)


def _clean_description(description: str) -> str:
    return (description or "").strip()[:DESCRIPTION_MAX]


def create_endpoint(
    user: User,
    url: str,
    events: Iterable[str],
    description: str = "",
    *,
    allow_private: bool = False,
) -> WebhookEndpoint:
    """Register a URL for ``user`` with a fresh signing secret."""
    count = db.session.scalar(select(func.count()).where(WebhookEndpoint.owner_id == user.id))
    if (count or 0) >= MAX_ENDPOINTS_PER_USER:
        raise TooManyEndpoints(f"An account has at most {MAX_ENDPOINTS_PER_USER} endpoints.")
    now = utcnow()
    endpoint = WebhookEndpoint(
        owner_id=user.id,
        url=_clean_url(url, allow_private=allow_private),
        events=_clean_events(user, events),
        description=_clean_description(description),
        secret=signing.new_secret(),
        enabled=True,
        created_at=now,
        updated_at=now,
    )
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def update_endpoint(
    endpoint: WebhookEndpoint,
    user: User,
    url: str,
    events: Iterable[str],
    description: str = "",
    *,
    allow_private: bool = False,
) -> WebhookEndpoint:
    """Change the URL, the events or the description (the secret stays)."""
    endpoint.url = _clean_url(url, allow_private=allow_private)
    endpoint.events = _clean_events(user, events)
    endpoint.description = _clean_description(description)
    endpoint.updated_at = utcnow()
    db.session.flush()
    return endpoint


def rotate_secret(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new signing secret at once; the old one no longer signs anything."""
    endpoint.secret = signing.new_secret()
    endpoint.secret_rotated_at = endpoint.updated_at = utcnow()
    db.session.flush()
    return endpoint


def set_enabled(endpoint: WebhookEndpoint, enabled: bool) -> WebhookEndpoint:
    """Turn deliveries to the endpoint on or off (on again: its failure count starts afresh)."""
    endpoint.enabled = enabled
    endpoint.disabled_reason = None if enabled else "Disabled by you."
    endpoint.failing_since = None
    endpoint.updated_at = utcnow()
    db.session.flush()
    return endpoint


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    """Remove the endpoint with its deliveries and their log."""
    db.session.delete(endpoint)
    db.session.flush()


def endpoints_of(owner_id: int) -> Sequence[WebhookEndpoint]:
    return db.session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.owner_id == owner_id)
        .order_by(WebhookEndpoint.id)
    ).all()


def owned_endpoint(owner_id: int, endpoint_id: int) -> WebhookEndpoint | None:
    """The endpoint if it is ``owner_id``'s (else None: another's looks like no endpoint)."""
    return db.session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.owner_id == owner_id
        )
    )


def owned_delivery(owner_id: int, delivery_id: int) -> WebhookDelivery | None:
    return db.session.scalar(
        select(WebhookDelivery)
        .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
        .where(WebhookDelivery.id == delivery_id, WebhookEndpoint.owner_id == owner_id)
    )


def attempt_log(endpoint: WebhookEndpoint, page: int) -> Page[WebhookAttempt]:
    """The endpoint's attempts, newest first, a page at a time (one query for the rows)."""
    total = db.session.scalar(select(func.count()).where(WebhookAttempt.endpoint_id == endpoint.id))
    rows = db.session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.endpoint_id == endpoint.id)
        .order_by(WebhookAttempt.attempted_at.desc(), WebhookAttempt.id.desc())
        .limit(LOG_PER_PAGE)
        .offset((page - 1) * LOG_PER_PAGE)
    ).all()
    return Page(list(rows), page, LOG_PER_PAGE, total or 0)
