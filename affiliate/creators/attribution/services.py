"""The yellow cart's two doors into the shop, both attributed to the content they are on.

Opening a card (``open_card``) remembers the touch (``touches``: last touch wins) and counts a
click; adding from a card (``add_from_card``) does the same, then puts the card's option in the
cart with the attribution the shop asks for, exactly as the product page's "Add to cart" would.
The cart service announces every line (``shop.signals.cart_line_added``), and an attributed add
counts as an ``add_to_cart`` event of its content (``count_attributed_add``, its receiver).

Bots and a creator's own taps are remembered but not counted. The services flush; the view
commits.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context

from affiliate.creators.attribution import ingest, touches, tracking
from affiliate.creators.attribution.models import EventKind
from affiliate.creators.content.models import Content
from shop import hooks
from shop.catalog.models import Variant
from shop.orders import cart as carts
from shop.orders.cart import Attribution
from shop.orders.models import Cart, CartLine


def _record_click(
    content: Content, product_id: int, viewer_id: int | None, user_agent: str
) -> None:
    """Count a viewer's tap; bots and the creator's own taps are not counted."""
    if tracking.is_bot(user_agent) or viewer_id == content.creator_id:
        return
    ingest.track_event(
        EventKind.CLICK,
        content.id,
        content.creator_id,
        visitor=tracking.current_visitor(),
        product_id=product_id,
    )


def open_card(content: Content, product_id: int, *, viewer_id: int | None, user_agent: str) -> None:
    """A tap on a card of ``content``: remember the touch and count the click."""
    touches.touch(content, product_id)
    _record_click(content, product_id, viewer_id, user_agent)


def add_from_card(
    cart: Cart,
    content: Content,
    variant: Variant,
    quantity: int,
    *,
    viewer_id: int | None,
    user_agent: str,
) -> CartLine:
    """Add a card's option to the cart: the touch, the click, then the cart line, which carries
    the attribution (a ``CartError`` if the cart refuses; the caller rolls back the click)."""
    touches.touch(content, variant.product_id)
    _record_click(content, variant.product_id, viewer_id, user_agent)
    return carts.add_to_cart(cart, variant, quantity, hooks.attribution_for(variant.product_id))


def count_attributed_add(line: CartLine, **extra: Any) -> None:
    """A visitor's add from content counts as an ``add_to_cart`` event of that content.

    Only a visitor's add counts: an add outside a request (a script, the demo) is nobody's.
    """
    source = extra.get("attribution")
    if not isinstance(source, Attribution) or not has_request_context():
        return
    if source.content_type == touches.COLLECTION:
        return  # from a collection: content events count content only
    ingest.track_event(
        EventKind.ADD_TO_CART,
        source.content_id,
        source.creator_id,
        visitor=tracking.current_visitor(),
        product_id=line.variant.product_id,
    )
