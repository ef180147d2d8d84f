"""Attribution: which creator's content a visitor came from when they put a product in a cart.

A tap on a yellow-cart card goes through the server (``touch``), which checks that the
product is on that published content and remembers (creator, content, time) for the product
in the visitor's session. The session cookie is signed, so a touch cannot be forged, and a
form never carries attribution. When the visitor then adds the product to a cart, from the
card or from the product page, the shop asks ``attribution_for(product_id)`` (a hook the
shop calls without knowing this package): the latest touch within the attribution window
wins, and the cart line keeps it.

A tap on a product of a creator's collection (``touch_source`` with kind ``collection`` and the
collection's id) is a touch like any other: same window, and whichever touch is latest wins.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import current_app, has_request_context, session

from affiliate.creators.content.models import Content, ContentKind
from shop.orders.cart import Attribution

SESSION_KEY = "touches"
MAX_TOUCHES = 30  # products remembered per visitor; the oldest touch goes first
CONTENT_KINDS = frozenset(kind.value for kind in ContentKind)
#: A touch from a creator's collection (``affiliate.creators.collections``): the line's
#: ``content_type``, with the collection's id as its ``content_id``.
COLLECTION = "collection"
SOURCE_KINDS = CONTENT_KINDS | {COLLECTION}


def _window_seconds() -> int:
    return int(current_app.config["ATTRIBUTION_WINDOW_DAYS"]) * 86400


def touch(content: Content, product_id: int, *, now: float | None = None) -> None:
    """Remember that this visitor came to ``product_id`` from ``content`` (last touch wins)."""
    touch_source(content.creator_id, content.id, content.kind, product_id, now=now)


def touch_source(
    creator_id: int, source_id: int, kind: str, product_id: int, *, now: float | None = None
) -> None:
    """Remember a touch from any source of a creator's: content, or a collection."""
    if kind not in SOURCE_KINDS:
        raise ValueError(f"unknown touch source {kind!r}")
    now = time.time() if now is None else now
    touches = dict(session.get(SESSION_KEY) or {})
    touches.pop(str(product_id), None)
    touches[str(product_id)] = [creator_id, source_id, int(now), kind]
    while len(touches) > MAX_TOUCHES:
        touches.pop(next(iter(touches)))
    session[SESSION_KEY] = touches


def attribution_for(product_id: int, *, now: float | None = None) -> Attribution | None:
    """The visitor's latest touch for ``product_id`` within the window, if any."""
    if not has_request_context():
        return None
    entry = (session.get(SESSION_KEY) or {}).get(str(product_id))
    if not _well_formed(entry):
        return None
    creator_id, content_id, at, kind = entry
    now = time.time() if now is None else now
    if now - at > _window_seconds() or at > now + 60:
        return None
    return Attribution(
        creator_id=creator_id,
        content_type=kind,
        content_id=content_id,
        at=datetime.fromtimestamp(at, UTC),
    )


def _well_formed(entry: object) -> bool:
    return (
        isinstance(entry, list)
        and len(entry) == 4
        and all(isinstance(part, int) and not isinstance(part, bool) for part in entry[:3])
        and entry[3] in SOURCE_KINDS
    )


def forget(product_id: int) -> None:
    touches = dict(session.get(SESSION_KEY) or {})
    if touches.pop(str(product_id), None) is not None:
        session[SESSION_KEY] = touches
