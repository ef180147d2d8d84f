"""What the case pages read: lists (finance's desk, a seller's, a creator's), one case with
its timeline, and what a creator may contest or claim. A fixed number of statements a page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select, union
from sqlalchemy.orm import aliased

from affiliate.creators.attribution.models import Commission, CommissionState
from affiliate.creators.content.models import Content, ContentProduct
from affiliate.disputes.models import Dispute, DisputeEvent, DisputeKind, DisputeState
from affiliate.plans.models import ShowcaseItem
from core.accounts.models import User
from core.extensions import db
from core.money import format_money
from core.web.pagination import Page
from shop.catalog.models import Product, Store
from shop.orders.models import OrderLine

PER_PAGE = 20

STATE_BADGES = {
    DisputeState.OPEN: "text-bg-warning",
    DisputeState.UPHELD: "text-bg-success",
    DisputeState.REJECTED: "text-bg-secondary",
    DisputeState.WITHDRAWN: "text-bg-light",
}


@dataclass(frozen=True)
class CaseRow:
    id: int
    kind: str
    state: str
    opened_at: datetime
    answer_by: datetime
    closed_at: datetime | None
    order_id: int
    amount: int
    currency: str
    product_title: str
    store_name: str
    creator_name: str
    reason: str

    @property
    def kind_label(self) -> str:
        return DisputeKind(self.kind).label

    @property
    def state_label(self) -> str:
        return DisputeState(self.state).label

    @property
    def badge(self) -> str:
        return STATE_BADGES[DisputeState(self.state)]

    @property
    def money(self) -> str:
        return format_money(self.amount, self.currency)

    def overdue(self, now: datetime) -> bool:
        return self.state == DisputeState.OPEN.value and self.answer_by <= now


def _page(
    conditions: Sequence[ColumnElement[bool]], page: int, *, oldest_deadline_first: bool
) -> Page[CaseRow]:
    total = db.session.scalar(select(func.count(Dispute.id)).where(*conditions)) or 0
    page = min(max(page, 1), max(1, -(-total // PER_PAGE)))
    order = (
        (Dispute.answer_by, Dispute.id)
        if oldest_deadline_first
        else (func.coalesce(Dispute.closed_at, Dispute.opened_at).desc(), Dispute.id.desc())
    )
    rows = db.session.execute(
        select(
            Dispute.id,
            Dispute.kind,
            Dispute.state,
            Dispute.opened_at,
            Dispute.answer_by,
            Dispute.closed_at,
            Dispute.order_id,
            Dispute.amount,
            Dispute.currency,
            OrderLine.title,
            Store.name,
            User.display_name,
            Dispute.reason,
        )
        .join(OrderLine, OrderLine.id == Dispute.order_line_id)
        .join(Store, Store.id == Dispute.store_id)
        .join(User, User.id == Dispute.creator_id)
        .where(*conditions)
        .order_by(*order)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    items = [CaseRow(*row) for row in rows]  # type: ignore[call-arg]
    return Page(items=items, page=page, per_page=PER_PAGE, total=total)


def finance_desk(kind: str | None, state: str | None, page: int) -> Page[CaseRow]:
    """Cases for finance: open ones by oldest deadline first (the default), or any state."""
    conditions: list[ColumnElement[bool]] = []
    if kind in {k.value for k in DisputeKind}:
        conditions.append(Dispute.kind == kind)
    if state in {s.value for s in DisputeState}:
        conditions.append(Dispute.state == state)
    open_only = state == DisputeState.OPEN.value
    return _page(conditions, page, oldest_deadline_first=open_only)


def desk_counts(now: datetime) -> dict[str, int]:
    """Open cases, of which overdue: for the desk's header and the menu badge."""
    row = db.session.execute(
        select(
            func.count(Dispute.id),
            func.coalesce(func.sum(case((Dispute.answer_by <= now, 1), else_=0)), 0),
        ).where(Dispute.state == DisputeState.OPEN.value)
    ).one()
    return {"open": int(row[0] or 0), "overdue": int(row[1] or 0)}


