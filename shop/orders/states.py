"""The orders' state machines, each declared once (``core.states.StateMachine``).

Every change of ``status`` (or a refund's ``provider_state``) goes through ``MACHINE.move``; an
illegal move raises ``core.states.IllegalTransition`` (a 409). A row's first state is written
when it is created, never moved into.
"""

from __future__ import annotations

from core.states import StateMachine
from shop.orders.models import LineStatus, OrderStatus
from shop.orders.refunds.models import ProviderRefundState, RefundStatus

S = OrderStatus
L = LineStatus
R = RefundStatus
P = ProviderRefundState

#: ``pending_payment → paid → shipped → delivered → completed``; cancelled before shipping;
#: refunded (every line) at any time after payment.
ORDER = StateMachine(
    "order",
    {
        S.PENDING_PAYMENT: {S.PAID, S.CANCELLED},
        S.PAID: {S.SHIPPED, S.CANCELLED, S.REFUNDED},
        S.SHIPPED: {S.DELIVERED, S.REFUNDED},
        S.DELIVERED: {S.COMPLETED, S.REFUNDED},
        S.COMPLETED: {S.REFUNDED},
        S.CANCELLED: set(),
        S.REFUNDED: set(),
    },
)

#: A line is open until its buyer asks for its money back (the seller approves: refunded, or
#: declines: open again) or its order is cancelled.
ORDER_LINE = StateMachine(
    "order line",
    {
        L.OPEN: {L.REFUND_REQUESTED, L.CANCELLED},
        L.REFUND_REQUESTED: {L.REFUNDED, L.OPEN},
        L.REFUNDED: set(),
        L.CANCELLED: set(),
    },
)

#: A buyer's request is decided once by the seller. A cancelled order's refund is written
#: already ``refunded`` (nobody decides it).
REFUND_REQUEST = StateMachine(
    "refund request",
    {
        R.REQUESTED: {R.REFUNDED, R.DECLINED},
        R.APPROVED: {R.REFUNDED},
        R.DECLINED: set(),
        R.REFUNDED: set(),
    },
)

#: The money of a refund on the books, on its way back through the payment provider
#: (``shop.orders.refunds.provider``)::
#:
#:     requested ──► sent ──► succeeded
#:         │           └────► failed
#:         ├─────────────────► succeeded        (the provider answered at once)
#:         └─────────────────► failed ──► requested   (finance retries, under a new key)
PROVIDER_REFUND = StateMachine(
    "refund",
    {
        P.REQUESTED: {P.SENT, P.SUCCEEDED, P.FAILED},
        P.SENT: {P.SUCCEEDED, P.FAILED},
        P.SUCCEEDED: set(),
        P.FAILED: {P.REQUESTED},
    },
    field="provider_state",
)
