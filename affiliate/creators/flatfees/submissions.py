"""Pieces of content submitted for a flat fee, and the seller's answer.

A creator submits a published video or live of theirs that carries one of the plan's products,
while their hold is open and has a piece left; the seller approves (the fee goes from the hold
to the creator's pending balance) or declines with a reason (the piece goes back to the
seller). A submission not answered by its review deadline is approved by the sweep. An approved
fee settles into the creator's available balance after ``clearing_days`` (the commissions'
return window by default), so that it follows the same pending → available path as a commission.

Every step locks its row first and moves through ``SUBMISSION_STATES``; a step repeated finds
the state already moved and writes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from affiliate.creators.content.models import Content, ContentProduct, ContentStatus
from affiliate.creators.flatfees import money, notices
from affiliate.creators.flatfees.exceptions import InvalidDecision, NotFound, SubmissionRefused
from affiliate.creators.flatfees.models import (
    SUBMISSION_STATES,
    FlatFeeSubmission,
    HoldStatus,
    SubmissionStatus,
)
from affiliate.creators.flatfees.services import lock_hold, used_pieces
from affiliate.plans.models import PlanProduct
from core.extensions import db
from core.types import utcnow

MAX_REASON = 500
MAX_KEY = 2**31  # ids are 32-bit integers; a larger one names nothing


def _plan_product_ids(plan_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(PlanProduct.product_id).where(
                PlanProduct.plan_id == plan_id, PlanProduct.removed_at.is_(None)
            )
        )
    )


def _check_content(content: Content | None, creator_id: int, plan_id: int) -> Content:
    if content is None or content.creator_id != creator_id:
        raise NotFound("That video or live does not exist.")
    if content.status != ContentStatus.PUBLISHED.value:
        raise SubmissionRefused("That content was removed; submit a published video or live.")
    attached = set(
        db.session.scalars(
            select(ContentProduct.product_id).where(ContentProduct.content_id == content.id)
        )
    )
    if not attached & _plan_product_ids(plan_id):
        raise SubmissionRefused(
            f"“{content.title}” carries none of this plan's products; attach one first."
        )
    return content


def submit(
    hold_id: int, creator_id: int, content_id: int, *, now: datetime | None = None
) -> FlatFeeSubmission:
    """Put a piece of content forward for the fee of the creator's hold."""
    now = now or utcnow()
    hold = lock_hold(hold_id)
    if hold.creator_id != creator_id:
        raise NotFound("That flat fee does not exist.")
    if hold.status != HoldStatus.HELD.value:
        raise SubmissionRefused("This flat fee has closed; it takes no more content.")
    offer = hold.offer
    found = db.session.get(Content, content_id) if 0 < content_id < MAX_KEY else None
    content = _check_content(found, creator_id, offer.plan_id)
    already = db.session.scalar(
        select(FlatFeeSubmission.id).where(
            FlatFeeSubmission.offer_id == offer.id, FlatFeeSubmission.content_id == content.id
        )
    )
    if already is not None:
        raise SubmissionRefused(f"“{content.title}” was already submitted for this fee.")
    if used_pieces(hold.id) >= hold.pieces:
        raise SubmissionRefused(f"You have submitted all {hold.pieces} piece(s) this fee pays for.")
    submission = FlatFeeSubmission(
        hold_id=hold.id,
        offer_id=offer.id,
        creator_id=creator_id,
        content_id=content.id,
        amount=offer.amount,
        currency=offer.currency,
        submitted_at=now,
        review_due_at=now + timedelta(days=offer.review_days),
    )
    db.session.add(submission)
    db.session.flush()
    notices.audit_submission(
        submission, "submitted", creator_id, to_state=SubmissionStatus.SUBMITTED.value
    )
    notices.submitted(submission, offer.seller_id, content.title)
    return submission


def lock_submission(submission_id: int) -> FlatFeeSubmission:
    submission = db.session.scalar(
        select(FlatFeeSubmission)
        .where(FlatFeeSubmission.id == submission_id)
        .with_for_update(of=FlatFeeSubmission)
        .execution_options(populate_existing=True)
    )
    if submission is None:
        raise NotFound("That submission does not exist.")
    return submission


