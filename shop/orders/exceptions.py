"""What can go wrong in the cart, at checkout, when paying and after an order is placed.

One hierarchy under ``core.exceptions.DomainError``: each type carries the HTTP status that a
view answers with (``status_code``) and ``str(error)`` is for the user. A ``CartError`` or a
``CheckoutError`` is a 400 with the message shown, ``LineNotFound`` a 404; stock that another
buyer took first (``NotEnoughStock``, ``OutOfStock``) and a cart that changed since it was
reviewed (``CartChanged``) are a 409 Conflict. ``PaymentError`` is a message on the pay page.
After placing: ``InvalidOrderInput`` is a bad form (400: nothing written) and
``OrderActionRefused`` a request that the order's state does not allow (409), as is
``core.states.IllegalTransition``. A service that raises has written nothing.
"""

from __future__ import annotations

from core.exceptions import DomainError


class OrderError(DomainError):
    """Base of the cart, checkout, payment and order lifecycle errors."""

    status_code = 400


class CartError(OrderError):
    """The cart cannot change as asked; nothing was written."""


class InvalidQuantity(CartError):
    def __init__(self, maximum: int) -> None:
        super().__init__(f"Choose a quantity from 1 to {maximum}.")


class NotAvailable(CartError):
    def __init__(self, title: str) -> None:
        super().__init__(f"{title} is not available any more.")


class NotEnoughStock(CartError):
    status_code = 409

    def __init__(self, title: str, available: int) -> None:
        if available <= 0:
            message = f"{title} is sold out."
        else:
            message = f"Only {available} of {title} left in stock."
        super().__init__(message)
        self.available = available


class LineNotFound(CartError):
    """The cart line is not in this cart (or does not exist): a 404, never someone else's."""

    status_code = 404

    def __init__(self, line_id: int) -> None:
        super().__init__("That item is not in your cart.")
        self.line_id = line_id


class CheckoutError(OrderError):
    """The checkout cannot be placed as it is; nothing was written."""


class EmptyCheckout(CheckoutError):
    def __init__(self) -> None:
        super().__init__("There is nothing available to buy in your cart.")


class MixedCurrencies(CheckoutError):
    def __init__(self, currencies: list[str]) -> None:
        super().__init__(
            "Your cart holds items priced in "
            + " and ".join(currencies)
            + ". Check out one currency at a time."
        )
        self.currencies = currencies


class CartChanged(CheckoutError):
    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            "Your cart changed since you reviewed it (an item, a quantity or a price). "
            "Please check it again before you pay."
        )


class OutOfStock(CheckoutError):
    """Someone bought the last items first: every reservation of this checkout rolled back."""

    status_code = 409

    def __init__(self, title: str, available: int) -> None:
        if available <= 0:
            message = f"Sorry, {title} just sold out. Nothing was charged; your cart is unchanged."
        else:
            message = (
                f"Sorry, only {available} of {title} are left. Nothing was charged; change the "
                "quantity in your cart and try again."
            )
        super().__init__(message)
        self.title = title
        self.available = available


class PaymentError(OrderError):
    """The payment cannot go ahead."""


class PaymentClosed(PaymentError):
    """The orders of this payment are no longer waiting for it (paid, expired or cancelled)."""

    status_code = 409

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message or "This checkout is closed: its orders are no longer waiting for payment."
        )


class PaymentMismatch(PaymentError):
    """A provider reported a payment that does not match ours (reference or amount)."""


# --- after the order is placed ---------------------------------------------------------------


class OrderLifecycleError(OrderError):
    """An order, line or refund request cannot change as asked; the message is for the user."""

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
