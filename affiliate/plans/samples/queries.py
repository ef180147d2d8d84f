"""Free samples, read: the creator's requests, the seller's queue, counts and caps.

Each page is a fixed number of statements whatever its length; products come without their
variants and images (use ``cover_thumb_path`` and ``price``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import raiseload

from affiliate.plans.samples.models import (
    SAMPLE_COUNTED_STATUSES,
    SAMPLE_STATES,
    SamplePolicy,
    SampleRequest,
    SampleStatus,
)
from affiliate.profiles.models import CreatorProfile
from core.accounts.models import User
from core.extensions import db
from core.web.pagination import Page
from shop.catalog.models import Product, Variant
from shop.orders.models import Order, OrderStatus

PER_PAGE = 20
_MAX_KEY = 2**63 - 1
#: A request's row carries its product, option and order, without their collections.
_ROW_LOADS = (
    raiseload(Product.variants),
    raiseload(Product.images),
    raiseload(Variant.product),
    raiseload(Order.lines),
)


def sample_counts(product_ids: Iterable[int]) -> dict[int, int]:
    """Requests waiting or approved per product (what counts against a cap), in one query."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(SampleRequest.product_id, func.count(SampleRequest.id))
        .where(
            SampleRequest.product_id.in_(ids),
            SampleRequest.status.in_(SAMPLE_COUNTED_STATUSES),
        )
        .group_by(SampleRequest.product_id)
    )
    counts = dict.fromkeys(ids, 0)
    counts.update({row[0]: row[1] for row in rows})
    return counts


def sample_cap(product_id: int) -> int | None:
    """The product's cap (``None``: unlimited)."""
    return db.session.scalar(
        select(SamplePolicy.max_requests).where(SamplePolicy.product_id == product_id)
    )


@dataclass(frozen=True)
class CreatorSampleRow:
    request: SampleRequest
    product: Product  # with its store
    variant: Variant
    order: Order | None

    @property
    def tracking(self) -> tuple[str, str] | None:
        """Carrier and tracking number once the sample has shipped."""
        order = self.order
        if order is None or not order.carrier or not order.tracking_number:
            return None
        return order.carrier, order.tracking_number

    @property
    def being_packed(self) -> bool:
        """The free order is paid for (by nobody) and waits for the seller to ship it."""
        return self.order is not None and self.order.status == OrderStatus.PAID.value

    @property
    def can_cancel(self) -> bool:
        return SAMPLE_STATES.can_move(self.request, SampleStatus.CANCELLED)


def _page_bounds(page: int, per_page: int) -> tuple[int, int]:
    page = max(1, page)
    return page, (page - 1) * per_page


def creator_requests(
    creator_id: int, page: int = 1, per_page: int = PER_PAGE
) -> Page[CreatorSampleRow]:
    """The creator's requests, newest first, with product, store, option and order (2 queries)."""
    page, offset = _page_bounds(page, per_page)
    total = db.session.scalar(
        select(func.count(SampleRequest.id)).where(SampleRequest.creator_id == creator_id)
    )
    rows = db.session.execute(
        select(SampleRequest, Product, Variant, Order)
        .join(Product, Product.id == SampleRequest.product_id)
        .join(Variant, Variant.id == SampleRequest.variant_id)
        .outerjoin(Order, Order.id == SampleRequest.order_id)
        .where(SampleRequest.creator_id == creator_id)
        .order_by(SampleRequest.id.desc())
        .limit(per_page)
        .offset(offset)
        .options(*_ROW_LOADS)
    ).all()
    items = [CreatorSampleRow(s, p, v, o) for s, p, v, o in rows]
    return Page(items=items, page=page, per_page=per_page, total=total or 0)


@dataclass(frozen=True)
class SellerSampleRow:
    request: SampleRequest
    creator_name: str
    handle: str | None
    followers: int | None
    avg_views: int | None
    product: Product
    variant: Variant
    order: Order | None

    @property
    def can_answer(self) -> bool:
        """The request waits for the seller to approve or decline it."""
        return SAMPLE_STATES.can_move(self.request, SampleStatus.APPROVED)


def seller_queue(
    store_id: int, status: str | None = None, page: int = 1, per_page: int = PER_PAGE
) -> Page[SellerSampleRow]:
    """The store's requests in ``status`` (all: ``None``), oldest waiting first, with the
    creator's handle and figures, product, option and order (2 queries)."""
    page, offset = _page_bounds(page, per_page)
    where = [SampleRequest.store_id == store_id]
    if status is not None:
        where.append(SampleRequest.status == status)
    total = db.session.scalar(select(func.count(SampleRequest.id)).where(*where))
    waiting_first = status == SampleStatus.REQUESTED.value
    order_by = SampleRequest.id.asc() if waiting_first else SampleRequest.id.desc()
    rows = db.session.execute(
        select(
            SampleRequest,
            User.display_name,
            CreatorProfile.handle,
            CreatorProfile.follower_count,
            CreatorProfile.avg_views,
            Product,
            Variant,
            Order,
        )
        .join(User, User.id == SampleRequest.creator_id)
        .outerjoin(CreatorProfile, CreatorProfile.user_id == SampleRequest.creator_id)
        .join(Product, Product.id == SampleRequest.product_id)
        .join(Variant, Variant.id == SampleRequest.variant_id)
        .outerjoin(Order, Order.id == SampleRequest.order_id)
        .where(*where)
        .order_by(order_by)
        .limit(per_page)
        .offset(offset)
        .options(*_ROW_LOADS)
    ).all()
    items = [SellerSampleRow(*row) for row in rows]
    return Page(items=items, page=page, per_page=per_page, total=total or 0)


def status_counts(store_id: int) -> dict[str, int]:
    """How many of the store's requests are in each status (one query)."""
    rows = db.session.execute(
        select(SampleRequest.status, func.count(SampleRequest.id))
        .where(SampleRequest.store_id == store_id)
        .group_by(SampleRequest.status)
    )
    return {row[0]: row[1] for row in rows}


@dataclass(frozen=True)
class CapRow:
    product: Product
    used: int
    cap: int | None  # None: unlimited


def store_caps(store_id: int, *, also: int | None = None) -> list[CapRow]:
    """The store's products that have sample requests or a cap (and ``also``, if it is one of
    the store's), by title, with the requests counted against the cap (one query)."""
    used = (
        select(SampleRequest.product_id, func.count(SampleRequest.id).label("used"))
        .where(
            SampleRequest.store_id == store_id,
            SampleRequest.status.in_(SAMPLE_COUNTED_STATUSES),
        )
        .group_by(SampleRequest.product_id)
        .subquery()
    )
    requested = select(SampleRequest.product_id).where(SampleRequest.store_id == store_id)
    shown = [SamplePolicy.product_id.is_not(None), Product.id.in_(requested)]
    if also is not None and 0 < also <= _MAX_KEY:
        shown.append(Product.id == also)
    rows = db.session.execute(
        select(Product, SamplePolicy.max_requests, func.coalesce(used.c.used, 0))
        .outerjoin(SamplePolicy, SamplePolicy.product_id == Product.id)
        .outerjoin(used, used.c.product_id == Product.id)
        .where(Product.store_id == store_id, or_(*shown))
        .order_by(Product.title, Product.id)
        .options(raiseload(Product.variants), raiseload(Product.images))
    ).all()
    return [CapRow(product, count, cap) for product, cap, count in rows]
