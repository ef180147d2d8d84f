"""Checkout (routes on ``shop_bp``): the review page, placing the orders, and the voucher code
entered for a store's order, in the cart or at checkout.

Views parse the form, call one service (``services.place_orders``) and commit, then open the
payment with its provider and send the buyer to pay. Every rule lives in ``services`` and
``shop.promotions.pricing``; a refusal is answered by ``core.web.refusals.refuse`` (stock taken
by another buyer, a changed cart, a promotion gone: 409; else 400).
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from core.extensions import db
from core.money import format_money
from core.web.refusals import refuse
from shop.blueprints import shop_bp as bp
from shop.orders import cart as carts
from shop.orders.cart_views import (
    buyer_id,
    current_cart,
    keep_voucher_code,
    price,
    render_cart,
    voucher_codes,
)
from shop.orders.checkout import services as checkout
from shop.orders.checkout.forms import CheckoutForm
from shop.orders.exceptions import CheckoutError
from shop.orders.forms import RemoveVoucherForm, VoucherForm
from shop.payments.views import open_with_provider
from shop.promotions.pricing.cart import normalise_code, price_cart

# ---------------------------------------------------------------------------- vouchers


def _back(form: VoucherForm | RemoveVoucherForm) -> str:
    if form.back_to == "checkout" and current_user.is_authenticated:
        return "checkout"
    return "cart"


def _voucher_refused(
    form: VoucherForm | RemoveVoucherForm, store_id: int, code: str, message: str
) -> ResponseReturnValue:
    """The page the buyer came from, answering 400 with why (nothing was kept)."""
    refused = (store_id, code, message)
    if _back(form) == "checkout":
        currency = request.args.get("currency") or None
        return render_checkout(currency=currency, voucher_error=refused, status=400)
    return render_cart(status=400, voucher_error=refused)


@bp.post("/cart/voucher")
def cart_voucher() -> ResponseReturnValue:
    """Apply a voucher code to one store's order of the cart, if it can apply now."""
    form = VoucherForm()
    store_id = form.store_id.data if isinstance(form.store_id.data, int) else 0
    code = normalise_code(form.code.data)
    if not form.validate_on_submit():
        errors = [e for field in form for e in field.errors]
        return _voucher_refused(form, store_id, code, str(errors[0]) if errors else "Try again.")
    summary = carts.summarise(current_cart())
    group = next((g for g in summary.groups if g.store.id == store_id), None)
    if group is None or not group.available_lines:
        return _voucher_refused(form, store_id, code, "Nothing from that store is in your cart.")
    pricing = price_cart(group.available_lines, buyer_id=buyer_id(), codes={store_id: code})
    priced = pricing.store(store_id)
    assert priced is not None
    if priced.voucher is None:
        message = str(priced.refusal) if priced.refusal else f"{code} cannot be used here."
        return _voucher_refused(form, store_id, code, message)
    keep_voucher_code(store_id, priced.voucher.code)
    saving = format_money(priced.voucher.amount, priced.currency)
    flash(f"Voucher {priced.voucher.code} applied: {saving} off.", "success")
    return redirect(_back_url(form, priced.currency), 303)


@bp.post("/cart/voucher/remove")
def cart_voucher_remove() -> ResponseReturnValue:
    form = RemoveVoucherForm()
    if not form.validate_on_submit():
        abort(400)
    keep_voucher_code(form.store_id.data, None)
    flash("Voucher removed.", "info")
    return redirect(_back_url(form), 303)


def _back_url(form: VoucherForm | RemoveVoucherForm, currency: str | None = None) -> str:
    if _back(form) == "checkout":
        return url_for("shop.checkout", currency=currency or request.args.get("currency"))
    return url_for("shop.cart")


# ---------------------------------------------------------------------------- checkout


def _pay_within() -> timedelta:
    minutes = current_app.config.get("ORDER_PAY_WITHIN_MINUTES", 30)
    return timedelta(minutes=int(minutes))


def render_checkout(
    form: CheckoutForm | None = None,
    *,
    currency: str | None = None,
    status: int = 200,
    voucher_error: tuple[int, str, str] | None = None,
) -> ResponseReturnValue:
    summary = carts.summarise(carts.find_cart(user_id=current_user.id))
    currencies = summary.currencies
    if currency not in currencies:
        currency = currencies[0] if len(currencies) == 1 else None
    groups = summary.for_currency(currency) if currency else []
    pricing = price(groups)
    addresses = checkout.addresses_of(current_user.id)
    form = form or CheckoutForm(formdata=None)
    form.set_addresses(addresses)
    form.currency.data = currency or ""
    form.reviewed.data = summary.fingerprint(currency, pricing) if currency else ""
    return render_template(
        "shop/checkout.html",
        form=form,
        summary=summary,
        currency=currency,
        groups=groups,
        pricing=pricing,
        voucher_error=voucher_error,
        addresses=addresses,
    ), status


@bp.get("/checkout", endpoint="checkout")
@login_required
def checkout_page() -> ResponseReturnValue:
    return render_checkout(currency=request.args.get("currency"))


@bp.post("/checkout")
@login_required
def place_order() -> ResponseReturnValue:
    form = CheckoutForm()
    form.set_addresses(checkout.addresses_of(current_user.id))
    currency = form.currency.data or None
    if not form.validate_on_submit():
        return render_checkout(form, currency=currency, status=400)
    cart = carts.find_cart(user_id=current_user.id)
    if cart is None:
        flash("Your cart is empty.", "info")
        return redirect(url_for("shop.cart"), 303)
    if form.wants_new_address:
        address = checkout.add_address(current_user.id, **form.new_address_fields())
    else:
        address = checkout.get_address(current_user.id, int(form.address.data))
        if address is None:
            abort(400)
    try:
        payment = checkout.place_orders(
            current_user.id,
            cart,
            address,
            provider=current_app.config["PAYMENT_PROVIDER"],
            currency=currency,
            pay_within=_pay_within(),
            reviewed=form.reviewed.data or None,
            codes=voucher_codes(),
        )
    except CheckoutError as error:
        return refuse(
            error, page=lambda status: render_checkout(form, currency=currency, status=status)
        )
    db.session.commit()
    for placed in payment.orders:
        keep_voucher_code(placed.store_id, None)
    open_with_provider(payment)
    return redirect(url_for("shop.pay", payment_id=payment.id), 303)
