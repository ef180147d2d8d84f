"""What can go wrong in the cart, at checkout and when paying; ``str(error)`` is for the user.

Each type carries the HTTP status that the views answer with (``status_code``): a
``CartError`` or ``CheckoutError`` is a 400 with the message shown, ``LineNotFound`` a 404;
stock that another buyer took first (``NotEnoughStock``, ``OutOfStock``) and a cart that
changed since it was reviewed (``CartChanged``) are a 409 Conflict. ``PaymentError`` is a
message on the pay page.
"""

from __future__ import annotations


class OrderError(Exception):
    """Base of the cart, checkout and payment errors."""

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

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message or "This checkout is closed: its orders are no longer waiting for payment."
        )


class PaymentMismatch(PaymentError):
    """A provider reported a payment that does not match ours (reference or amount)."""
