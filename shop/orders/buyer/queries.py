"""What the buyer's order pages read: their orders, newest first, a page at a time."""

from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db
from core.web.pagination import Page
from shop.orders.models import Order

ORDERS_PER_PAGE = 10


def buyer_orders(buyer_id: int, page: int = 1, per_page: int = ORDERS_PER_PAGE) -> Page[Order]:
    """The buyer's orders, newest first, one page of them (paginated in the database)."""
    total = db.session.scalar(select(func.count(Order.id)).where(Order.buyer_id == buyer_id))
    query = (
        select(Order)
        .where(Order.buyer_id == buyer_id)
        .order_by(Order.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    items = list(db.session.scalars(query).unique())
    return Page(items=items, page=page, per_page=per_page, total=total or 0)
