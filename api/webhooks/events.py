"""What each event says, and the receivers that turn the packages' signals into events.

Every payload is JSON with amounts as integer minor units next to their ``currency`` and times
in RFC 3339 UTC. Order, product and plan events go to the store's seller; commission and
withdrawal events to the creator. No buyer's personal data (name, address) is ever sent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from affiliate.creators.attribution import signals as commission_signals
from affiliate.creators.attribution.models import Commission
from affiliate.payouts import signals as payout_signals
from affiliate.payouts.models import Withdrawal, WithdrawalStatus
from affiliate.plans import signals as plan_signals
from affiliate.plans.models import Plan, PlanRate
from api.webhooks.dispatch import emit, rfc3339
from api.webhooks.models import EventType
from core.extensions import db
from shop import signals as shop_signals
from shop.catalog.models import Product, Store
from shop.orders.models import Order, OrderLine

# ---------------------------------------------------------------------------- payloads


def order_data(order: Order) -> dict[str, Any]:
    return {
        "object": "order",
        "id": order.id,
        "store_id": order.store_id,
        "status": order.status,
        "currency": order.currency,
        "subtotal": order.subtotal,
        "discount": order.discount,
        "shipping": order.shipping,
        "total": order.total,
        "refunded_amount": order.refunded_amount,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "placed_at": rfc3339(order.placed_at),
        "paid_at": rfc3339(order.paid_at),
        "shipped_at": rfc3339(order.shipped_at),
        "delivered_at": rfc3339(order.delivered_at),
        "lines": [
            {
                "id": line.id,
                "product_id": line.product_id,
                "variant_id": line.variant_id,
                "sku": line.sku,
                "title": line.title,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "amount": line.amount,
                "status": line.status,
                "creator_id": line.creator_id,
            }
            for line in order.lines
        ],
    }


def refund_data(order: Order, line: OrderLine, amount: int) -> dict[str, Any]:
    return {
        "object": "refund",
        "order_id": order.id,
        "line_id": line.id,
        "amount": amount,
        "currency": order.currency,
        "order": order_data(order),
    }


def commission_data(commission: Commission, **extra: Any) -> dict[str, Any]:
    return {
        "object": "commission",
        "id": commission.id,
        "order_id": commission.order_id,
        "order_line_id": commission.order_line_id,
        "store_id": commission.store_id,
        "product_id": commission.product_id,
        "content_id": commission.content_id,
        "plan_id": commission.plan_id,
        "plan_kind": commission.plan_kind,
        "rate_bps": commission.rate_bps,
        "currency": commission.currency,
        "base_amount": commission.base_amount,
        "amount": commission.amount,
        "reversed_amount": commission.reversed_amount,
        "net_amount": commission.amount - commission.reversed_amount,
        "state": commission.state,
        "created_at": rfc3339(commission.created_at),
        "settled_at": rfc3339(commission.settled_at),
        "reversed_at": rfc3339(commission.reversed_at),
        **extra,
    }


def withdrawal_data(w: Withdrawal) -> dict[str, Any]:
    return {
        "object": "withdrawal",
        "id": w.id,
        "status": w.status,
        "currency": w.currency,
        "amount": w.amount,
        "fee": w.fee,
        "net": w.net,
        "provider_reference": w.provider_ref,
        "failure_reason": w.failure_reason,
        "requested_at": rfc3339(w.requested_at),
        "paid_at": rfc3339(w.paid_at),
        "failed_at": rfc3339(w.failed_at),
    }


def product_data(product: Product) -> dict[str, Any]:
    return {
        "object": "product",
        "id": product.id,
        "store_id": product.store_id,
        "title": product.title,
        "status": product.status,
        "currency": product.currency,
        "price": product.price,
        "compare_at_price": product.compare_at_price,
        "updated_at": rfc3339(product.updated_at),
        "variants": [
            {
                "id": variant.id,
                "sku": variant.sku,
                "price": variant.price,
                "stock": variant.stock,
                "active": variant.active,
            }
            for variant in product.variants
        ],
    }


def plan_rate_data(plan: Plan, rate: PlanRate, previous_bps: int | None) -> dict[str, Any]:
    return {
        "object": "plan_rate",
        "plan_id": plan.id,
        "plan_name": plan.name,
        "plan_kind": plan.kind,
        "store_id": plan.store_id,
        "product_id": rate.product_id,
        "rate_bps": rate.rate_bps,
        "previous_rate_bps": previous_bps,
        "announced_at": rfc3339(rate.announced_at),
        "effective_at": rfc3339(rate.effective_at),
    }


def _store_owner(store_id: int) -> int | None:
    return db.session.scalar(select(Store.owner_id).where(Store.id == store_id))


# ---------------------------------------------------------------------------- receivers


def on_order_paid(order: Order, **_: Any) -> None:
    emit(order.store.owner_id, EventType.ORDER_PAID, lambda: order_data(order))


def on_order_shipped(order: Order, **_: Any) -> None:
    emit(order.store.owner_id, EventType.ORDER_SHIPPED, lambda: order_data(order))


def on_order_delivered(order: Order, **_: Any) -> None:
    emit(order.store.owner_id, EventType.ORDER_DELIVERED, lambda: order_data(order))


def on_line_refunded(order: Order, **extra: Any) -> None:
    line, amount = extra.get("line"), extra.get("amount")
    if isinstance(line, OrderLine) and isinstance(amount, int):
        emit(
            order.store.owner_id, EventType.ORDER_REFUNDED, lambda: refund_data(order, line, amount)
        )


def on_product_updated(product: Product, **_: Any) -> None:
    emit(product.store.owner_id, EventType.PRODUCT_UPDATED, lambda: product_data(product))


def on_commission_earned(commission: Commission, **_: Any) -> None:
    emit(commission.creator_id, EventType.COMMISSION_EARNED, lambda: commission_data(commission))


def on_commission_settled(commission: Commission, **_: Any) -> None:
    emit(commission.creator_id, EventType.COMMISSION_SETTLED, lambda: commission_data(commission))


def on_commission_reversed(commission: Commission, **extra: Any) -> None:
    taken = extra.get("amount")
    emit(
        commission.creator_id,
        EventType.COMMISSION_REVERSED,
        lambda: commission_data(commission, amount_taken_back=taken),
    )


def on_withdrawal_moved(withdrawal: Withdrawal, **extra: Any) -> None:
    to = extra.get("to")
    if to == WithdrawalStatus.PAID:
        emit(withdrawal.creator_id, EventType.WITHDRAWAL_PAID, lambda: withdrawal_data(withdrawal))
    elif to == WithdrawalStatus.FAILED:
        emit(
            withdrawal.creator_id, EventType.WITHDRAWAL_FAILED, lambda: withdrawal_data(withdrawal)
        )


def on_rate_changed(plan: Plan, **extra: Any) -> None:
    rate, previous = extra.get("rate"), extra.get("previous_bps")
    owner_id = _store_owner(plan.store_id)
    if isinstance(rate, PlanRate) and owner_id is not None:
        emit(owner_id, EventType.PLAN_RATE_CHANGED, lambda: plan_rate_data(plan, rate, previous))


#: Each signal and its receiver, connected by ``setup.init_app`` (once per process).
RECEIVERS = (
    (shop_signals.order_paid, on_order_paid),
    (shop_signals.order_shipped, on_order_shipped),
    (shop_signals.order_delivered, on_order_delivered),
    (shop_signals.order_line_refunded, on_line_refunded),
    (shop_signals.product_updated, on_product_updated),
    (commission_signals.commission_earned, on_commission_earned),
    (commission_signals.commission_settled, on_commission_settled),
    (commission_signals.commission_reversed, on_commission_reversed),
    (payout_signals.withdrawal_moved, on_withdrawal_moved),
    (plan_signals.rate_changed, on_rate_changed),
)


def connect() -> None:
    for signal, receiver in RECEIVERS:
        signal.connect(receiver)
