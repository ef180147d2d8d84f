"""The tracking beacon: ``POST /t/events`` from ``static/js/track.js``.

Browsers report views, yellow-cart opens and product-card clicks; add-to-cart and orders are
recorded by the cart and order services, never trusted from a browser. The form carries the
page's CSRF token (Flask-WTF checks it before this view runs). The answer is 204 whether the
event counted, was a repeat or came from a bot, so a page learns nothing from it; bad input
is 400 with a short JSON error, unknown or removed content 404.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.creators.attribution import ingest, tracking
from affiliate.creators.attribution.models import EventKind
from affiliate.creators.content.queries import is_attached, published_content
from core.extensions import db, limiter

bp = Blueprint("tracking", __name__)

BEACON_LIMIT = "120 per minute"
_MAX_ID = 2**63 - 1


def _bad(message: str, status: int = 400) -> ResponseReturnValue:
    return jsonify(error=message), status


def _id(raw: str | None) -> int | None:
    """A positive database id from a form field, or None."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        return None
    value = int(raw)
    return value if 0 < value <= _MAX_ID else None


def _beacon_limit() -> str:
    return str(current_app.config.get("TRACKING_LIMIT_PER_IP") or BEACON_LIMIT)


@bp.post("/t/events")
@limiter.limit(_beacon_limit)
def record() -> ResponseReturnValue:
    form = request.form
    kind = next((k for k in tracking.BEACON_KINDS if k.value == form.get("kind")), None)
    if kind is None:
        return _bad("kind must be view, cart_open or click")
    content_id = _id(form.get("content_id"))
    if content_id is None:
        return _bad("content_id must be a content's id")
    product_id = None
    if form.get("product_id"):
        product_id = _id(form.get("product_id"))
        if product_id is None:
            return _bad("product_id must be a product's id")
    if kind is EventKind.CLICK and product_id is None:
        return _bad("a click names the product_id of the card")

    content = published_content(content_id)
    if content is None:
        return _bad("no such content", 404)
    if product_id is not None and not is_attached(content.id, product_id):
        return _bad("that product is not on this content's yellow cart")

    # Bots and the creator's own views are not the audience: accepted, not counted.
    own = current_user.is_authenticated and current_user.id == content.creator_id
    if not own and not tracking.is_bot(request.user_agent.string):
        ingest.track_event(
            kind,
            content.id,
            content.creator_id,
            visitor=tracking.current_visitor(),
            product_id=product_id,
        )
        db.session.commit()
    return "", 204
