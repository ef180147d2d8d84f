"""The buyer's cart, checkout, pay page and orders (routes on ``shop_bp``).

Views parse the form, load what the buyer owns (anything else is a 404), call one service,
commit, and redirect; every rule lives in ``shop.orders.cart``, ``shop.orders.checkout`` and
``shop.promotions.pricing``. The voucher codes a buyer entered are kept in the session, per
store; the cart, checkout and ``place_orders`` price them again on every request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, user_logged_in
from sqlalchemy.exc import SQLAlchemyError

from core.accounts.authz import get_or_404
from core.extensions import db
from core.money import format_money
from core.web.pagination import page_arg
from shop import hooks, signals
from shop.blueprints import shop_bp as bp
from shop.catalog.models import Variant
from shop.orders import cart as carts
from shop.orders import checkout, refunds
from shop.orders.exceptions import (
    CartError,
    CheckoutError,
    LineNotFound,
    PaymentClosed,
    PaymentError,
)
from shop.orders.forms import AddToCartForm, CardForm, CheckoutForm, QuantityForm, RemoveLineForm
from shop.orders.models import Cart, Order, OrderStatus, Payment, PaymentStatus
from shop.orders.voucher_forms import RemoveVoucherForm, VoucherForm
from shop.payments import stripe_js
from shop.payments import webhooks as _webhooks  # noqa: F401 - registers /webhooks/stripe
from shop.payments.base import (
    CardDetails,
    InvalidTestCard,
    NextStep,
    PaymentProvider,
    ProviderError,
    ProviderStatus,
    get_provider,
)
from shop.payments.stripe_provider import StripeProvider
from shop.promotions.pricing import CartPricing, normalise_code, price_cart

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
            g.cart_item_count = carts.item_count(user_id=current_user.id)
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


@user_logged_in.connect
def _merge_guest_cart(sender: Any, user: Any, **extra: Any) -> None:
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


# ---------------------------------------------------------------------------- cart


def _buyer_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _voucher_codes() -> dict[int, str]:
    """The codes the buyer entered, by store id (whatever the session holds is checked)."""
    stored = session.get(VOUCHER_CODES_KEY)
    if not isinstance(stored, dict):
        return {}
    return {
        int(key): value
        for key, value in stored.items()
        if isinstance(key, str) and key.isdigit() and isinstance(value, str)
    }


def _keep_voucher_code(store_id: int, code: str | None) -> None:
    codes = {str(key): value for key, value in _voucher_codes().items()}
    if code:
        codes[str(store_id)] = code
    else:
        codes.pop(str(store_id), None)
    session[VOUCHER_CODES_KEY] = codes


def _price(groups: list[carts.StoreGroup]) -> CartPricing:
    lines = [view for group in groups for view in group.available_lines]
    return price_cart(lines, buyer_id=_buyer_id(), codes=_voucher_codes())


def _render_cart(
    error: str | None = None,
    status: int = 200,
    *,
    voucher_error: tuple[int, str, str] | None = None,
) -> ResponseReturnValue:
    summary = carts.summarise(current_cart())
    return render_template(
        "shop/cart.html",
        summary=summary,
        pricing=_price(summary.groups),
        error=error,
        voucher_error=voucher_error,
        quantity_form=QuantityForm(formdata=None),
        remove_form=RemoveLineForm(formdata=None),
        max_quantity=carts.MAX_QUANTITY,
    ), status


@bp.get("/cart")
def cart() -> ResponseReturnValue:
    return _render_cart()


@bp.post("/cart/add")
def cart_add() -> ResponseReturnValue:
    form = AddToCartForm()
    if not form.validate_on_submit():
        errors = [e for field in form for e in field.errors]
        return _render_cart(errors[0] if errors else "Choose an option and a quantity.", 400)
    variant = get_or_404(Variant, form.variant_id.data)
    if form.product_id.data is not None and variant.product_id != form.product_id.data:
        abort(400)
    attribution = hooks.attribution_for(variant.product_id)
    try:
        line = carts.add_to_cart(
            current_cart(create=True), variant, form.quantity.data, attribution
        )
        signals.cart_line_added.send(line, attribution=attribution, quantity=form.quantity.data)
    except CartError as error:
        db.session.rollback()
        return _render_cart(str(error), error.status_code)
    title = line.variant.product.title
    db.session.commit()
    if form.buy_now.data:
        return redirect(url_for("shop.checkout"), 303)
    flash(f"Added {title} to your cart.", "success")
    return redirect(url_for("shop.cart"), 303)


@bp.post("/cart/lines/<int:line_id>/quantity")
def cart_line_quantity(line_id: int) -> ResponseReturnValue:
    cart = current_cart()
    try:
        carts.get_line(cart, line_id)
    except LineNotFound:
        abort(404)
    form = QuantityForm()
    if not form.validate_on_submit():
        errors = form.quantity.errors or ["Choose a quantity."]
        return _render_cart(str(errors[0]), 400)
    try:
        carts.set_quantity(cart, line_id, form.quantity.data)
    except CartError as error:
        db.session.rollback()
        return _render_cart(str(error), error.status_code)
    db.session.commit()
    flash("Quantity updated.", "success")
    return redirect(url_for("shop.cart"), 303)


@bp.post("/cart/lines/<int:line_id>/remove")
def cart_line_remove(line_id: int) -> ResponseReturnValue:
    form = RemoveLineForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        carts.remove_line(current_cart(), line_id)
    except LineNotFound:
        abort(404)
    db.session.commit()
    flash("Removed from your cart.", "info")
    return redirect(url_for("shop.cart"), 303)


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
        return _render_checkout(currency=currency, voucher_error=refused, status=400)
    return _render_cart(status=400, voucher_error=refused)


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
    pricing = price_cart(group.available_lines, buyer_id=_buyer_id(), codes={store_id: code})
    priced = pricing.store(store_id)
    assert priced is not None
    if priced.voucher is None:
        message = str(priced.refusal) if priced.refusal else f"{code} cannot be used here."
        return _voucher_refused(form, store_id, code, message)
    _keep_voucher_code(store_id, priced.voucher.code)
    saving = format_money(priced.voucher.amount, priced.currency)
    flash(f"Voucher {priced.voucher.code} applied: {saving} off.", "success")
    return redirect(_back_url(form, priced.currency), 303)


@bp.post("/cart/voucher/remove")
def cart_voucher_remove() -> ResponseReturnValue:
    form = RemoveVoucherForm()
    if not form.validate_on_submit():
        abort(400)
    _keep_voucher_code(form.store_id.data, None)
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


def _render_checkout(
    form: CheckoutForm | None = None,
    *,
    currency: str | None = None,
    error: str | None = None,
    status: int = 200,
    voucher_error: tuple[int, str, str] | None = None,
) -> ResponseReturnValue:
    summary = carts.summarise(carts.find_cart(user_id=current_user.id))
    currencies = summary.currencies
    if currency not in currencies:
        currency = currencies[0] if len(currencies) == 1 else None
    groups = summary.for_currency(currency) if currency else []
    pricing = _price(groups)
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
        error=error,
        voucher_error=voucher_error,
        addresses=addresses,
    ), status


@bp.get("/checkout", endpoint="checkout")
@login_required
def checkout_page() -> ResponseReturnValue:
    return _render_checkout(currency=request.args.get("currency"))


@bp.post("/checkout")
@login_required
def place_order() -> ResponseReturnValue:
    form = CheckoutForm()
    form.set_addresses(checkout.addresses_of(current_user.id))
    currency = form.currency.data or None
    if not form.validate_on_submit():
        return _render_checkout(form, currency=currency, status=400)
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
            codes=_voucher_codes(),
        )
    except CheckoutError as error:
        db.session.rollback()
        # Stock taken by another buyer, a changed cart, a promotion gone: 409; else 400.
        status = error.status_code
        return _render_checkout(form, currency=currency, error=str(error), status=status)
    db.session.commit()
    for placed in payment.orders:
        _keep_voucher_code(placed.store_id, None)
    _open_with_provider(payment)
    return redirect(url_for("shop.pay", payment_id=payment.id), 303)


def _open_with_provider(payment: Payment) -> None:
    """Create the provider's side of the payment, after the orders are committed."""
    try:
        checkout.open_provider_payment(payment, get_provider(payment.provider))
        db.session.commit()
    except (ProviderError, PaymentError) as error:
        db.session.rollback()
        log.warning("payment %s: the provider could not open it: %s", payment.id, error)
        flash(f"{error} Your order is saved; try again below.", "warning")


