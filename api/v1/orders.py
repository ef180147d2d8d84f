"""Seller: the store's orders: list with filters, get, ship, cancel, decide refund requests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from api.v1.framework import Call, Param, Routes, not_found
from api.v1.pagination import CURSOR_PARAMS, page_of, paginate
from api.v1.representation import (
    ID_SCHEMA,
    MONEY_SCHEMA,
    TIME_OR_NULL,
    TIME_SCHEMA,
    money,
    obj,
    page_schema,
    timestamp,
)
from api.v1.validation import parse_datetime
from core.accounts.models import User
from core.extensions import db
from shop.catalog.stores import get_store_for_owner
from shop.orders import lifecycle
from shop.orders.models import LineStatus, Order, OrderLine, OrderStatus
from shop.orders.refunds import requests as refund_requests
from shop.orders.refunds.models import RefundRequest, RefundStatus
from shop.orders.seller import queries
from shop.orders.seller.queries import REFUND_REQUESTED, OrderFilter

routes = Routes("Orders", "A seller's orders: fulfilment, cancellation and refund requests.")

ORDER_STATUSES = [s.value for s in OrderStatus]

LINE = obj(
    {
        "id": ID_SCHEMA,
        "product_id": ID_SCHEMA,
        "variant_id": ID_SCHEMA,
        "title": {"type": "string"},
        "variant_name": {"type": "string"},
        "sku": {"type": "string"},
        "quantity": {"type": "integer"},
        "unit_price": MONEY_SCHEMA,
        "discount": MONEY_SCHEMA,
        "amount": MONEY_SCHEMA,
        "status": {"type": "string", "enum": [s.value for s in LineStatus]},
        "creator_id": {"type": ["integer", "null"]},
        "commission_rate_bps": {"type": ["integer", "null"]},
    }
)
REFUND = obj(
    {
        "id": ID_SCHEMA,
        "order_line_id": {"type": ["integer", "null"]},
        "amount": MONEY_SCHEMA,
        "reason": {"type": "string"},
        "status": {"type": "string", "enum": [s.value for s in RefundStatus]},
        "decision_note": {"type": ["string", "null"]},
        "created_at": TIME_SCHEMA,
        "decided_at": TIME_OR_NULL,
    }
)
ORDER = obj(
    {
        "id": ID_SCHEMA,
        "status": {"type": "string", "enum": ORDER_STATUSES},
        "subtotal": MONEY_SCHEMA,
        "discount": MONEY_SCHEMA,
        "shipping": MONEY_SCHEMA,
        "total": MONEY_SCHEMA,
        "refunded": MONEY_SCHEMA,
        "ship_to": {"type": "string"},
        "carrier": {"type": ["string", "null"]},
        "tracking_number": {"type": ["string", "null"]},
        "placed_at": TIME_SCHEMA,
        "paid_at": TIME_OR_NULL,
        "shipped_at": TIME_OR_NULL,
        "delivered_at": TIME_OR_NULL,
        "completed_at": TIME_OR_NULL,
        "cancelled_at": TIME_OR_NULL,
        "lines": {"type": "array", "items": LINE},
        "refund_requests": {"type": "array", "items": REFUND},
    }
)
SHIP_IN = obj(
    {
        "carrier": {"type": "string", "minLength": 1, "maxLength": 60},
        "tracking_number": {"type": "string", "minLength": 1, "maxLength": 80},
    }
)
CANCEL_IN = obj({"reason": {"type": "string", "minLength": 1, "maxLength": 500}})
DECLINE_IN = obj({"note": {"type": "string", "minLength": 1, "maxLength": 500}})


def line_json(line: OrderLine, currency: str) -> dict[str, Any]:
    return {
        "id": line.id,
        "product_id": line.product_id,
        "variant_id": line.variant_id,
        "title": line.title,
        "variant_name": line.variant_name,
        "sku": line.sku,
        "quantity": line.quantity,
        "unit_price": money(line.unit_price, currency),
        "discount": money(line.discount, currency),
        "amount": money(line.amount, currency),
        "status": line.status,
        "creator_id": line.creator_id,
        "commission_rate_bps": line.commission_rate_bps,
    }


def refund_json(refund: RefundRequest, currency: str) -> dict[str, Any]:
    return {
        "id": refund.id,
        "order_line_id": refund.order_line_id,
        "amount": money(refund.amount, currency),
        "reason": refund.reason,
        "status": refund.status,
        "decision_note": refund.decision_note,
        "created_at": timestamp(refund.created_at),
        "decided_at": timestamp(refund.decided_at),
    }


def order_json(order: Order, refunds: list[RefundRequest]) -> dict[str, Any]:
    c = order.currency
    return {
        "id": order.id,
        "status": order.status,
        "subtotal": money(order.subtotal, c),
        "discount": money(order.discount, c),
        "shipping": money(order.shipping, c),
        "total": money(order.total, c),
        "refunded": money(order.refunded_amount, c),
        "ship_to": order.ship_to,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "placed_at": timestamp(order.placed_at),
        "paid_at": timestamp(order.paid_at),
        "shipped_at": timestamp(order.shipped_at),
        "delivered_at": timestamp(order.delivered_at),
        "completed_at": timestamp(order.completed_at),
        "cancelled_at": timestamp(order.cancelled_at),
        "lines": [line_json(line, c) for line in order.lines],
        "refund_requests": [refund_json(r, c) for r in refunds],
    }


def _refunds_of(order_ids: list[int]) -> dict[int, list[RefundRequest]]:
    found: dict[int, list[RefundRequest]] = {i: [] for i in order_ids}
    if order_ids:
        query = (
            select(RefundRequest)
            .where(RefundRequest.order_id.in_(order_ids))
            .order_by(RefundRequest.id)
        )
        for refund in db.session.scalars(query):
            found[refund.order_id].append(refund)
    return found


def _json(order: Order) -> dict[str, Any]:
    return order_json(order, _refunds_of([order.id])[order.id])


def owned_order(call: Call, order_id: int) -> Order:
    store = get_store_for_owner(call.user.id)
    order = db.session.get(Order, order_id) if store and order_id < 2**63 else None
    if order is None or store is None or order.store_id != store.id:
        raise not_found("order")
    return order


def owned_refund(order: Order, refund_id: int) -> RefundRequest:
    refund = db.session.get(RefundRequest, refund_id) if refund_id < 2**63 else None
    if refund is None or refund.order_id != order.id:
        raise not_found("refund request")
    return refund


@routes.get(
    "/orders",
    scope="orders:read",
    response=page_schema(ORDER),
    params=(
        Param(
            "status",
            {"type": "string", "enum": [*ORDER_STATUSES, REFUND_REQUESTED]},
            "An order state, or `refund_requested` for orders awaiting a refund decision.",
        ),
        Param("placed_from", {"type": "string", "format": "date-time"}, "Placed at or after."),
        Param("placed_to", {"type": "string", "format": "date-time"}, "Placed before."),
        Param("q", {"type": "string", "maxLength": 100}, "Buyer email or name, SKU, or #id."),
        *CURSOR_PARAMS,
    ),
    paginated=True,
)
def list_orders(call: Call) -> dict[str, Any]:
    """List the store's orders, newest first, with filters."""
    store = get_store_for_owner(call.user.id)
    if store is None:
        return page_of([], None)
    filters = OrderFilter(status=call.query.get("status"), q=call.query.get("q", "").strip())
    # The Seller centre's own filter rule (status, buyer, SKU, #id), not a copy of it.
    query = queries._filtered(
        select(Order).join(User, User.id == Order.buyer_id), store.id, filters
    )
    if "placed_from" in call.query:
        query = query.where(Order.placed_at >= parse_datetime(call.query["placed_from"]))
    if "placed_to" in call.query:
        query = query.where(Order.placed_at < parse_datetime(call.query["placed_to"]))
    rows, cursor = paginate(call, query, Order.id)
    refunds = _refunds_of([o.id for o in rows])
    return page_of([order_json(o, refunds[o.id]) for o in rows], cursor)


