"""What can go wrong in the seller's catalogue, each type mapped to one outcome for the user.

One hierarchy under ``core.exceptions.DomainError``: every error carries a message that the
user can act on, its HTTP status (400: the input is refused, nothing written) and ``field``, the
form field it belongs to (None for the form as a whole).
"""

from __future__ import annotations

from core.exceptions import DomainError


class CatalogError(DomainError):
    """A catalogue rule refused the change; nothing was written."""

    status_code = 400


class StoreError(CatalogError):
    pass


class InvalidHandle(StoreError):
    field = "handle"


class HandleTaken(StoreError):
    field = "handle"


class StoreAlreadyOpen(StoreError):
    """One store per account."""


class StoreNeedsVerifiedEmail(StoreError):
    """Only an account whose address is verified may open a store."""

    status_code = 403


class CurrencyLocked(StoreError):
    """A store that has products keeps its currency (their prices are in it)."""

    field = "currency"


class ProductError(CatalogError):
    pass


class InvalidProduct(ProductError):
    pass


class InvalidVariant(ProductError):
    """A variant row is wrong; ``index`` is its position in the input (or None)."""

    def __init__(self, message: str, *, index: int | None = None, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.index = index


class DuplicateSku(InvalidVariant):
    field = "sku"


class NotFound(ProductError):
    """A product, variant or image id that is not this store's (or not this product's)."""


class TooManyImages(ProductError):
    field = "images"


class ImageError(CatalogError):
    field = "images"


class NotAnImage(ImageError):
    pass


class ImageTooLarge(ImageError):
    pass
