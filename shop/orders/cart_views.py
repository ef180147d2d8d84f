"""The buyer's cart (routes on ``shop_bp``), and whose cart a request is about.

A signed-in buyer's cart is theirs; a guest's is found by a random token kept in the session,
and merges into the account's cart at sign-in (``merge_guest_cart``, connected by
``shop.init_app``). Views parse the form, load the line through ``loaders``, call one service
of ``shop.orders.cart`` and commit; a refusal is answered by ``core.web.refusals.refuse``. The
voucher codes a buyer entered are kept in the session, per store (``voucher_codes``): the cart,
checkout and ``place_orders`` price them again on every request.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash, g, has_request_context, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from core.accounts.authz import get_or_404
from core.extensions import db
from core.web.refusals import refuse
from core.web.templating import header_count
from shop import hooks
from shop.blueprints import shop_bp as bp
from shop.catalog.models import Variant
from shop.orders import cart as carts
from shop.orders.exceptions import CartError
from shop.orders.forms import AddToCartForm, QuantityForm, RemoveLineForm
from shop.orders.loaders import get_cart_line_or_404
from shop.orders.models import Cart
from shop.promotions.pricing.cart import price_cart
from shop.promotions.pricing.quotes import CartPricing

log = logging.getLogger(__name__)

CART_TOKEN_KEY = "cart_token"  # noqa: S105 - a session key, not a secret
VOUCHER_CODES_KEY = "voucher_codes"  # store id (text) → the code entered for its order


# ---------------------------------------------------------------------------- whose cart


def current_cart(*, create: bool = False) -> Cart | None:
    """The signed-in buyer's cart, or the guest's (its token kept in the session)."""
    if current_user.is_authenticated:
        if create:
            return carts.get_or_create_cart(user_id=current_user.id)
        return carts.find_cart(user_id=current_user.id)
    token = session.get(CART_TOKEN_KEY)
    if not isinstance(token, str) or not token:
        if not create:
            return None
        token = carts.new_cart_token()
        session[CART_TOKEN_KEY] = token
    return carts.get_or_create_cart(token=token) if create else carts.find_cart(token=token)


def _cart_item_count() -> int:
    if "cart_item_count" not in g:
        if current_user.is_authenticated:
            counted = header_count("cart")  # read with the bell's, in one statement
            g.cart_item_count = (
                counted if counted is not None else carts.item_count(user_id=current_user.id)
            )
        else:
            token = session.get(CART_TOKEN_KEY)
            g.cart_item_count = carts.item_count(token=token if isinstance(token, str) else None)
    return g.cart_item_count


@bp.app_context_processor
def _cart_helpers() -> dict[str, Any]:
    return {"cart_item_count": _cart_item_count}


@bp.before_app_request
def _remember_guest_cart() -> None:
    """Keep the guest's cart token: sign-in clears the session before ``user_logged_in``."""
    token = session.get(CART_TOKEN_KEY)
    if isinstance(token, str) and token:
        g.guest_cart_token = token


def merge_guest_cart(sender: Any, user: Any, **extra: Any) -> None:
    """Move the guest's cart into the account's cart when the guest signs in."""
    if not has_request_context():
        return
    token = g.pop("guest_cart_token", None) or session.get(CART_TOKEN_KEY)
    session.pop(CART_TOKEN_KEY, None)
    g.pop("cart_item_count", None)
    if not isinstance(token, str) or not token:
        return
    try:
        carts.merge_guest_cart(token, user.id)
        db.session.commit()  # the sign-in itself has committed; this is its own transaction
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("could not merge the guest cart into user %s's cart", user.id)


def buyer_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def voucher_codes() -> dict[int, str]:
    """The codes the buyer entered, by store id (whatever the session holds is checked)."""
    stored = session.get(VOUCHER_CODES_KEY)
    if not isinstance(stored, dict):
        return {}
    return {
        int(key): value
        for key, value in stored.items()
        if isinstance(key, str) and key.isdigit() and isinstance(value, str)
    }


def keep_voucher_code(store_id: int, code: str | None) -> None:
    codes = {str(key): value for key, value in voucher_codes().items()}
    if code:
        codes[str(store_id)] = code
    else:
        codes.pop(str(store_id), None)
    session[VOUCHER_CODES_KEY] = codes


def price(groups: list[carts.StoreGroup]) -> CartPricing:
    """The groups' lines priced for this buyer with the codes they entered."""
    lines = [view for group in groups for view in group.available_lines]
    return price_cart(lines, buyer_id=buyer_id(), codes=voucher_codes())


# ---------------------------------------------------------------------------- the cart page


def render_cart(
    error: str | None = None,
    status: int = 200,
    *,
    voucher_error: tuple[int, str, str] | None = None,
) -> ResponseReturnValue:
    summary = carts.summarise(current_cart())
    return render_template(
        "shop/cart.html",
        summary=summary,
        pricing=price(summary.groups),
        error=error,
        voucher_error=voucher_error,
        quantity_form=QuantityForm(formdata=None),
        remove_form=RemoveLineForm(formdata=None),
        max_quantity=carts.MAX_QUANTITY,
    ), status


def _cart_page(status: int) -> ResponseReturnValue:
    return render_cart(status=status)


@bp.get("/cart")
def cart() -> ResponseReturnValue:
    return render_cart()


@bp.post("/cart/add")
def cart_add() -> ResponseReturnValue:
    form = AddToCartForm()
    if not form.validate_on_submit():
        errors = [e for field in form for e in field.errors]
        return render_cart(errors[0] if errors else "Choose an option and a quantity.", 400)
    variant = get_or_404(Variant, form.variant_id.data)
    if form.product_id.data is not None and variant.product_id != form.product_id.data:
        abort(400)
    attribution = hooks.attribution_for(variant.product_id)
    try:
        line = carts.add_to_cart(
            current_cart(create=True), variant, form.quantity.data, attribution
        )
    except CartError as error:
        return refuse(error, page=_cart_page)
    title = line.variant.product.title
    db.session.commit()
    if form.buy_now.data:
        return redirect(url_for("shop.checkout"), 303)
    flash(f"Added {title} to your cart.", "success")
    return redirect(url_for("shop.cart"), 303)


@bp.post("/cart/lines/<int:line_id>/quantity")
def cart_line_quantity(line_id: int) -> ResponseReturnValue:
    cart = current_cart()
    line = get_cart_line_or_404(line_id, cart=cart)
    form = QuantityForm()
    if not form.validate_on_submit():
        errors = form.quantity.errors or ["Choose a quantity."]
        return render_cart(str(errors[0]), 400)
    try:
        carts.set_quantity(cart, line.id, form.quantity.data)
    except CartError as error:
        return refuse(error, page=_cart_page)
    db.session.commit()
    flash("Quantity updated.", "success")
    return redirect(url_for("shop.cart"), 303)


@bp.post("/cart/lines/<int:line_id>/remove")
def cart_line_remove(line_id: int) -> ResponseReturnValue:
    form = RemoveLineForm()
    if not form.validate_on_submit():
        abort(400)
    cart = current_cart()
    line = get_cart_line_or_404(line_id, cart=cart)
    carts.remove_line(cart, line.id)
    db.session.commit()
    flash("Removed from your cart.", "info")
    return redirect(url_for("shop.cart"), 303)
