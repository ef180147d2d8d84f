"""What can go wrong after an order is placed; each type is one outcome for the user.

``InvalidOrderInput`` is a bad form (400: nothing written). ``OrderActionRefused`` is a request
that the order's state does not allow (409), as is ``shop.orders.states.IllegalTransition``.
"""

from __future__ import annotations


class OrderLifecycleError(Exception):
    """Base of the order lifecycle's errors; the message is for the user."""

    status_code = 409


class InvalidOrderInput(OrderLifecycleError):
    """A required value is missing or too long."""

    status_code = 400


class OrderActionRefused(OrderLifecycleError):
    """The order, line or refund request is not in a state that allows this action."""


class RefundWindowClosed(OrderActionRefused):
    """The return window of the order has passed (or has not begun: not delivered yet)."""


class RefundAlreadyRequested(OrderActionRefused):
    """The line already has an open refund request, or was refunded or cancelled."""


class RefundAlreadyDecided(OrderActionRefused):
    """The refund request was already approved or declined."""
