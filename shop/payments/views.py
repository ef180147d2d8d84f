"""The pay page of a checkout (routes on ``shop_bp``): the test provider's card form, or
Stripe.js's; where the payment is, for that page to poll; and opening the payment with its
provider again after it did not answer.

Only the buyer who owns the payment sees its page (``get_payment_or_404``: another buyer's is
a 404). With Stripe, the order is paid only by the signed webhook (``webhooks``); the page
polls ``pay_status`` until it is.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash, jsonify, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from core.extensions import db
from core.web.refusals import refuse
from shop.blueprints import shop_bp as bp
from shop.orders.exceptions import PaymentClosed, PaymentError
from shop.orders.loaders import get_payment_or_404
from shop.payments import services as payments
from shop.payments import stripe_js
from shop.payments.base import CardDetails, InvalidTestCard, NextStep, ProviderError, get_provider
from shop.payments.forms import CardForm, RetryForm
from shop.payments.models import Payment, PaymentStatus

log = logging.getLogger(__name__)


def open_with_provider(payment: Payment) -> None:
    """Create the provider's side of the payment, after the orders are committed; if the
    provider does not answer, the orders stay saved and the pay page offers to try again."""
    try:
        payments.open_provider_payment(payment, get_provider(payment.provider))
        db.session.commit()
    except (ProviderError, PaymentError) as error:
        db.session.rollback()
        log.warning("payment %s: the provider could not open it: %s", payment.id, error)
        flash(f"{error} Your order is saved; try again below.", "warning")


def _paid_url(payment: Payment) -> str:
    orders = payments.orders_of_payment(payment)
    if len(orders) == 1:
        return url_for("shop.order", order_id=orders[0].id)
    return url_for("shop.orders")


def _after_paid(payment: Payment) -> ResponseReturnValue:
    return redirect(_paid_url(payment), 303)


def _render_pay(
    payment: Payment,
    form: CardForm | None = None,
    *,
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    provider = get_provider(payment.provider)
    closed = None
    if not payment.succeeded:
        try:
            payments.ensure_payable(payment)
        except PaymentClosed as reason:
            closed = str(reason)
    stripe_card, stripe_problem = None, None
    if provider.name == "stripe" and closed is None:
        stripe_card, stripe_problem, closed = stripe_js.card_for(payment, provider)
    response = make_response(
        render_template(
            "shop/pay.html",
            payment=payment,
            orders=payments.orders_of_payment(payment),
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
    payment = get_payment_or_404(payment_id, buyer=current_user)
    if payment.succeeded:
        return _after_paid(payment)
    return _render_pay(payment)


@bp.post("/pay/<int:payment_id>")
@login_required
def pay_card(payment_id: int) -> ResponseReturnValue:
    payment = get_payment_or_404(payment_id, buyer=current_user)
    provider = get_provider(payment.provider)
    if provider.next_step is not NextStep.CARD_FORM:
        abort(400)
    if payment.succeeded:
        flash("This checkout is already paid.", "info")
        return _after_paid(payment)
    form = CardForm()
    if not form.validate_on_submit():
        return _render_pay(payment, form, status=400)
    card = CardDetails(form.number.data, form.expiry.data, form.cvc.data)
    try:
        payments.pay_with_card(payment.id, provider, card)
    except (InvalidTestCard, PaymentClosed) as error:
        # An unknown test card goes on the card number (400); closed orders: 409.
        return refuse(
            error, form=form, page=lambda status: _render_pay(payment, form, status=status)
        )
    db.session.commit()
    if payment.succeeded:
        flash("Payment received. Thank you for your order!", "success")
        return _after_paid(payment)
    return _render_pay(payment, error=payment.failure_reason or "The payment failed.", status=402)


@bp.get("/pay/<int:payment_id>/status")
@login_required
def pay_status(payment_id: int) -> ResponseReturnValue:
    """Where the payment is, for its buyer's pay page to poll after Stripe.js confirmed the card
    (the order is paid only by the signed webhook). Another buyer's payment is a 404."""
    payment = get_payment_or_404(payment_id, buyer=current_user)
    body: dict[str, Any] = {"status": payment.status}
    if payment.succeeded:
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
    payment = get_payment_or_404(payment_id, buyer=current_user)
    if not RetryForm().validate_on_submit():
        abort(400)
    back = url_for("shop.pay", payment_id=payment.id)
    try:
        payments.ensure_payable(payment)
    except PaymentClosed as error:
        return refuse(error, category="warning", back=back)
    open_with_provider(payment)
    return redirect(back, 303)
