"""What the seller may do with an order now, for the order page to ask: ship it, cancel it,
and what a cancel would give back to the buyer (from ``shop.orders.states``)."""

from __future__ import annotations

from dataclasses import dataclass

from shop.orders.models import Order, OrderStatus
from shop.orders.states import ORDER

S = OrderStatus


@dataclass(frozen=True)
class SellerActions:
    can_ship: bool
    can_cancel: bool
    #: What cancelling now gives back to the buyer (0: nothing was paid, or a free sample).
    refund_on_cancel: int

    @property
    def any(self) -> bool:
        return self.can_ship or self.can_cancel


def seller_actions(order: Order) -> SellerActions:
    """What the seller may do with the order now."""
    can_cancel = ORDER.can_move(order, S.CANCELLED)
    paid = order.status == S.PAID.value
    return SellerActions(
        can_ship=ORDER.can_move(order, S.SHIPPED),
        can_cancel=can_cancel,
        refund_on_cancel=order.total - order.refunded_amount if can_cancel and paid else 0,
    )
