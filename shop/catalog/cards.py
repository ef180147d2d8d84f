"""Product cards rendered once per product and catalogue version, and kept in the process.

A listing card shows the product's own columns and its store's name (the catalogue version
covers them), and its running offer (price, saving, "Flash deal" badge), which the clock may
start or end without a write. So only the card of a product that no promotion names
(``shop.promotions.promoted``: no offer now nor later under this version) is kept; the others
are rendered on every page, as before. With the page cache off nothing is kept.
"""

from __future__ import annotations

from markupsafe import Markup

from core.types import utcnow
from core.web import fragments
from shop.catalog.models import Product
from shop.promotions.promoted import promoted_products


class CardFragments:
    """The page's view of the kept cards (``card_fragments()`` in the catalogue templates)."""

    def __init__(self) -> None:
        self.promoted = promoted_products(utcnow()) if fragments.sharing() else None

    def _key(self, product: Product, level: int, show_store: bool) -> tuple | None:
        if self.promoted is None or product.id in self.promoted:
            return None
        return ("card", product.id, level, bool(show_store))

    def get(self, product: Product, level: int, show_store: bool) -> Markup | None:
        key = self._key(product, level, show_store)
        return None if key is None else fragments.fragment(key)

    def keep(self, product: Product, level: int, show_store: bool, html: Markup) -> Markup:
        key = self._key(product, level, show_store)
        return html if key is None else fragments.keep(key, html)


def card_fragments() -> CardFragments:
    """The kept cards as a grid sees them (the promoted set is read once per grid)."""
    return CardFragments()
