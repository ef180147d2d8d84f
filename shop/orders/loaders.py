"""Loading what an order view acts on, for whoever may act on it: one helper per kind of row.

A buyer's order, payment or cart line that is someone else's answers exactly as one that does
not exist (404). A seller's order answers 404 when it does not exist and 403 when it is
another store's. Ids out of the 64-bit range are a 404, never a 500.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.accounts.authz import get_or_404
from core.extensions import db
from shop.catalog.models import Store
from shop.orders.models import Cart, CartLine, Order, OrderLine
from shop.orders.refunds.models import RefundRequest
from shop.payments.models import Payment

_MAX_KEY = 2**63 - 1


def get_order_or_404(order_id: int, *, buyer: Any) -> Order:
    """``buyer``'s order (with its timeline and payment); another buyer's is a 404."""
    if not 0 < order_id <= _MAX_KEY:
        abort(404)
    order = db.session.scalar(
        select(Order)
        .where(Order.id == order_id, Order.buyer_id == buyer.id)
        .options(selectinload(Order.events), selectinload(Order.payment))
    )
    if order is None:
        abort(404)
    return order


def get_order_line_or_404(line_id: int, *, order: Order) -> OrderLine:
    """A line of ``order``; a line of another order is a 404."""
    line = get_or_404(OrderLine, line_id)
    if line.order_id != order.id:
        abort(404)
    return line


def get_store_order_or_404(order_id: int, *, store: Store | None) -> Order:
    """An order of ``store``: 404 if there is none, 403 if it is another store's (or the
    seller has no store)."""
    order = get_or_404(Order, order_id)
    if store is None or order.store_id != store.id:
        abort(403)
    return order


def get_refund_request_or_404(request_id: int, *, order: Order) -> RefundRequest:
    """A refund request of ``order``; one of another order is a 404."""
    refund = get_or_404(RefundRequest, request_id)
    if refund.order_id != order.id:
        abort(404)
    return refund


def get_payment_or_404(payment_id: int, *, buyer: Any) -> Payment:
    """``buyer``'s payment; another buyer's is a 404."""
    payment = get_or_404(Payment, payment_id)
    if payment.buyer_id != buyer.id:
        abort(404)
    return payment


def get_cart_line_or_404(line_id: int, *, cart: Cart | None) -> CartLine:
    """A line of ``cart``; another cart's line (or no cart at all) is a 404."""
    if cart is None:
        abort(404)
    line = get_or_404(CartLine, line_id)
    if line.cart_id != cart.id:
        abort(404)
    return line
