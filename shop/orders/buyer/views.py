"""The buyer's orders (routes on ``shop_bp``): the list, one order's page, and what the buyer
may do with it: mark it delivered, ask for a line's refund.

The actions' forms live in ``templates/shop/_order_actions.html``, which the order page
includes; ``order_actions(order)`` (a template global) says what is allowed now
(``actions.buyer_actions``). Only the buyer of an order sees it or acts on it
(``get_order_or_404``); anyone else gets a 404. A refusal is answered by
``core.web.refusals.refuse`` on the action's page, with its status.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from core.extensions import db
from core.states import IllegalTransition
from core.web.pagination import page_arg
from core.web.refusals import refuse
from shop.blueprints import shop_bp as bp
from shop.orders.buyer.actions import buyer_actions
from shop.orders.buyer.queries import buyer_orders
from shop.orders.buyer.timeline import timeline
from shop.orders.exceptions import OrderLifecycleError
from shop.orders.forms import ConfirmForm, RefundRequestForm
from shop.orders.jobs import return_window_days
from shop.orders.lifecycle import mark_delivered
from shop.orders.loaders import get_order_line_or_404, get_order_or_404
from shop.orders.models import Order
from shop.orders.refunds import provider as refund_provider
from shop.orders.refunds.requests import request_refund
from shop.reviews.views import order_review_context


@bp.app_context_processor
def _order_actions_helpers() -> dict[str, Any]:
    def order_actions(order: Order) -> dict[str, Any]:
        return {
            "actions": buyer_actions(order, window_days=return_window_days()),
            "delivered_form": ConfirmForm(formdata=None),
            "refund_form": RefundRequestForm(formdata=None),
        }

    return {"order_actions": order_actions}


def order_url(order: Order) -> str:
    """The buyer's page of this order."""
    return url_for("shop.order", order_id=order.id)


@bp.get("/orders")
@login_required
def orders() -> ResponseReturnValue:
    page = buyer_orders(current_user.id, page_arg())
    return render_template("shop/orders.html", page=page)


@bp.get("/orders/<int:order_id>")
@login_required
def order(order_id: int) -> ResponseReturnValue:
    found = get_order_or_404(order_id, buyer=current_user)
    entries, upcoming = timeline(found)
    return render_template(
        "shop/order.html",
        order=found,
        entries=entries,
        upcoming=upcoming,
        refunds=refund_provider.on_their_way(found),
        **order_review_context(found),
    )


def _problem(order: Order, status: int) -> ResponseReturnValue:
    """Why the action did not happen (the flashed message), and the way back to the order."""
    return render_template(
        "shop/order_action_problem.html", order=order, back=order_url(order)
    ), status


def _refused(order: Order, error: OrderLifecycleError | IllegalTransition) -> ResponseReturnValue:
    return refuse(error, page=lambda status: _problem(order, status))


@bp.post("/orders/<int:order_id>/delivered")
@login_required
def order_delivered(order_id: int) -> ResponseReturnValue:
    order = get_order_or_404(order_id, buyer=current_user)
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; go back and try again.", "danger")
        return _problem(order, 400)
    try:
        mark_delivered(order, current_user)
    except (OrderLifecycleError, IllegalTransition) as error:
        return _refused(order, error)
    db.session.commit()
    days = return_window_days()
    flash(f"Thanks! You can ask for a refund within {days} days if something is wrong.", "success")
    return redirect(order_url(order))


@bp.post("/orders/<int:order_id>/lines/<int:line_id>/refund")
@login_required
def order_line_refund(order_id: int, line_id: int) -> ResponseReturnValue:
    order = get_order_or_404(order_id, buyer=current_user)
    line = get_order_line_or_404(line_id, order=order)
    form = RefundRequestForm()
    if not form.validate_on_submit():
        errors = [error for errors in form.errors.values() for error in errors]
        flash(" ".join(str(e) for e in errors), "danger")
        return _problem(order, 400)
    try:
        request_refund(
            order, line, form.reason.data, current_user, window_days=return_window_days()
        )
    except (OrderLifecycleError, IllegalTransition) as error:
        return _refused(order, error)
    db.session.commit()
    flash("Refund requested. The seller will approve or decline it.", "success")
    return redirect(order_url(order))
