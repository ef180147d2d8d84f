"""Seller centre order pages: the list (filters, search), one order, and its actions.

A seller sees and changes only the orders of their own store (``get_store_order_or_404``):
another store's order is a 403, an order that does not exist a 404. Bad input answers 400 and
an illegal move 409, each with the page and a message, and nothing written
(``core.web.refusals.refuse``). The page asks ``actions.seller_actions`` what it may offer.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.accounts.authz import role_required
from core.accounts.models import Role
from core.extensions import db
from core.states import IllegalTransition
from core.web.pagecache import render_private_page
from core.web.pagination import Page, page_arg
from core.web.refusals import refuse
from shop.blueprints import seller_bp as bp
from shop.catalog.models import Store
from shop.orders import lifecycle
from shop.orders.exceptions import OrderLifecycleError
from shop.orders.forms import CancelForm, ConfirmForm, DeclineRefundForm, ShipForm
from shop.orders.loaders import get_refund_request_or_404, get_store_order_or_404
from shop.orders.models import Order, OrderStatus
from shop.orders.refunds import requests as refund_requests
from shop.orders.seller import queries as seller_queries
from shop.orders.seller.actions import seller_actions

PER_PAGE = 20
FILTERS = (
    ("", "All"),
    (seller_queries.REFUND_REQUESTED, "Refund requests"),
    (OrderStatus.PAID.value, "To ship"),
    (OrderStatus.PENDING_PAYMENT.value, "Awaiting payment"),
    (OrderStatus.SHIPPED.value, "Shipped"),
    (OrderStatus.DELIVERED.value, "Delivered"),
    (OrderStatus.COMPLETED.value, "Completed"),
    (OrderStatus.CANCELLED.value, "Cancelled"),
    (OrderStatus.REFUNDED.value, "Refunded"),
)
_KNOWN_FILTERS = {value for value, _ in FILTERS if value}


def _my_store() -> Store | None:
    return seller_queries.store_of(current_user.id)


def _date_arg(name: str, problems: list[str]) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10]) if len(raw) == 10 else date.fromisoformat(raw)
    except ValueError:
        problems.append(f"“{raw[:20]}” is not a date (use YYYY-MM-DD); that filter was ignored.")
        return None


@bp.get("/orders")
@role_required(Role.SELLER)
def orders() -> ResponseReturnValue:
    problems: list[str] = []
    status = request.args.get("status", "")
    filters = seller_queries.OrderFilter(
        status=status if status in _KNOWN_FILTERS else None,
        date_from=_date_arg("from", problems),
        date_to=_date_arg("to", problems),
        q=request.args.get("q", "").strip()[:100],
    )
    page = page_arg()

    def context() -> dict[str, Any]:
        store = _my_store()
        if store is None:
            return {"store": None}
        counts = seller_queries.status_counts(store.id)
        rows, total = seller_queries.list_orders(
            store.id,
            filters,
            page=page,
            per_page=PER_PAGE,
            total=seller_queries.known_total(filters, counts),
        )
        return {
            "store": store,
            "page": Page(rows, page, PER_PAGE, total),
            "filters": filters,
            "tabs": FILTERS,
            "counts": counts,
            "problems": problems,
            "filtered": bool(filters.status or filters.date_from or filters.date_to or filters.q),
        }

    return render_private_page("seller/orders.html", context)


def _store_order_or_404(order_id: int) -> Order:
    return get_store_order_or_404(order_id, store=_my_store())


def _order_page(
    order: Order, status: int = 200, *, decline_for: int | None = None, **forms: Any
) -> ResponseReturnValue:
    context = {
        "ship_form": ShipForm(formdata=None),
        "cancel_form": CancelForm(formdata=None),
        "approve_form": ConfirmForm(formdata=None),
        **forms,
    }
    submitted = forms.get("decline_form")

    def decline_form_for(refund_id: int) -> DeclineRefundForm:
        if submitted is not None and decline_for == refund_id:
            return submitted
        return DeclineRefundForm(formdata=None)

    return (
        render_template(
            "seller/order.html",
            view=seller_queries.order_page(order),
            actions=seller_actions(order),
            decline_form_for=decline_form_for,
            **context,
        ),
        status,
    )


@bp.get("/orders/<int:order_id>")
@role_required(Role.SELLER)
def order(order_id: int) -> ResponseReturnValue:
    return _order_page(_store_order_or_404(order_id))


def _refused(
    order: Order, error: OrderLifecycleError | IllegalTransition, **forms: Any
) -> ResponseReturnValue:
    """The order's page again, with why nothing was done and the refusal's status."""
    return refuse(error, page=lambda status: _order_page(order, status, **forms))


def _done(order: Order, message: str) -> ResponseReturnValue:
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("seller.order", order_id=order.id))


@bp.post("/orders/<int:order_id>/ship")
@role_required(Role.SELLER)
def order_ship(order_id: int) -> ResponseReturnValue:
    order = _store_order_or_404(order_id)
    form = ShipForm()
    if not form.validate_on_submit():
        return _order_page(order, 400, ship_form=form)
    try:
        lifecycle.ship(order, form.carrier.data, form.tracking_number.data, current_user)
    except (OrderLifecycleError, IllegalTransition) as error:
        return _refused(order, error, ship_form=form)
    return _done(order, f"Order #{order.id} is shipped; the buyer can see the tracking number.")


@bp.post("/orders/<int:order_id>/cancel")
@role_required(Role.SELLER)
def order_cancel(order_id: int) -> ResponseReturnValue:
    order = _store_order_or_404(order_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return _order_page(order, 400, cancel_form=form)
    try:
        refund = lifecycle.cancel(order, current_user, form.reason.data)
    except (OrderLifecycleError, IllegalTransition) as error:
        return _refused(order, error, cancel_form=form)
    message = f"Order #{order.id} is cancelled and its stock released."
    if refund is not None:
        message += " The buyer's payment is being refunded."
    return _done(order, message)


@bp.post("/orders/<int:order_id>/refunds/<int:request_id>/approve")
@role_required(Role.SELLER)
def order_refund_approve(order_id: int, request_id: int) -> ResponseReturnValue:
    order = _store_order_or_404(order_id)
    refund = get_refund_request_or_404(request_id, order=order)
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; try again.", "danger")
        return _order_page(order, 400)
    try:
        refund_requests.approve_refund(refund, current_user)
    except (OrderLifecycleError, IllegalTransition) as error:
        return _refused(order, error)
    return _done(order, "Refund approved; the money goes back to the buyer.")


@bp.post("/orders/<int:order_id>/refunds/<int:request_id>/decline")
@role_required(Role.SELLER)
def order_refund_decline(order_id: int, request_id: int) -> ResponseReturnValue:
    order = _store_order_or_404(order_id)
    refund = get_refund_request_or_404(request_id, order=order)
    form = DeclineRefundForm()
    if not form.validate_on_submit():
        return _order_page(order, 400, decline_for=refund.id, decline_form=form)
    try:
        refund_requests.decline_refund(refund, current_user, form.note.data)
    except (OrderLifecycleError, IllegalTransition) as error:
        return _refused(order, error, decline_for=refund.id, decline_form=form)
    return _done(order, "Refund declined; the buyer sees your reason.")
