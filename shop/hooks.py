"""Questions the shop asks of whoever registered an answer (the affiliate side, when present).

Signals (``shop.signals``) announce what happened; hooks answer a question the shop needs
answered at once. The shop registers none itself, and works unchanged when none is
registered.
"""

from __future__ import annotations

from collections.abc import Callable

from shop.orders.cart import Attribution

AttributionResolver = Callable[[int], Attribution | None]

_attribution_resolvers: list[AttributionResolver] = []


def register_attribution_resolver(resolver: AttributionResolver) -> None:
    """``resolver(product_id)`` names the content the visitor last came from, if any."""
    if resolver not in _attribution_resolvers:
        _attribution_resolvers.append(resolver)


def attribution_for(product_id: int) -> Attribution | None:
    """The attribution for adding ``product_id`` to the cart in this request, if any."""
    for resolver in _attribution_resolvers:
        found = resolver(product_id)
        if found is not None:
            return found
    return None
