"""The demo's accounts, one per role, and their documented password."""

from __future__ import annotations

from core.accounts.models import Role

DEMO_PASSWORD = "demo-pass-123"  # noqa: S105 - the documented password of the demo accounts
DEMO_ACCOUNTS = (
    ("buyer@example.com", "Bea Buyer", {Role.BUYER}),
    ("creator@example.com", "Cleo Creator", {Role.CREATOR}),
    ("seller@example.com", "Sam Seller", {Role.SELLER}),
    ("finance@example.com", "Fin Officer", {Role.FINANCE}),
    ("admin@example.com", "Ada Admin", {Role.ADMIN}),
)