# ---------------------------------------------------------------------------- paying


def _my_payment_or_404(payment_id: int) -> Payment:
    payment = checkout.get_buyer_payment(current_user.id, payment_id)
    if payment is None:
        abort(404)
    return payment


def _paid_url(payment: Payment) -> str:
    orders = checkout.orders_of_payment(payment)
    if len(orders) == 1:
        return url_for("shop.order", order_id=orders[0].id)
    return url_for("shop.orders")


def _after_paid(payment: Payment) -> ResponseReturnValue:
    return redirect(_paid_url(payment), 303)


@dataclass(frozen=True)
class StripeCard:
    """What the pay page needs to mount Stripe.js's card form for its buyer.

    ``client_secret`` lets a browser confirm the PaymentIntent: it is rendered only on the
    pay page of the buyer who owns the payment (``_my_payment_or_404``), never stored.
    """

    script_url: str
    publishable_key: str
    client_secret: str
    confirming: bool  # Stripe has taken the card; we wait for its signed webhook


def _stripe_card(
    payment: Payment, provider: PaymentProvider
) -> tuple[StripeCard | None, str | None, str | None]:
    """The card form's settings, or why it cannot be shown: ``(card, problem, closed)``."""
    if not isinstance(provider, StripeProvider) or not payment.provider_ref:
        return None, None, None  # not opened with Stripe yet: the page offers to try again
    key = current_app.config.get("STRIPE_PUBLISHABLE_KEY")
    if not key:
        log.error("payment %s: STRIPE_PUBLISHABLE_KEY is not set; no card form", payment.id)
        return None, "Card payments are not set up here yet. Please try again later.", None
    ref = payment.provider_ref
    db.session.commit()  # end the read: no transaction (nor SQLite's lock) open during the call
    try:
        intent = provider.retrieve(ref)
    except ProviderError as error:
        log.warning("payment %s: could not read %s from Stripe: %s", payment.id, ref, error)
        return None, "We could not reach the card processor. Reload this page in a moment.", None
    if intent.status is ProviderStatus.CANCELLED:
        return None, None, "This payment was cancelled with the card processor."
    if not intent.client_secret:
        return None, "The card processor did not open this payment. Please try again.", None
    card = StripeCard(
        script_url=stripe_js.script_url(),
        publishable_key=str(key),
        client_secret=intent.client_secret,
        confirming=intent.status is ProviderStatus.SUCCEEDED,
    )
    return card, None, None


