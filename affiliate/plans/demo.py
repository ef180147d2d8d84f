"""Demo plans for Glow & Co: a store plan, two open plans and a targeted plan (idempotent)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

# The shop's and the creators' seeders must run first: importing them registers them first.
import affiliate.creators.demo  # noqa: F401
import shop.demo  # noqa: F401
from affiliate.accounts import services as accounts
from affiliate.accounts.models import Role
from affiliate.cli import register_demo_seeder
from affiliate.extensions import db
from affiliate.plans import services
from affiliate.plans.models import Plan, PlanKind
from affiliate.types import utcnow
from shop.catalog.models import Product, Store

STORE_HANDLE = "glow-and-co"
CREATOR_EMAIL = "creator@example.com"
STORE_RATE = 1000
OPEN_PLANS = (
    # name, {product title: rate}, manual approval
    ("Everyday glow", {"Vitamin C Brightening Serum": 1500, "Hyaluronic Water Cream": 1500}, False),
    ("Launch week", {"Mineral Sunscreen SPF 50": 2000, "Gentle Foaming Cleanser": 1800}, True),
)
TARGETED = (
    "Spring launch",
    {"Vitamin C Brightening Serum": 2500, "Silk Glow Highlighter": 2500},
    "We would love you to try our spring range: 25% on every sale.",
)


def seed_plans() -> str:
    """Create Glow & Co's demo plans (skipping those that exist) and invite the demo creator."""
    store = db.session.scalar(select(Store).where(Store.handle == STORE_HANDLE))
    if store is None:
        return "demo plans skipped (no Glow & Co store)"
    creator = accounts.find_by_email(CREATOR_EMAIL)
    products = {
        p.title: p.id
        for p in db.session.scalars(select(Product).where(Product.store_id == store.id))
    }
    existing = {
        (p.kind, p.name) for p in db.session.scalars(select(Plan).where(Plan.store_id == store.id))
    }
    created = 0
    starts_at = utcnow() - timedelta(days=1)
    if services.get_store_plan(store.id) is None:
        services.create_store_plan(store, STORE_RATE, now=starts_at)
        created += 1
    for name, rates, manual in OPEN_PLANS:
        if (PlanKind.OPEN.value, name) in existing:
            continue
        services.create_open_plan(
            store,
            name=name,
            product_rates={products[t]: r for t, r in rates.items() if t in products},
            starts_at=starts_at,
            manual_approval=manual,
        )
        created += 1
    name, rates, message = TARGETED
    if (
        (PlanKind.TARGETED.value, name) not in existing
        and creator
        and creator.has_role(Role.CREATOR)
    ):
        services.create_targeted_plan(
            store,
            name=name,
            product_rates={products[t]: r for t, r in rates.items() if t in products},
            creator_ids=[creator.id],
            message=message,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(days=90),
        )
        created += 1
    db.session.commit()
    return f"demo plans ready ({created} created for Glow & Co)"


register_demo_seeder(seed_plans)