@routes.get("/orders/<int:order_id>", scope="orders:read", response=ORDER, errors=[404])
def get_order(call: Call, order_id: int) -> dict[str, Any]:
    """Get one order with its lines and refund requests."""
    return _json(owned_order(call, order_id))


@routes.post(
    "/orders/<int:order_id>/ship",
    scope="orders:write",
    body=SHIP_IN,
    response=ORDER,
    errors=[404, 409],
)
def ship_order(call: Call, order_id: int) -> dict[str, Any]:
    """Mark a paid order shipped with its carrier and tracking number."""
    order = owned_order(call, order_id)
    lifecycle.ship(order, call.body["carrier"], call.body["tracking_number"], call.user)
    call.about("order", order.id)
    return _json(order)


@routes.post(
    "/orders/<int:order_id>/cancel",
    scope="orders:write",
    body=CANCEL_IN,
    response=ORDER,
    errors=[404, 409],
)
def cancel_order(call: Call, order_id: int) -> dict[str, Any]:
    """Cancel an order before it ships: stock goes back and a paid order is refunded."""
    order = owned_order(call, order_id)
    lifecycle.cancel(order, call.user, call.body["reason"])
    call.about("order", order.id)
    return _json(order)


@routes.post(
    "/orders/<int:order_id>/refund-requests/<int:refund_id>/approve",
    scope="orders:write",
    response=ORDER,
    errors=[404, 409],
)
def approve_refund(call: Call, order_id: int, refund_id: int) -> dict[str, Any]:
    """Approve a buyer's refund request: the line is refunded."""
    order = owned_order(call, order_id)
    refund = owned_refund(order, refund_id)
    refund_requests.approve_refund(refund, call.user)
    call.about("refund_request", refund.id)
    return _json(order)


@routes.post(
    "/orders/<int:order_id>/refund-requests/<int:refund_id>/decline",
    scope="orders:write",
    body=DECLINE_IN,
    response=ORDER,
    errors=[404, 409],
)
def decline_refund(call: Call, order_id: int, refund_id: int) -> dict[str, Any]:
    """Decline a buyer's refund request, saying why."""
    order = owned_order(call, order_id)
    refund = owned_refund(order, refund_id)
    refund_requests.decline_refund(refund, call.user, call.body["note"])
    call.about("refund_request", refund.id)
    return _json(order)
