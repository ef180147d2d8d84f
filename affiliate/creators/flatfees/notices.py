"""What each flat-fee step leaves for others: an audit record and a notification to the other
side. Rows join the caller's transaction, so a notice exists exactly when its step committed."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from affiliate.creators.flatfees.models import (
    FlatFeeHold,
    FlatFeeOffer,
    FlatFeeSubmission,
    OfferStatus,
)
from affiliate.plans.models import Plan
from core.audit import services as audit_log
from core.extensions import db
from core.money import format_money
from core.notifications.services import notify, notify_many

CREATOR_PAGE = "/creator/flat-fees"
SELLER_REVIEW = "/seller/flat-fees"

KIND_WORDS = {"video": "video", "live": "live"}


def describe(offer: FlatFeeOffer) -> str:
    """``$50.00 per approved video or live, up to 3``."""
    return (
        f"{format_money(offer.amount, offer.currency)} per approved video or live, "
        f"up to {offer.max_pieces}"
    )


def audit_offer(offer: FlatFeeOffer, action: str, actor_id: int | None, **fields: str) -> None:
    audit_log.record(
        actor_id=actor_id,
        action=f"flat_fee.{action}",
        subject_type="flat_fee_offer",
        subject_id=offer.id,
        **fields,
    )


def audit_hold(hold: FlatFeeHold, action: str, actor_id: int | None, **fields: str) -> None:
    audit_log.record(
        actor_id=actor_id,
        action=f"flat_fee.hold_{action}",
        subject_type="flat_fee_hold",
        subject_id=hold.id,
        **fields,
    )


def audit_submission(
    submission: FlatFeeSubmission, action: str, actor_id: int | None, **fields: str | None
) -> None:
    audit_log.record(
        actor_id=actor_id,
        action=f"flat_fee.{action}",
        subject_type="flat_fee_submission",
        subject_id=submission.id,
        **fields,
    )


def offer_made(offer: FlatFeeOffer, plan: Plan, creator_ids: Iterable[int]) -> None:
    notify_many(
        creator_ids,
        f"“{plan.name}” now pays a flat fee: {describe(offer)}. Submit your content for it.",
        kind="flat_fee.offered",
        link=CREATOR_PAGE,
    )


def offer_closed(offer: FlatFeeOffer, to: OfferStatus) -> None:
    from_holds = [hold.creator_id for hold in _holds_of(offer)]
    why = "was withdrawn" if to is OfferStatus.WITHDRAWN else "ended with its plan"
    notify_many(
        from_holds,
        f"A flat fee ({describe(offer)}) {why}: pieces you submitted are still reviewed.",
        kind="flat_fee.closed",
        link=CREATOR_PAGE,
    )


def _holds_of(offer: FlatFeeOffer) -> list[FlatFeeHold]:
    return list(db.session.scalars(select(FlatFeeHold).where(FlatFeeHold.offer_id == offer.id)))


def submitted(submission: FlatFeeSubmission, seller_id: int, title: str) -> None:
    notify(
        seller_id,
        f"A creator submitted “{title}” for a flat fee of "
        f"{format_money(submission.amount, submission.currency)}: review it by "
        f"{submission.review_due_at:%d %b %Y}.",
        kind="flat_fee.submitted",
        link=SELLER_REVIEW,
    )


def decided(submission: FlatFeeSubmission, title: str) -> None:
    fee = format_money(submission.amount, submission.currency)
    if submission.status == "declined":
        message = f"“{title}” was declined for the flat fee: {submission.reason}"
    elif submission.auto_approved:
        message = f"“{title}” was approved (review deadline passed): {fee} is pending for you."
    else:
        message = f"“{title}” was approved: {fee} is pending for you."
    notify(submission.creator_id, message, kind=f"flat_fee.{submission.status}", link=CREATOR_PAGE)