def seller_cases(store_id: int, page: int) -> Page[CaseRow]:
    return _page([Dispute.store_id == store_id], page, oldest_deadline_first=False)


def creator_cases(creator_id: int, page: int) -> Page[CaseRow]:
    return _page([Dispute.creator_id == creator_id], page, oldest_deadline_first=False)


@dataclass(frozen=True)
class CaseFacts:
    """Names around one case, for its page."""

    product_title: str
    store_name: str
    creator_name: str
    content_title: str | None
    commission_state: str | None
    commission_held: bool


def case_facts(dispute: Dispute) -> CaseFacts:
    line = db.session.get(OrderLine, dispute.order_line_id)
    store = db.session.get(Store, dispute.store_id)
    creator = db.session.get(User, dispute.creator_id)
    content = db.session.get(Content, dispute.content_id) if dispute.content_id else None
    commission = (
        db.session.get(Commission, dispute.commission_id) if dispute.commission_id else None
    )
    return CaseFacts(
        product_title=line.title if line else "",
        store_name=store.name if store else "",
        creator_name=creator.display_name if creator else "",
        content_title=content.title if content else None,
        commission_state=CommissionState(commission.state).label if commission else None,
        commission_held=bool(commission and commission.held),
    )


@dataclass(frozen=True)
class TimelineItem:
    event: DisputeEvent
    author_name: str | None


def timeline(dispute: Dispute) -> list[TimelineItem]:
    author_ids = {e.author_id for e in dispute.events if e.author_id is not None}
    names: dict[int, str] = {}
    if author_ids:
        query = select(User.id, User.display_name).where(User.id.in_(author_ids))
        names = {row[0]: row[1] for row in db.session.execute(query)}
    return [
        TimelineItem(e, names.get(e.author_id) if e.author_id else None) for e in dispute.events
    ]


@dataclass(frozen=True)
class Contestable:
    commission_id: int
    order_id: int
    product_title: str
    reversed_amount: int
    currency: str
    state: str
    reversed_at: datetime | None

    @property
    def money(self) -> str:
        return format_money(self.reversed_amount, self.currency)

    @property
    def state_label(self) -> str:
        return CommissionState(self.state).label


def contestable_reversals(creator_id: int, limit: int = 20) -> list[Contestable]:
    """The creator's reversed or clawed-back commissions with no case open about them."""
    open_case = (
        select(Dispute.id)
        .where(
            Dispute.order_line_id == Commission.order_line_id,
            Dispute.state == DisputeState.OPEN.value,
        )
        .exists()
    )
    rows = db.session.execute(
        select(
            Commission.id,
            Commission.order_id,
            OrderLine.title,
            Commission.reversed_amount,
            Commission.currency,
            Commission.state,
            Commission.reversed_at,
        )
        .join(OrderLine, OrderLine.id == Commission.order_line_id)
        .where(
            Commission.creator_id == creator_id,
            Commission.state.in_(
                [CommissionState.REVERSED.value, CommissionState.CLAWED_BACK.value]
            ),
            Commission.reversed_amount > 0,
            ~open_case,
        )
        .order_by(Commission.reversed_at.desc(), Commission.id.desc())
        .limit(limit)
    ).all()
    return [Contestable(*row) for row in rows]


def claim_choices(creator_id: int) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Her content, and the products she promotes (showcase and content): the claim's menus."""
    contents = db.session.execute(
        select(Content.id, Content.title)
        .where(Content.creator_id == creator_id)
        .order_by(Content.id.desc())
        .limit(200)
    ).all()
    featured = union(
        select(ShowcaseItem.product_id.label("product_id")).where(
            ShowcaseItem.creator_id == creator_id
        ),
        select(ContentProduct.product_id.label("product_id"))
        .join(Content, Content.id == ContentProduct.content_id)
        .where(Content.creator_id == creator_id),
    ).subquery()
    product = aliased(Product)
    products = db.session.execute(
        select(product.id, product.title)
        .join(featured, featured.c.product_id == product.id)
        .order_by(product.title)
        .limit(300)
    ).all()
    return [(i, t) for i, t in contents], [(i, t) for i, t in products]
