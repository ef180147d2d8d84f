"""The payment's state machine (``core.states.StateMachine``): every change of a payment's
``status`` goes through ``PAYMENT.move``."""

from __future__ import annotations

from core.states import StateMachine
from shop.payments.models import PaymentStatus

P = PaymentStatus

#: A payment waits (``pending``) until the provider says it succeeded or failed. A failed one
#: may be tried again (another card: it succeeds, or fails once more). When its orders are
#: released unpaid it is ``cancelled``; a card that went through after all still succeeds (the
#: money is then returned: ``shop.orders.refunds.provider.refund_late_payment``).
PAYMENT = StateMachine(
    "payment",
    {
        P.PENDING: {P.SUCCEEDED, P.FAILED, P.CANCELLED},
        P.FAILED: {P.SUCCEEDED, P.FAILED, P.CANCELLED},
        P.CANCELLED: {P.SUCCEEDED},
        P.SUCCEEDED: set(),
    },
)
