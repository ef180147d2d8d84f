"""The buyer's actions on their order: mark it delivered, ask for a line's refund.

The forms live in ``templates/shop/_order_actions.html``, which the buyer's order page
includes; ``order_actions(order)`` (a template global) says what is allowed now. Only the
buyer of an order may act on it; anyone else gets a 404.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from core.accounts.authz import get_or_404
from core.extensions import db
from shop.blueprints import shop_bp as bp
from shop.orders import lifecycle
from shop.orders.jobs import return_window_days
from shop.orders.lifecycle_exceptions import OrderLifecycleError
from shop.orders.lifecycle_forms import ConfirmForm, RefundRequestForm
from shop.orders.models import Order, OrderLine
from shop.orders.states import IllegalTransition


@bp.app_context_processor
def _order_actions_helpers() -> dict[str, Any]:
    def order_actions(order: Order) -> dict[str, Any]:
        return {
            "actions": lifecycle.buyer_actions(order, window_days=return_window_days()),
            "delivered_form": ConfirmForm(formdata=None),
            "refund_form": RefundRequestForm(formdata=None),
        }

    return {"order_actions": order_actions}


def _my_order_or_404(order_id: int) -> Order:
    order = get_or_404(Order, order_id)
    if order.buyer_id != current_user.id:
        abort(404)
    return order


def order_url(order: Order) -> str:
    """The buyer's page of this order (``shop.order``), or the shop's home without it."""
    try:
        return url_for("shop.order", order_id=order.id)
    except BuildError:
        return url_for("shop.home")


def _problem(order: Order, error: Exception | str, status: int) -> ResponseReturnValue:
    db.session.rollback()
    message = str(error)
    return (
        render_template(
            "shop/order_action_problem.html", order=order, message=message, back=order_url(order)
        ),
        status,
    )


@bp.post("/orders/<int:order_id>/delivered")
@login_required
def order_delivered(order_id: int) -> ResponseReturnValue:
    order = _my_order_or_404(order_id)
    if not ConfirmForm().validate_on_submit():
        return _problem(order, "The form expired; go back and try again.", 400)
    try:
        lifecycle.mark_delivered(order, current_user)
    except (OrderLifecycleError, IllegalTransition) as error:
        return _problem(order, error, 409)
    db.session.commit()
    days = return_window_days()
    flash(f"Thanks! You can ask for a refund within {days} days if something is wrong.", "success")
    return redirect(order_url(order))


@bp.post("/orders/<int:order_id>/lines/<int:line_id>/refund")
@login_required
def order_line_refund(order_id: int, line_id: int) -> ResponseReturnValue:
    order = _my_order_or_404(order_id)
    line = get_or_404(OrderLine, line_id)
    if line.order_id != order.id:
        abort(404)
    form = RefundRequestForm()
    if not form.validate_on_submit():
        errors = [error for errors in form.errors.values() for error in errors]
        return _problem(order, " ".join(str(e) for e in errors), 400)
    try:
        lifecycle.request_refund(
            order, line, form.reason.data, current_user, window_days=return_window_days()
        )
    except (OrderLifecycleError, IllegalTransition) as error:
        return _problem(order, error, getattr(error, "status_code", 409))
    db.session.commit()
    flash("Refund requested. The seller will approve or decline it.", "success")
    return redirect(order_url(order))
