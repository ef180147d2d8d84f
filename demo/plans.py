"""Demo plans for Glow & Co: a store plan, two open plans and a targeted plan, and free sample
requests from the demo creators (one waiting, one approved and shipped, one declined; all
idempotent)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

# The shop's and the creators' seeders must run first: importing them registers them first.
import demo.creators
import demo.shop  # noqa: F401
from affiliate.plans import memberships, services, tiers
from affiliate.plans.exceptions import PlanError
from affiliate.plans.models import Plan, PlanKind
from affiliate.plans.samples import services as samples
from affiliate.plans.samples.models import SampleRequest
from core.accounts import services as accounts
from core.accounts.models import Role, User
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Product, Store
from shop.orders import lifecycle
from shop.orders.checkout.services import add_address, addresses_of
from shop.orders.models import Order

STORE_HANDLE = "glow-and-co"
CREATOR_EMAIL = "creator@example.com"
STORE_RATE = 1000
OPEN_PLANS = (
    # name, {product title: rate}, manual approval
    ("Everyday glow", {"Vitamin C Brightening Serum": 1500, "Hyaluronic Water Cream": 1500}, False),
    ("Launch week", {"Mineral Sunscreen SPF 50": 2000, "Gentle Foaming Cleanser": 1800}, True),
)
# A product of an open plan whose rate rises with the orders that come through it.
TIERS = ("Everyday glow", "Vitamin C Brightening Serum", ((10, 1800), (50, 2000)))
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
    db.session.flush()
    _seed_tiers(store, products)
    db.session.commit()
    return f"demo plans ready ({created} created for Glow & Co)"


def _seed_tiers(store: Store, products: dict[str, int]) -> None:
    """Volume tiers on one product of an open plan (once)."""
    plan_name, title, steps = TIERS
    plan = db.session.scalar(select(Plan).where(Plan.store_id == store.id, Plan.name == plan_name))
    if plan is None or title not in products or tiers.tiers_of(plan).get(products[title]):
        return
    for min_orders, rate_bps in steps:
        tiers.add_tier(plan, products[title], min_orders, rate_bps)


# (creator email, product title, note, outcome: "requested", "approved" or "declined").
# Products that only the store plan covers, so showcasing them joins no open plan.
DEMO_SAMPLES = (
    (
        "creator@example.com",
        "Velvet Matte Lipstick",
        "A 12-hour wear test: one short video every few hours, and a live at the end.",
        "approved",
    ),
    (
        "creator@example.com",
        "Repair Hair Mask",
        "Part of my Sunday self-care series; filming next weekend.",
        "requested",
    ),
    (
        "noah@example.com",
        "Amber Dusk Eau de Parfum",
        "Scents for men who never wore one: a first-impressions video.",
        "declined",
    ),
)
DECLINE_REASON = "We are out of samples of this one this month; ask again in a few weeks."


def _demo_address(user_id: int, name: str) -> int:
    saved = addresses_of(user_id)
    if saved:
        return saved[0].id
    address = add_address(
        user_id,
        full_name=name,
        line1="12 Studio Lane",
        city="Austin",
        region="TX",
        postal_code="73301",
        country="US",
    )
    return address.id


def _seed_sample(creator: User, product: Product, note: str, outcome: str, seller: User) -> None:
    memberships.add_to_showcase(creator.id, product.id)
    variant = samples.sample_variants(product)[0]
    address_id = _demo_address(creator.id, creator.display_name)
    sample = samples.request_sample(creator, product.id, variant.id, note, address_id)
    if outcome == "approved":
        samples.approve_sample(seller, sample.id)
        order = db.session.get(Order, sample.order_id)
        assert order is not None
        lifecycle.ship(order, "UPS", f"1ZGLOWSAMPLE{sample.id:04d}", seller)
    elif outcome == "declined":
        samples.decline_sample(seller, sample.id, DECLINE_REASON)


def seed_samples() -> str:
    """Showcase Glow & Co products for demo creators, and their sample requests (once each)."""
    store = db.session.scalar(select(Store).where(Store.handle == STORE_HANDLE))
    if store is None:
        return "demo samples skipped (no Glow & Co store)"
    products = {
        p.title: p for p in db.session.scalars(select(Product).where(Product.store_id == store.id))
    }
    seller = store.owner
    created = 0
    for email, title, note, outcome in DEMO_SAMPLES:
        creator = accounts.find_by_email(email)
        product = products.get(title)
        if creator is None or product is None or not creator.has_role(Role.CREATOR):
            continue
        asked = db.session.scalar(
            select(SampleRequest.id).where(
                SampleRequest.creator_id == creator.id, SampleRequest.product_id == product.id
            )
        )
        if asked is not None:
            continue
        try:
            with db.session.begin_nested():
                _seed_sample(creator, product, note, outcome, seller)
        except PlanError:  # no plan covers it, out of stock...: the demo goes without it
            continue
        created += 1
    db.session.commit()
    return f"demo samples ready ({created} sample requests created for Glow & Co)"
