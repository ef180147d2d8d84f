"""Demo sample rules, a delivered sample with a posting deadline, and sample costs, for
Glow & Co (after ``demo.plans.seed_samples``; idempotent).

- every Glow & Co option gets a cost price (40% of its price) where none is recorded;
- the rule “Proven creators” (10,000 followers or more, price at most $60.00, at most 5 a
  month per product) and a posting-rate floor of 30%;
- Cleo asks for a sample of Amber Dusk Eau de Parfum, which the rule approves by itself; it
  ships ($4.50 shipping recorded), is delivered two days ago, and the sweep stamps her deadline.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from affiliate.plans import memberships
from affiliate.plans.exceptions import PlanError
from affiliate.plans.samples import obligations, rules, services
from affiliate.plans.samples.models import SampleRequest, SampleRule
from core.accounts import services as accounts
from core.accounts.models import User
from core.extensions import db
from core.types import utcnow
from demo.plans import STORE_HANDLE, _demo_address
from shop.catalog.models import Product, Store, Variant
from shop.orders import lifecycle
from shop.orders.models import Order

RULE_NAME = "Proven creators"
DELIVERED_PRODUCT = "Amber Dusk Eau de Parfum"
NOTE = "A first-impressions video: the scent through a whole day, morning to night."
COST_SHARE_PERCENT = 40
SHIPPING = 450


def seed_sample_rules_and_posting() -> str:
    store = db.session.scalar(select(Store).where(Store.handle == STORE_HANDLE))
    if store is None:
        return "demo sample rules skipped (no Glow & Co store)"
    seller = store.owner
    costed = 0
    for variant in db.session.scalars(
        select(Variant).where(Variant.store_id == store.id, Variant.cost_price.is_(None))
    ):
        variant.cost_price = variant.price * COST_SHARE_PERCENT // 100
        costed += 1
    rule_made = False
    if (
        db.session.scalar(
            select(SampleRule.id).where(
                SampleRule.store_id == store.id, SampleRule.name == RULE_NAME
            )
        )
        is None
    ):
        rules.create_rule(
            seller,
            rules.RuleInput(name=RULE_NAME, min_followers=10_000, max_price=6000, monthly_quota=5),
        )
        rules.set_posting_floor(seller, 3000)
        rule_made = True
    db.session.commit()
    delivered = _delivered_sample(store, seller)
    db.session.commit()
    return (
        f"demo sample rules ready ({costed} cost prices, rule {'created' if rule_made else 'kept'}"
        f", {delivered})"
    )


def _delivered_sample(store: Store, seller: User) -> str:
    cleo = accounts.find_by_email("creator@example.com")
    product = db.session.scalar(
        select(Product).where(Product.store_id == store.id, Product.title == DELIVERED_PRODUCT)
    )
    if cleo is None or product is None:
        return "no delivered sample (Cleo or the product is missing)"
    exists = db.session.scalar(
        select(SampleRequest.id).where(
            SampleRequest.creator_id == cleo.id, SampleRequest.product_id == product.id
        )
    )
    if exists is not None:
        return "delivered sample kept"
    try:
        with db.session.begin_nested():
            memberships.add_to_showcase(cleo.id, product.id)
            variant = services.sample_variants(product)[0]
            address_id = _demo_address(cleo.id, cleo.display_name)
            sample = services.request_sample(cleo, product.id, variant.id, NOTE, address_id)
            if sample.order_id is None:  # the rule did not approve it: the seller does
                services.approve_sample(seller, sample.id)
            services.set_shipping_cost(seller, sample.id, SHIPPING)
            order = db.session.get(Order, sample.order_id)
            assert order is not None
            lifecycle.ship(order, "UPS", f"1ZGLOWSAMPLE{sample.id:04d}", seller)
            lifecycle.mark_delivered(order, None, now=utcnow() - timedelta(days=2))
            obligations.stamp_deliveries(utcnow(), obligations.DEFAULT_POSTING_DAYS)
    except PlanError as error:
        return f"no delivered sample ({error})"
    return f"Cleo's {DELIVERED_PRODUCT} sample delivered, post due by {sample.post_deadline:%d %b}"
