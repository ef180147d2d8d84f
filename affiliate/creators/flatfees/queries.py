"""What the flat-fee pages read: an offer's totals, the seller's review list, a creator's holds,
submissions and the content they may still submit, and the offers shown on invitations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, case, func, select

from affiliate.creators.content.models import Content, ContentProduct, ContentStatus
from affiliate.creators.flatfees.models import (
    FlatFeeHold,
    FlatFeeOffer,
    FlatFeeSubmission,
    HoldStatus,
    OfferStatus,
    SubmissionStatus,
)
from affiliate.creators.flatfees.notices import describe
from affiliate.plans.models import Plan, PlanProduct
from core.accounts.models import User
from core.extensions import db
from core.web.pagination import Page


@dataclass(frozen=True)
class Totals:
    currency: str
    held: int = 0  # ever held
    paid: int = 0  # approved (pending or settled for the creator)
    returned: int = 0  # declined pieces and unused pieces given back
    waiting: int = 0  # submissions waiting for the seller

    @property
    def still_held(self) -> int:
        return self.held - self.paid - self.returned


def totals(offer_ids: Sequence[int], currency: str) -> Totals:
    """Held, paid and returned over ``offer_ids`` (two grouped queries)."""
    if not offer_ids:
        return Totals(currency)
    held, unused = db.session.execute(
        select(
            func.coalesce(func.sum(FlatFeeHold.pieces * FlatFeeOffer.amount), 0),
            func.coalesce(func.sum(FlatFeeHold.returned_pieces * FlatFeeOffer.amount), 0),
        )
        .join(FlatFeeOffer, FlatFeeOffer.id == FlatFeeHold.offer_id)
        .where(FlatFeeHold.offer_id.in_(offer_ids))
    ).one()

    def amount_when(*states: SubmissionStatus) -> ColumnElement[int]:
        matched = FlatFeeSubmission.status.in_([s.value for s in states])
        return func.coalesce(func.sum(case((matched, FlatFeeSubmission.amount), else_=0)), 0)

    paid, declined, waiting = db.session.execute(
        select(
            amount_when(SubmissionStatus.APPROVED, SubmissionStatus.SETTLED),
            amount_when(SubmissionStatus.DECLINED),
            func.count(case((FlatFeeSubmission.status == SubmissionStatus.SUBMITTED.value, 1))),
        ).where(FlatFeeSubmission.offer_id.in_(offer_ids))
    ).one()
    return Totals(currency, int(held), int(paid), int(unused) + int(declined), int(waiting))


@dataclass(frozen=True)
class OfferPanel:
    offer: FlatFeeOffer | None  # the active one
    past: list[FlatFeeOffer]
    totals: Totals
    creators_held: int

    @property
    def described(self) -> str:
        return describe(self.offer) if self.offer else ""


def offer_panel(plan: Plan, currency: str) -> OfferPanel:
    offers = list(
        db.session.scalars(
            select(FlatFeeOffer).where(FlatFeeOffer.plan_id == plan.id).order_by(FlatFeeOffer.id)
        )
    )
    active = next((o for o in offers if o.status == OfferStatus.ACTIVE.value), None)
    creators = 0
    if active is not None:
        creators = (
            db.session.scalar(
                select(func.count(FlatFeeHold.id)).where(FlatFeeHold.offer_id == active.id)
            )
            or 0
        )
    return OfferPanel(
        offer=active,
        past=[o for o in offers if o is not active],
        totals=totals([o.id for o in offers], currency),
        creators_held=creators,
    )


@dataclass(frozen=True)
class SubmissionRow:
    submission: FlatFeeSubmission
    title: str
    kind: str
    creator_name: str
    plan_name: str
    plan_id: int


def _rows(query: Select[Any], page: int, per_page: int) -> Page[SubmissionRow]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    found = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    rows = [SubmissionRow(*cast("tuple[Any, ...]", row)) for row in found]
    return Page(rows, page, per_page, total or 0)


def _listing() -> Any:
    return (
        select(
            FlatFeeSubmission, Content.title, Content.kind, User.display_name, Plan.name, Plan.id
        )
        .join(Content, Content.id == FlatFeeSubmission.content_id)
        .join(User, User.id == FlatFeeSubmission.creator_id)
        .join(FlatFeeOffer, FlatFeeOffer.id == FlatFeeSubmission.offer_id)
        .join(Plan, Plan.id == FlatFeeOffer.plan_id)
    )


def review_list(store_id: int, *, page: int = 1, per_page: int = 20) -> Page[SubmissionRow]:
    """The store's submissions: those waiting first (nearest deadline first), then the rest."""
    waiting = FlatFeeSubmission.status == SubmissionStatus.SUBMITTED.value
    query = (
        _listing()
        .where(FlatFeeOffer.store_id == store_id)
        .order_by(
            case((waiting, 0), else_=1),
            case((waiting, FlatFeeSubmission.review_due_at), else_=None),
            FlatFeeSubmission.id.desc(),
        )
    )
    return _rows(query, page, per_page)


