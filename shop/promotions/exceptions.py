"""What can go wrong when a seller runs promotions, each type mapped to one outcome for the user.

Every error carries a message the seller can act on; ``field`` names the form field it belongs
to (empty for the form as a whole) and ``status_code`` is the HTTP answer a page gives with it
(400 bad input, 404 no such promotion of this store, 409 not in this state). A service that
raises has written nothing.
"""

from __future__ import annotations


class PromotionError(Exception):
    """A promotion rule refused the change; nothing was written."""

    status_code = 400
    field = ""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


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
