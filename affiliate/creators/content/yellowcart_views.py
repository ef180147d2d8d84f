"""The yellow cart's two doors into the shop, both attributed to the content they are on.

``GET /c/<content>/p/<product>`` records a card click, remembers the touch and opens the
product page (where adding to the cart keeps the attribution); ``POST /c/<content>/cart``
adds the card's option to the cart at once (``buy_now`` goes straight to checkout). The
attribution lives server-side in the signed session: no form field can claim it.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional

from affiliate.creators.attribution import touches as attribution
from affiliate.creators.attribution import tracking
from affiliate.creators.attribution.models import EventKind
from affiliate.creators.content import cards as content
from affiliate.creators.content.models import Content
from core.accounts.authz import get_or_404
from core.accounts.views import is_safe_next
from core.extensions import db
from shop import hooks, signals
from shop.catalog.models import Variant
from shop.orders import cart as carts
from shop.orders.cart import Attribution
from shop.orders.exceptions import CartError
from shop.orders.models import CartLine
from shop.orders.views import current_cart

log = logging.getLogger(__name__)

bp = Blueprint("yellowcart", __name__, url_prefix="/c")

ID_RANGE = NumberRange(min=1, max=2**31 - 1, message="Choose an option.")


class CardCartForm(FlaskForm):
    product_id = IntegerField("Product", validators=[InputRequired(), ID_RANGE])
    variant_id = IntegerField("Option", validators=[InputRequired("Choose an option."), ID_RANGE])
    quantity = IntegerField(
        "Quantity",
        default=1,
        validators=[Optional(), NumberRange(min=1, max=carts.MAX_QUANTITY)],
    )
    buy_now = HiddenField()
    next = HiddenField()


def _content_with(content_id: int, product_id: int) -> Content:
    found = content.published_content(content_id)
    if found is None or not content.is_attached(content_id, product_id):
        abort(404)
    return found


def _record(kind: EventKind, found: Content, product_id: int) -> None:
    """Count a viewer's tap; bots and the creator's own taps are not counted."""
    if tracking.is_bot(request.headers.get("User-Agent", "")):
        return
    if current_user.is_authenticated and current_user.id == found.creator_id:
        return
    tracking.record_event(
        kind,
        found.id,
        found.creator_id,
        visitor=tracking.current_visitor(),
        product_id=product_id,
    )


@bp.get("/<int:content_id>/p/<int:product_id>")
def open_product(content_id: int, product_id: int) -> ResponseReturnValue:
    found = _content_with(content_id, product_id)
    attribution.touch(found, product_id)
    _record(EventKind.CLICK, found, product_id)
    db.session.commit()
    return redirect(url_for("shop.product", product_id=product_id))


@bp.post("/<int:content_id>/cart")
def add_to_cart(content_id: int) -> ResponseReturnValue:
    form = CardCartForm()
    if not form.validate_on_submit():
        abort(400)
    found = _content_with(content_id, form.product_id.data)
    variant = get_or_404(Variant, form.variant_id.data)
    if variant.product_id != form.product_id.data:
        abort(400)
    back = form.next.data if is_safe_next(form.next.data) else url_for("shop.cart")
    attribution.touch(found, variant.product_id)
    _record(EventKind.CLICK, found, variant.product_id)
    quantity = form.quantity.data or 1
    try:
        line = carts.add_to_cart(
            current_cart(create=True), variant, quantity, hooks.attribution_for(variant.product_id)
        )
        signals.cart_line_added.send(line, attribution=line_attribution(line), quantity=quantity)
    except CartError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(back, 303)
    title = line.variant.product.title
    db.session.commit()
    if form.buy_now.data:
        return redirect(url_for("shop.checkout"), 303)
    flash(f"Added {title} to your cart.", "success")
    return redirect(back, 303)


def line_attribution(line: CartLine) -> Attribution | None:
    if line.creator_id is None or line.content_id is None or line.content_type is None:
        return None
    return Attribution(line.creator_id, line.content_type, line.content_id, line.attributed_at)


@signals.cart_line_added.connect
def _count_attributed_add(line: CartLine, **extra: Any) -> None:
    """An add from content counts as an ``add_to_cart`` event of that content."""
    source = extra.get("attribution")
    if not isinstance(source, Attribution):
        return
    tracking.record_event(
        EventKind.ADD_TO_CART,
        source.content_id,
        source.creator_id,
        visitor=tracking.current_visitor(),
        product_id=line.variant.product_id,
    )


hooks.register_attribution_resolver(attribution.attribution_for)