def store_offer_ids(store_id: int) -> list[int]:
    return list(
        db.session.scalars(select(FlatFeeOffer.id).where(FlatFeeOffer.store_id == store_id))
    )


def creator_submissions(
    creator_id: int, *, page: int = 1, per_page: int = 20
) -> Page[SubmissionRow]:
    query = (
        _listing()
        .where(FlatFeeSubmission.creator_id == creator_id)
        .order_by(FlatFeeSubmission.id.desc())
    )
    return _rows(query, page, per_page)


@dataclass
class HoldRow:
    hold: FlatFeeHold
    plan: Plan
    used: int
    eligible: list[Content] = field(default_factory=list)

    @property
    def left(self) -> int:
        return max(self.hold.pieces - self.used, 0) if self.hold.status == "held" else 0

    @property
    def described(self) -> str:
        return describe(self.hold.offer)


def creator_holds(creator_id: int) -> list[HoldRow]:
    """The creator's flat fees (open first), each with the content they may still submit."""
    holds = db.session.execute(
        select(FlatFeeHold, Plan)
        .join(FlatFeeOffer, FlatFeeOffer.id == FlatFeeHold.offer_id)
        .join(Plan, Plan.id == FlatFeeOffer.plan_id)
        .where(FlatFeeHold.creator_id == creator_id)
        .order_by(case((FlatFeeHold.status == HoldStatus.HELD.value, 0), else_=1), FlatFeeHold.id)
    ).all()
    if not holds:
        return []
    used = dict(
        db.session.execute(
            select(FlatFeeSubmission.hold_id, func.count(FlatFeeSubmission.id))
            .where(FlatFeeSubmission.hold_id.in_([h.id for h, _ in holds]))
            .group_by(FlatFeeSubmission.hold_id)
        ).all()
    )
    rows = [HoldRow(hold, plan, int(used.get(hold.id, 0))) for hold, plan in holds]
    for row in rows:
        if row.left:
            row.eligible = eligible_content(creator_id, row.plan.id, row.hold.offer_id)
    return rows


def eligible_content(creator_id: int, plan_id: int, offer_id: int) -> list[Content]:
    """The creator's published content carrying a product of the plan, not yet submitted."""
    plan_products = select(PlanProduct.product_id).where(
        PlanProduct.plan_id == plan_id, PlanProduct.removed_at.is_(None)
    )
    carrying = select(ContentProduct.content_id).where(ContentProduct.product_id.in_(plan_products))
    submitted = select(FlatFeeSubmission.content_id).where(FlatFeeSubmission.offer_id == offer_id)
    return list(
        db.session.scalars(
            select(Content)
            .where(
                Content.creator_id == creator_id,
                Content.status == ContentStatus.PUBLISHED.value,
                Content.id.in_(carrying),
                Content.id.not_in(submitted),
            )
            .order_by(Content.id.desc())
            .limit(50)
        )
    )


def offers_for_plans(plan_ids: Iterable[int]) -> dict[int, str]:
    """``plan_id → "$50.00 per approved video or live, up to 3"`` for plans with an offer."""
    ids = list(set(plan_ids))
    if not ids:
        return {}
    offers = db.session.scalars(
        select(FlatFeeOffer).where(
            FlatFeeOffer.plan_id.in_(ids), FlatFeeOffer.status == OfferStatus.ACTIVE.value
        )
    )
    return {offer.plan_id: describe(offer) for offer in offers}


def is_overdue(submission: FlatFeeSubmission, now: datetime) -> bool:
    return submission.status == SubmissionStatus.SUBMITTED.value and submission.review_due_at <= now