def _title(submission: FlatFeeSubmission) -> str:
    return db.session.scalar(select(Content.title).where(Content.id == submission.content_id)) or (
        f"content #{submission.content_id}"
    )


def approve(
    submission_id: int,
    *,
    actor_id: int | None,
    clearing_days: int,
    now: datetime | None = None,
    auto: bool = False,
) -> FlatFeeSubmission:
    """Pay the piece's fee from the hold to the creator's pending balance (one entry)."""
    now = now or utcnow()
    submission = lock_submission(submission_id)
    if auto and (
        submission.status != SubmissionStatus.SUBMITTED.value or submission.review_due_at > now
    ):
        return submission  # answered meanwhile, or not yet due: the sweep leaves it
    SUBMISSION_STATES.move(submission, SubmissionStatus.APPROVED, label="This submission")
    submission.decided_at = now
    submission.decided_by = actor_id
    submission.auto_approved = auto
    submission.settles_at = now + timedelta(days=clearing_days)
    money.post_paid(submission, submission.hold.offer)
    notices.audit_submission(
        submission,
        "auto_approved" if auto else "approved",
        actor_id,
        from_state=SubmissionStatus.SUBMITTED.value,
        to_state=SubmissionStatus.APPROVED.value,
        reason="review deadline passed" if auto else None,
    )
    notices.decided(submission, _title(submission))
    db.session.flush()
    return submission


def clean_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if len(text) < 3:
        raise InvalidDecision("Say why you decline it, so the creator can do better.")
    if len(text) > MAX_REASON:
        raise InvalidDecision(f"Keep the reason under {MAX_REASON} characters.")
    return text


def decline(
    submission_id: int, reason: str | None, *, actor_id: int | None, now: datetime | None = None
) -> FlatFeeSubmission:
    """Decline with a reason: the piece's fee goes back to the seller's balance (one entry)."""
    text = clean_reason(reason)
    submission = lock_submission(submission_id)
    SUBMISSION_STATES.move(submission, SubmissionStatus.DECLINED, label="This submission")
    submission.decided_at = now or utcnow()
    submission.decided_by = actor_id
    submission.reason = text
    money.post_declined(submission, submission.hold.offer)
    notices.audit_submission(
        submission,
        "declined",
        actor_id,
        from_state=SubmissionStatus.SUBMITTED.value,
        to_state=SubmissionStatus.DECLINED.value,
        reason=text,
    )
    notices.decided(submission, _title(submission))
    db.session.flush()
    return submission


def settle(submission_id: int, *, now: datetime | None = None) -> bool:
    """Move an approved fee whose clearing period passed to the creator's available balance."""
    now = now or utcnow()
    submission = lock_submission(submission_id)
    if not SUBMISSION_STATES.can_move(submission, SubmissionStatus.SETTLED):
        return False
    if submission.settles_at is None or submission.settles_at > now:
        return False
    SUBMISSION_STATES.move(submission, SubmissionStatus.SETTLED)
    submission.settled_at = now
    money.post_settled(submission)
    notices.audit_submission(
        submission,
        "settled",
        None,
        from_state=SubmissionStatus.APPROVED.value,
        to_state=SubmissionStatus.SETTLED.value,
    )
    db.session.flush()
    return True


def due_for_review(now: datetime, limit: int = 200) -> list[int]:
    return list(
        db.session.scalars(
            select(FlatFeeSubmission.id)
            .where(
                FlatFeeSubmission.status == SubmissionStatus.SUBMITTED.value,
                FlatFeeSubmission.review_due_at <= now,
            )
            .order_by(FlatFeeSubmission.id)
            .limit(limit)
        )
    )


def due_to_settle(now: datetime, limit: int = 200) -> list[int]:
    return list(
        db.session.scalars(
            select(FlatFeeSubmission.id)
            .where(
                FlatFeeSubmission.status == SubmissionStatus.APPROVED.value,
                FlatFeeSubmission.settles_at <= now,
            )
            .order_by(FlatFeeSubmission.id)
            .limit(limit)
        )
    )
