"""Offers and holds: the seller offers a flat fee on a targeted plan; each creator who accepts
(or has accepted when the offer is made) has the fee for the offered pieces held from the
seller's balance; withdrawing the offer or ending the plan gives the unused pieces back.

Plain functions; they flush, the caller commits. Every hold locks the seller's balance first
(``money.lock_seller_balance``), then reads what it needs, so an acceptance and a new offer that
race are serialized there and neither misses the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from affiliate.creators.flatfees import money, notices
from affiliate.creators.flatfees.exceptions import InvalidOffer, NotFound, OfferNotAllowed
from affiliate.creators.flatfees.models import (
    HOLD_STATES,
    MAX_AMOUNT,
    MAX_PIECES,
    MAX_REVIEW_DAYS,
    OFFER_STATES,
    FlatFeeHold,
    FlatFeeOffer,
    FlatFeeSubmission,
    HoldStatus,
    OfferStatus,
)
from affiliate.plans.models import MembershipStatus, Plan, PlanKind, PlanMembership
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Store


@dataclass(frozen=True)
class OfferInput:
    amount: int  # minor units of the store's currency
    max_pieces: int
    review_days: int


def _check_input(data: OfferInput) -> None:
    if not 0 < data.amount <= MAX_AMOUNT:
        raise InvalidOffer("Enter an amount above zero for each piece.", field="amount")
    if not 1 <= data.max_pieces <= MAX_PIECES:
        raise InvalidOffer(
            f"Offer between 1 and {MAX_PIECES} pieces per creator.", field="max_pieces"
        )
    if not 1 <= data.review_days <= MAX_REVIEW_DAYS:
        raise InvalidOffer(
            f"Give yourself between 1 and {MAX_REVIEW_DAYS} days to review.", field="review_days"
        )


def active_offer(plan_id: int) -> FlatFeeOffer | None:
    return db.session.scalar(
        select(FlatFeeOffer).where(
            FlatFeeOffer.plan_id == plan_id, FlatFeeOffer.status == OfferStatus.ACTIVE.value
        )
    )


def _store(plan: Plan) -> Store:
    store = db.session.get(Store, plan.store_id)
    assert store is not None  # a plan's store is RESTRICTed
    return store


def _accepted_creators(plan_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(PlanMembership.creator_id)
            .where(
                PlanMembership.plan_id == plan_id,
                PlanMembership.status == MembershipStatus.ACCEPTED.value,
            )
            .order_by(PlanMembership.creator_id)
        )
    )


def set_offer(
    plan: Plan, data: OfferInput, *, actor_id: int | None = None, now: datetime | None = None
) -> FlatFeeOffer:
    """Offer a flat fee on a targeted plan that runs, holding the fee of every creator who has
    already accepted (all of them or none: refused if the seller's balance is short)."""
    _check_input(data)
    if plan.kind != PlanKind.TARGETED.value:
        raise OfferNotAllowed("Only targeted plans can offer a flat fee per content.")
    if plan.has_ended:
        raise OfferNotAllowed(f"“{plan.name}” has ended; it takes no new offer.")
    store = _store(plan)
    available = money.lock_seller_balance(store.owner_id, store.currency)
    if active_offer(plan.id) is not None:
        raise OfferNotAllowed("This plan already has a flat fee; withdraw it to offer another.")
    creators = _accepted_creators(plan.id)
    money.check_covers(
        store.owner_id,
        store.currency,
        len(creators) * data.max_pieces * data.amount,
        locked_balance=available,
    )
    offer = FlatFeeOffer(
        plan_id=plan.id,
        store_id=store.id,
        seller_id=store.owner_id,
        amount=data.amount,
        currency=store.currency,
        max_pieces=data.max_pieces,
        review_days=data.review_days,
        created_at=now or utcnow(),
    )
    db.session.add(offer)
    db.session.flush()
    for creator_id in creators:
        _hold(offer, creator_id, now)
    notices.audit_offer(offer, "offered", actor_id, reason=notices.describe(offer))
    notices.offer_made(offer, plan, creators)
    db.session.flush()
    return offer


def _hold(offer: FlatFeeOffer, creator_id: int, now: datetime | None) -> FlatFeeHold:
    hold = FlatFeeHold(
        offer_id=offer.id, creator_id=creator_id, pieces=offer.max_pieces, held_at=now or utcnow()
    )
    db.session.add(hold)
    db.session.flush()
    money.post_hold(hold, offer)
    notices.audit_hold(hold, "held", None, to_state=HoldStatus.HELD.value)
    return hold


def hold_on_acceptance(membership: PlanMembership, **_: Any) -> FlatFeeHold | None:
    """Hold the fee of the plan's offer for a creator who accepted (the plans' signal); raises
    ``SellerBalanceShort`` (a ``PlanError``), which refuses the acceptance, when it cannot."""
    plan = membership.plan
    if plan.kind != PlanKind.TARGETED.value:
        return None
    store = _store(plan)
    available = money.lock_seller_balance(store.owner_id, store.currency)
    offer = active_offer(plan.id)
    if offer is None:
        return None
    existing = db.session.scalar(
        select(FlatFeeHold).where(
            FlatFeeHold.offer_id == offer.id, FlatFeeHold.creator_id == membership.creator_id
        )
    )
    if existing is not None:
        return existing
    money.check_covers(
        offer.seller_id,
        offer.currency,
        offer.max_pieces * offer.amount,
        locked_balance=available,
    )
    return _hold(offer, membership.creator_id, None)


def used_pieces(hold_id: int) -> int:
    """Pieces submitted under the hold, whatever their answer."""
    return (
        db.session.scalar(
            select(func.count(FlatFeeSubmission.id)).where(FlatFeeSubmission.hold_id == hold_id)
        )
        or 0
    )


def lock_hold(hold_id: int) -> FlatFeeHold:
    hold = db.session.scalar(
        select(FlatFeeHold)
        .where(FlatFeeHold.id == hold_id)
        .with_for_update(of=FlatFeeHold)
        .execution_options(populate_existing=True)
    )
    if hold is None:
        raise NotFound("That flat fee does not exist.")
    return hold


def close_hold(hold_id: int, *, now: datetime | None = None, actor_id: int | None = None) -> int:
    """Close a hold: no more submissions; its unused pieces go back to the seller (one entry).
    Pieces waiting for review stay held until answered. Returns the pieces given back."""
    hold = lock_hold(hold_id)
    if not HOLD_STATES.can_move(hold, HoldStatus.CLOSED):
        return 0
    unused = hold.pieces - used_pieces(hold.id)
    HOLD_STATES.move(hold, HoldStatus.CLOSED)
    hold.closed_at = now or utcnow()
    hold.returned_pieces = unused
    if unused > 0:
        money.post_unused(hold, hold.offer, unused)
    notices.audit_hold(
        hold, "closed", actor_id, to_state=HoldStatus.CLOSED.value, reason=f"{unused} returned"
    )
    db.session.flush()
    return unused


def _close_offer(
    offer: FlatFeeOffer, to: OfferStatus, now: datetime | None, actor_id: int | None
) -> int:
    OFFER_STATES.move(offer, to)
    offer.closed_at = now or utcnow()
    returned = 0
    holds = db.session.scalars(
        select(FlatFeeHold.id)
        .where(FlatFeeHold.offer_id == offer.id, FlatFeeHold.status == HoldStatus.HELD.value)
        .order_by(FlatFeeHold.id)
    ).all()
    for hold_id in holds:
        returned += close_hold(hold_id, now=now, actor_id=actor_id)
    notices.audit_offer(offer, to.value, actor_id, reason=f"{returned} piece(s) returned")
    notices.offer_closed(offer, to)
    db.session.flush()
    return returned


def _lock_offer(offer_id: int) -> FlatFeeOffer:
    offer = db.session.scalar(
        select(FlatFeeOffer)
        .where(FlatFeeOffer.id == offer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if offer is None:
        raise NotFound("That flat fee does not exist.")
    return offer


def withdraw_offer(
    offer_id: int, *, actor_id: int | None = None, now: datetime | None = None
) -> int:
    """The seller takes the offer back; returns the unused pieces given back."""
    offer = _lock_offer(offer_id)
    if not offer.is_active:
        raise OfferNotAllowed("This flat fee was already closed.")
    return _close_offer(offer, OfferStatus.WITHDRAWN, now, actor_id)


def end_with_plan(plan: Plan, **_: Any) -> int:
    """The plan ended (the plans' signal, or the sweep for a plan past its end date): close
    its offer and give the unused pieces back."""
    offer = active_offer(plan.id)
    if offer is None:
        return 0
    offer = _lock_offer(offer.id)
    if not offer.is_active:
        return 0
    return _close_offer(offer, OfferStatus.ENDED, None, None)


def offers_past_their_plan(now: datetime) -> list[int]:
    """Active offers whose plan has ended (by status or by its end date)."""
    query = (
        select(FlatFeeOffer.id)
        .join(Plan, Plan.id == FlatFeeOffer.plan_id)
        .where(
            FlatFeeOffer.status == OfferStatus.ACTIVE.value,
            (Plan.status == "ended") | (Plan.ends_at.is_not(None) & (Plan.ends_at <= now)),
        )
        .order_by(FlatFeeOffer.id)
    )
    return list(db.session.scalars(query))


def end_offer(offer_id: int, now: datetime) -> int:
    offer = _lock_offer(offer_id)
    if not offer.is_active:
        return 0
    return _close_offer(offer, OfferStatus.ENDED, now, None)
