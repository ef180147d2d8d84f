"""Content, events and commissions for the tracking and dashboard tests, written directly.

Commission rows are the commissions service's to create; these tests only read them, so a
small factory writes them (with an order to hang from) without the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from affiliate.creators.attribution.models import Commission, CommissionState
from affiliate.creators.content.models import (
    Content,
    ContentKind,
    ContentProduct,
    ContentStatus,
)
from affiliate.plans.models import Plan, PlanKind
from core.accounts.models import Role, User
from core.extensions import db
from core.money import percent_of
from core.types import utcnow
from shop.catalog.models import Product
from shop.orders.models import OrderStatus
from tests.creators.helpers_plans import make_plan
from tests.factories import make_user
from tests.shop.factories import make_order


def make_content(
    creator: User,
    products: Iterable[Product] = (),
    *,
    title: str = "My morning routine",
    kind: ContentKind = ContentKind.VIDEO,
    status: ContentStatus = ContentStatus.PUBLISHED,
) -> Content:
    content = Content(
        creator_id=creator.id,
        kind=kind.value,
        title=title,
        status=status.value,
        external_url="https://video.example.com/clip.mp4" if kind is ContentKind.VIDEO else None,
        live_state="scheduled" if kind is ContentKind.LIVE else None,
    )
    content.products = [
        ContentProduct(product_id=product.id, position=index)
        for index, product in enumerate(products)
    ]
    db.session.add(content)
    db.session.commit()
    return content


def make_commission(
    creator: User,
    product: Product,
    *,
    content: Content | None = None,
    plan: Plan | None = None,
    rate_bps: int = 1000,
    quantity: int = 1,
    state: CommissionState = CommissionState.PENDING,
    reversed_amount: int | None = None,
    order_status: OrderStatus = OrderStatus.PAID,
    created_at: datetime | None = None,
    buyer: User | None = None,
) -> Commission:
    """A paid order of ``quantity`` × ``product`` through ``content``, and its commission."""
    plan = plan or make_plan(product.store, PlanKind.OPEN, "Everyday", rate_bps, [product])
    buyer = buyer or make_user(Role.BUYER)
    order = make_order(buyer, [(product.variants[0], quantity)], status=order_status)
    line = order.lines[0]
    amount = percent_of(line.amount, rate_bps)
    if reversed_amount is None:
        reversed_amount = amount if state is CommissionState.REVERSED else 0
    commission = Commission(
        order_line_id=line.id,
        order_id=order.id,
        store_id=product.store_id,
        creator_id=creator.id,
        product_id=product.id,
        content_id=content.id if content else None,
        plan_id=plan.id,
        plan_kind=plan.kind,
        rate_bps=rate_bps,
        base_amount=line.amount,
        amount=amount,
        reversed_amount=reversed_amount,
        currency=order.currency,
        state=state.value,
        created_at=created_at or utcnow(),
    )
    db.session.add(commission)
    db.session.commit()
    return commission


def days_ago(days: int, hours: int = 0) -> datetime:
    return utcnow() - timedelta(days=days, hours=hours)
