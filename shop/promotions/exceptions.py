"""What can go wrong with promotions, each type mapped to one outcome for the user.

One hierarchy under ``core.exceptions.DomainError``: every error carries a message the user
can act on; ``field`` names the form field it belongs to (None for the form as a whole) and
``status_code`` is the HTTP answer a page gives with it (400 bad input, 404 no such promotion
of this store, 409 not in this state). A service that raises has written nothing. A promotion
that a buyer reviewed and can no longer have at checkout is a ``PromotionUnavailable``, a
checkout refusal (``shop.orders.exceptions.CheckoutError``).
"""

from __future__ import annotations

from core.exceptions import DomainError
from shop.orders.exceptions import CheckoutError


class PromotionError(DomainError):
    """A promotion rule refused the change; nothing was written."""

    status_code = 400


class InvalidName(PromotionError):
    field = "name"


class InvalidValue(PromotionError):
    """A percentage outside 0–100% or with more than two decimals, or an amount not above zero."""

    field = "value"


class InvalidWindow(PromotionError):
    """An end before the start, an end in the past, or a flash deal longer than allowed."""

    field = "ends_at"


class InvalidLimit(PromotionError):
    """A quantity, total uses or per-buyer limit that is not a positive whole number."""


class InvalidCode(PromotionError):
    """A voucher code with spaces, other characters or the wrong length."""

    field = "code"


class CodeTaken(InvalidCode):
    """Codes are unique across the platform (case-insensitive)."""


class ProductNotInStore(PromotionError):
    """A product or variant that is not this store's, is archived, or was not chosen at all."""


class InvalidDealPrice(PromotionError):
    """A flash deal price that is not above zero and below the variant's price."""

    field = "deal_price"


class FlashDealOverlap(PromotionError):
    """A variant has one flash deal at a time."""

    field = "starts_at"


class PromotionNotFound(PromotionError):
    """No promotion of this kind and id in this store (another store's is not found either)."""

    status_code = 404


class AlreadyEnded(PromotionError):
    status_code = 409


class CollectError(PromotionError):
    """A voucher that cannot be collected now (not running, no uses left); for the buyer."""

    status_code = 409


class VoucherNotFound(CollectError):
    """No public voucher with that id (private codes are never confirmed to exist)."""

    status_code = 404


# --- at checkout -----------------------------------------------------------------------------


class PromotionUnavailable(CheckoutError):
    """A promotion the buyer reviewed can no longer be had; nothing was written."""

    status_code = 409


class VoucherUnavailable(PromotionUnavailable):
    def __init__(self, code: str, why: str) -> None:
        super().__init__(
            f"The voucher {code} cannot be used: {why} Nothing was charged; review your order."
        )
        self.code = code


class FlashDealUnavailable(PromotionUnavailable):
    def __init__(self, title: str, why: str) -> None:
        super().__init__(
            f"The flash deal on {title} cannot be had: {why} Nothing was charged; review your "
            "order, which now shows the price you would pay."
        )
        self.title = title


class LiveDealUnavailable(PromotionUnavailable):
    def __init__(self, title: str, why: str) -> None:
        super().__init__(
            f"The live deal on {title} cannot be had: {why} Nothing was charged; review your "
            "order, which now shows the price you would pay."
        )
        self.title = title
