"""The yellow cart's two doors into the shop, both attributed to the content they are on.

``GET /c/<content>/p/<product>`` records a card click, remembers the touch and opens the
product page (where adding to the cart keeps the attribution); ``POST /c/<content>/cart``
adds the card's option to the cart at once (``buy_now`` goes straight to checkout). The
attribution lives server-side in the signed session: no form field can claim it. The rules
are ``affiliate.creators.attribution.services``'.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.creators.attribution import services as attribution
from affiliate.creators.content.forms import CardCartForm
from affiliate.creators.content.loaders import get_card_or_404
from core.accounts.authz import get_or_404
from core.accounts.views import is_safe_next
from core.extensions import db
from core.web.refusals import refuse
from shop.catalog.models import Variant
from shop.orders.cart_views import current_cart
from shop.orders.exceptions import CartError

bp = Blueprint("yellowcart", __name__, url_prefix="/c")


def _viewer_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _user_agent() -> str:
    return request.headers.get("User-Agent", "")


@bp.get("/<int:content_id>/p/<int:product_id>")
def open_product(content_id: int, product_id: int) -> ResponseReturnValue:
    content = get_card_or_404(content_id, product_id)
    attribution.open_card(content, product_id, viewer_id=_viewer_id(), user_agent=_user_agent())
    db.session.commit()
    return redirect(url_for("shop.product", product_id=product_id))


@bp.post("/<int:content_id>/cart")
def add_to_cart(content_id: int) -> ResponseReturnValue:
    form = CardCartForm()
    if not form.validate_on_submit():
        abort(400)
    content = get_card_or_404(content_id, form.product_id.data)
    variant = get_or_404(Variant, form.variant_id.data)
    if variant.product_id != form.product_id.data:
        abort(400)
    back = form.next.data if is_safe_next(form.next.data) else url_for("shop.cart")
    try:
        line = attribution.add_from_card(
            current_cart(create=True),
            content,
            variant,
            form.quantity.data or 1,
            viewer_id=_viewer_id(),
            user_agent=_user_agent(),
        )
    except CartError as error:
        return refuse(error, back=back)
    title = line.variant.product.title
    db.session.commit()
    if form.buy_now.data:
        return redirect(url_for("shop.checkout"), 303)
    flash(f"Added {title} to your cart.", "success")
    return redirect(back, 303)