def _render_pay(
    payment: Payment,
    form: CardForm | None = None,
    *,
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    provider = get_provider(payment.provider)
    closed = None
    if payment.status != PaymentStatus.SUCCEEDED.value:
        try:
            checkout.ensure_payable(payment)
        except PaymentClosed as reason:
            closed = str(reason)
    stripe_card, stripe_problem = None, None
    if provider.name == "stripe" and closed is None:
        stripe_card, stripe_problem, closed = _stripe_card(payment, provider)
    response = make_response(
        render_template(
            "shop/pay.html",
            payment=payment,
            orders=checkout.orders_of_payment(payment),
            provider=provider,
            uses_card_form=provider.next_step is NextStep.CARD_FORM,
            form=form or CardForm(formdata=None),
            error=error,
            closed=closed,
            stripe_card=stripe_card,
            stripe_problem=stripe_problem,
        ),
        status,
    )
    if stripe_card is not None:
        # Stripe.js's origin is let in on this page only (see shop.payments.stripe_js).
        response.headers["Content-Security-Policy"] = stripe_js.pay_page_policy()
    return response


@bp.get("/pay/<int:payment_id>")
@login_required
def pay(payment_id: int) -> ResponseReturnValue:
    payment = _my_payment_or_404(payment_id)
    if payment.status == PaymentStatus.SUCCEEDED.value:
        return _after_paid(payment)
    return _render_pay(payment)


@bp.post("/pay/<int:payment_id>")
@login_required
def pay_card(payment_id: int) -> ResponseReturnValue:
    payment = _my_payment_or_404(payment_id)
    provider = get_provider(payment.provider)
    if provider.next_step is not NextStep.CARD_FORM:
        abort(400)
    if payment.status == PaymentStatus.SUCCEEDED.value:
        flash("This checkout is already paid.", "info")
        return _after_paid(payment)
    form = CardForm()
    if not form.validate_on_submit():
        return _render_pay(payment, form, status=400)
    card = CardDetails(form.number.data, form.expiry.data, form.cvc.data)
    try:
        checkout.pay_with_card(payment.id, provider, card)
    except InvalidTestCard as error:
        db.session.rollback()
        form.number.errors = [str(error)]
        return _render_pay(payment, form, status=400)
    except PaymentClosed as error:
        db.session.rollback()
        return _render_pay(payment, error=str(error), status=409)
    db.session.commit()
    if payment.status == PaymentStatus.SUCCEEDED.value:
        flash("Payment received. Thank you for your order!", "success")
        return _after_paid(payment)
    return _render_pay(payment, error=payment.failure_reason or "The payment failed.", status=402)


@bp.get("/pay/<int:payment_id>/status")
@login_required
def pay_status(payment_id: int) -> ResponseReturnValue:
    """Where the payment is, for its buyer's pay page to poll after Stripe.js confirmed the card
    (the order is paid only by the signed webhook). Another buyer's payment is a 404."""
    payment = _my_payment_or_404(payment_id)
    body: dict[str, Any] = {"status": payment.status}
    if payment.status == PaymentStatus.SUCCEEDED.value:
        body["next"] = _paid_url(payment)
        flash("Payment received. Thank you for your order!", "success")
    elif payment.status == PaymentStatus.FAILED.value:
        body["failure_reason"] = payment.failure_reason or "The payment failed."
    elif payment.status == PaymentStatus.CANCELLED.value:
        body["next"] = url_for("shop.pay", payment_id=payment.id)
    return jsonify(body)


@bp.post("/pay/<int:payment_id>/start")
@login_required
def pay_start(payment_id: int) -> ResponseReturnValue:
    """Try again to open the payment with the provider (after it did not answer)."""
    payment = _my_payment_or_404(payment_id)
    if not RemoveLineForm().validate_on_submit():
        abort(400)
    try:
        checkout.ensure_payable(payment)
    except PaymentClosed as error:
        flash(str(error), "warning")
        return redirect(url_for("shop.pay", payment_id=payment.id), 303)
    _open_with_provider(payment)
    return redirect(url_for("shop.pay", payment_id=payment.id), 303)


# ---------------------------------------------------------------------------- orders


@bp.get("/orders")
@login_required
def orders() -> ResponseReturnValue:
    page = checkout.buyer_orders(current_user.id, page_arg())
    return render_template("shop/orders.html", page=page)


MILESTONES = (
    ("placed", "Placed", "placed_at"),
    ("paid", "Paid", "paid_at"),
    ("shipped", "Shipped", "shipped_at"),
    ("delivered", "Delivered", "delivered_at"),
    ("completed", "Completed", "completed_at"),
)
PROGRESS = ("pending_payment", "paid", "shipped", "delivered", "completed")
EVENT_LABELS = {
    "placed": "Order placed",
    "paid": "Paid",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
    "refund_requested": "Refund requested",
    "refund_declined": "Refund declined",
    "refund_delayed": "Refund delayed",
}


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    label: str
    at: datetime | None
    note: str


def timeline(order: Order) -> tuple[list[TimelineEntry], list[str]]:
    """The order's steps so far (its events, plus any milestone reached without one) and the
    milestones still to come (none once it is cancelled or refunded)."""
    entries = [
        TimelineEntry(
            e.kind,
            EVENT_LABELS.get(e.kind, e.kind.replace("_", " ").capitalize()),
            e.created_at,
            e.note,
        )
        for e in order.events
    ]
    seen = {entry.kind for entry in entries}
    progress = PROGRESS.index(order.status) if order.status in PROGRESS else -1
    upcoming = []
    for index, (kind, label, stamp) in enumerate(MILESTONES):
        at = getattr(order, stamp)
        if kind in seen:
            continue
        if at is not None or index <= progress:
            entries.append(TimelineEntry(kind, EVENT_LABELS[kind], at, ""))
        elif progress >= 0:
            upcoming.append(label)
    far_past = datetime.min.replace(tzinfo=UTC)
    entries.sort(key=lambda entry: entry.at or far_past)
    return entries, upcoming


@bp.get("/orders/<int:order_id>")
@login_required
def order(order_id: int) -> ResponseReturnValue:
    found = checkout.get_buyer_order(current_user.id, order_id)
    if found is None:
        abort(404)
    entries, upcoming = timeline(found)
    return render_template(
        "shop/order.html",
        order=found,
        entries=entries,
        upcoming=upcoming,
        awaiting_payment=found.status == OrderStatus.PENDING_PAYMENT.value,
        refunds=refunds.on_their_way(found),
    )
