"""Helpers for the sample rules, obligation and economics tests (each commits)."""

from __future__ import annotations

from datetime import datetime

from affiliate.plans.samples import rules
from affiliate.plans.samples.models import SampleRequest, SampleRule
from core.extensions import db
from core.types import utcnow
from shop.orders import lifecycle
from shop.orders.models import Order
from tests.plans.helpers_samples import Samples


def add_rule(world: Samples, name: str = "Proven creators", **conditions: object) -> SampleRule:
    rule = rules.create_rule(world.seller, rules.RuleInput(name=name, **conditions))  # type: ignore[arg-type]
    db.session.commit()
    return rule


def deliver(sample: SampleRequest, world: Samples, at: datetime | None = None) -> Order:
    """Ship the sample's free order and mark it delivered at ``at``."""
    order = db.session.get(Order, sample.order_id)
    assert order is not None
    lifecycle.ship(order, "UPS", "1Z999", world.seller)
    lifecycle.mark_delivered(order, None, now=at or utcnow())
    db.session.commit()
    return order


def other_seller(email: str = "olga@example.com"):  # type: ignore[no-untyped-def]
    """Another seller with a store and a product: ``(seller, store, product)``."""
    from core.accounts.models import Role
    from tests.factories import make_user
    from tests.shop.factories import make_product, make_store

    seller = make_user(Role.SELLER, email=email)
    store = make_store(seller, name="Olga's Oils")
    return seller, store, make_product(store, title="Argan oil", price=3000, stock=5)
