"""Scopes: read or write per area, and the areas each role may hold.

A key never holds more than its owner's roles allow *now*: the effective scopes of a request
are the key's scopes intersected with what the user's current roles grant, so a key cannot give
staff powers to a user who is not staff, and losing a role takes the power from every key.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.accounts.models import Role

AREAS = (
    "products",
    "orders",
    "plans",
    "creators",
    "commissions",
    "promotions",
    "withdrawals",
    "finance",
)
ACCESS = ("read", "write")
ALL_SCOPES = tuple(f"{area}:{access}" for area in AREAS for access in ACCESS)

#: The areas each role opens (read and write alike).
ROLE_AREAS: dict[Role, frozenset[str]] = {
    Role.SELLER: frozenset(
        {"products", "orders", "plans", "creators", "commissions", "promotions"}
    ),
    # A creator's own profile, showcase and content are the "creators" area.
    Role.CREATOR: frozenset({"creators", "commissions", "withdrawals"}),
    Role.FINANCE: frozenset({"finance"}),
    Role.BUYER: frozenset(),
    Role.ADMIN: frozenset(),
}

AREA_LABELS = {
    "products": "Products and variants",
    "orders": "Orders, shipping and refunds",
    "plans": "Affiliate plans",
    "creators": "Creators (directory; a creator's own profile and content)",
    "commissions": "Commissions",
    "promotions": "Promotions",
    "withdrawals": "Withdrawals and balances",
    "finance": "Finance review and payouts",
}


def allowed_scopes(roles: Iterable[Role]) -> frozenset[str]:
    """Every scope that a user holding ``roles`` may give a key."""
    areas: set[str] = set()
    for role in roles:
        areas |= ROLE_AREAS.get(Role(role), frozenset())
    return frozenset(f"{area}:{access}" for area in areas for access in ACCESS)


def ordered(scopes: Iterable[str]) -> list[str]:
    wanted = set(scopes)
    return [scope for scope in ALL_SCOPES if scope in wanted]
