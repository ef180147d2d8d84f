"""Loading a catalogue row for the seller who may act on it: 404 for an id that names nothing,
403 for another store's (ids out of the 64-bit range are a 404, never a 500)."""

from __future__ import annotations

from flask import abort

from core.accounts.authz import get_or_404
from shop.catalog.models import Product, Store


def get_product_or_404(product_id: int, *, store: Store | None) -> Product:
    """A product of ``store``: 404 if there is none, 403 if it is another store's (or the
    seller has no store)."""
    product = get_or_404(Product, product_id)
    if store is None or product.store_id != store.id:
        abort(403)
    return product
