"""The order state machine: one transition table; an illegal move raises, never passes."""

from __future__ import annotations

from shop.orders.models import Order, OrderStatus

S = OrderStatus

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.SHIPPED, S.CANCELLED, S.REFUNDED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.COMPLETED, S.REFUNDED}),
    S.COMPLETED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}


class IllegalTransition(Exception):
    """The order cannot move from its state to the one asked for."""

    def __init__(self, order: Order, target: OrderStatus) -> None:
        current = OrderStatus(order.status)
        super().__init__(
            f"Order #{order.id} is {current.label.lower()}; it cannot become "
            f"{target.label.lower()}."
        )
        self.current = current
        self.target = target


def can_move(order: Order, target: OrderStatus) -> bool:
    return target in TRANSITIONS[OrderStatus(order.status)]


def move(order: Order, target: OrderStatus) -> OrderStatus:
    """Move ``order`` to ``target`` or raise ``IllegalTransition``; return the old state."""
    if not can_move(order, target):
        raise IllegalTransition(order, target)
    previous = OrderStatus(order.status)
    order.status = target.value
    return previous
