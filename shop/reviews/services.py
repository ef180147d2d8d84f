"""The reviews' use cases: write, edit, answer, mark helpful, hide, show again. Each flushes;
the caller commits (and writes the photos' files around the commit, ``shop.catalog.images``).

Every change to what a review counts for (a new review, new stars, hiding) moves its product's
``rating_sum`` / ``rating_count`` / ``rating_avg_centi`` in one ``UPDATE`` of relative values,
in the same transaction: no read-modify-write, so two reviews at once both count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from core.accounts.models import User
from core.audit.services import record
from core.extensions import db
from core.notifications.services import notify
from core.types import utcnow
from shop.catalog.images import ImageInput
from shop.catalog.models import Product, Store
from shop.orders.models import Order, OrderLine
from shop.reviews import rules
from shop.reviews.exceptions import (
    AlreadyAnswered,
    AlreadyHidden,
    AlreadyMarkedHelpful,
    AlreadyReviewed,
    EditWindowClosed,
    InvalidReview,
    NotHidden,
    NotReviewable,
)
from shop.reviews.models import Review, ReviewHelpful, ReviewPhoto

SELLER_REVIEWS_LINK = "/seller/reviews"


def _product_link(product_id: int) -> str:
    return f"/p/{product_id}#reviews"


def _clean_rating(rating: object) -> int:
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidReview("Choose from 1 to 5 stars.", field="rating")
    return rating


def _clean_body(body: str | None) -> str:
    text = (body or "").strip()
    if len(text) > rules.MAX_BODY:
        raise InvalidReview(
            f"A review has at most {rules.MAX_BODY} characters; this one has {len(text)}.",
            field="body",
        )
    return text


def _move_rating(product_id: int, sum_delta: int, count_delta: int) -> None:
    """Add to the product's visible stars, in one statement (the average follows)."""
    if not sum_delta and not count_delta:
        return
    new_sum = Product.rating_sum + sum_delta
    new_count = Product.rating_count + count_delta
    db.session.execute(
        update(Product)
        .where(Product.id == product_id)
        .values(
            rating_sum=new_sum,
            rating_count=new_count,
            # Hundredths of a star, half-up, in integers: (200·sum + count) // (2·count).
            rating_avg_centi=case(
                (new_count <= 0, 0), else_=(200 * new_sum + new_count) // (2 * new_count)
            ),
            updated_at=Product.updated_at,
        )
        .execution_options(synchronize_session=False)
    )


def _add_photos(review: Review, photos: Sequence[ImageInput], *, existing: int = 0) -> None:
    if existing + len(photos) > rules.MAX_PHOTOS:
        raise InvalidReview(f"A review has at most {rules.MAX_PHOTOS} photos.", field="photos")
    for index, image in enumerate(photos):
        review.photos.append(
            ReviewPhoto(
                position=existing + index,
                path=image.path,
                thumb_path=image.thumb_path,
                width=image.width,
                height=image.height,
            )
        )
    review.photo_count = existing + len(photos)


def write_review(
    order: Order,
    line: OrderLine,
    buyer: User,
    *,
    rating: object,
    body: str | None,
    photos: Sequence[ImageInput] = (),
    now: datetime | None = None,
) -> Review:
    """The buyer's one review of a delivered line of their order, within the window."""
    now = now or utcnow()
    if order.buyer_id != buyer.id or line.order_id != order.id:
        raise NotReviewable("That is not one of your order's items.")
    eligibility = rules.line_eligibility(order, line, now)
    if not eligibility.allowed:
        raise NotReviewable(eligibility.reason)
    if db.session.scalar(select(Review.id).where(Review.order_line_id == line.id)):
        raise AlreadyReviewed("You have already reviewed this item; you can edit your review.")
    review = Review(
        order_line_id=line.id,
        product_id=line.product_id,
        store_id=order.store_id,
        buyer_id=buyer.id,
        rating=_clean_rating(rating),
        body=_clean_body(body),
        created_at=now,
        helpful_count=0,
        photo_count=0,
        photos=[],
    )
    _add_photos(review, photos)
    db.session.add(review)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise AlreadyReviewed(
            "You have already reviewed this item; you can edit your review."
        ) from None
    _move_rating(line.product_id, review.rating, 1)
    owner_id = db.session.scalar(select(Store.owner_id).where(Store.id == order.store_id))
    if owner_id is not None:
        notify(
            owner_id,
            f"New {review.rating}-star review of {line.title}.",
            kind="review.posted",
            link=SELLER_REVIEWS_LINK,
        )
    return review


def can_edit(review: Review, user_id: int | None, now: datetime | None = None) -> bool:
    return user_id == review.buyer_id and (now or utcnow()) <= rules.editable_until(
        review.created_at
    )


def edit_review(
    review: Review,
    buyer: User,
    *,
    rating: object,
    body: str | None,
    photos: Sequence[ImageInput] = (),
    remove_photo_ids: Sequence[int] = (),
    now: datetime | None = None,
) -> list[str]:
    """Change the author's review within ``EDIT_WINDOW`` of posting; returns the files of the
    photos removed (to delete after commit)."""
    now = now or utcnow()
    if review.buyer_id != buyer.id:
        raise NotReviewable("That is not your review.")
    if now > rules.editable_until(review.created_at):
        raise EditWindowClosed(
            f"A review can be edited for {rules.EDIT_WINDOW.days} days after it was posted."
        )
    new_rating = _clean_rating(rating)
    review.body = _clean_body(body)
    removed: list[str] = []
    remove = set(remove_photo_ids)
    for photo in list(review.photos):
        if photo.id in remove:
            removed += [photo.path, photo.thumb_path]
            review.photos.remove(photo)
    for position, photo in enumerate(review.photos):
        photo.position = position
    _add_photos(review, photos, existing=len(review.photos))
    if not review.is_hidden and new_rating != review.rating:
        _move_rating(review.product_id, new_rating - review.rating, 0)
    review.rating = new_rating
    review.edited_at = now
    db.session.flush()
    return removed


def answer_review(
    review: Review,
    seller: User,
    text: str | None,
    *,
    store_id: int | None,
    now: datetime | None = None,
) -> Review:
    """The seller's one public answer to a review of their store's product."""
    if store_id is None or review.store_id != store_id:
        raise NotReviewable("That review is not of your store's products.")
    if review.reply is not None:
        raise AlreadyAnswered("You have already answered this review.")
    reply = (text or "").strip()
    if not reply:
        raise InvalidReview("Write your answer.", field="reply")
    if len(reply) > rules.MAX_REPLY:
        raise InvalidReview(f"An answer has at most {rules.MAX_REPLY} characters.", field="reply")
    review.reply = reply
    review.replied_at = now or utcnow()
    review.replied_by_id = seller.id
    notify(
        review.buyer_id,
        "The seller answered your review.",
        kind="review.answered",
        link=_product_link(review.product_id),
    )
    db.session.flush()
    return review


def mark_helpful(review: Review, user: User) -> None:
    """Count ``user``'s "helpful" on someone else's visible review, once."""
    if review.is_hidden:
        raise NotReviewable("That review is not shown.")
    if review.buyer_id == user.id:
        raise InvalidReview("You cannot mark your own review helpful.")
    db.session.add(ReviewHelpful(review_id=review.id, user_id=user.id))
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise AlreadyMarkedHelpful("You have already marked this review helpful.") from None
    db.session.execute(
        update(Review)
        .where(Review.id == review.id)
        .values(helpful_count=Review.helpful_count + 1)
        .execution_options(synchronize_session=False)
    )


def _moderation_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not rules.MIN_HIDE_REASON <= len(text) <= rules.MAX_HIDE_REASON:
        raise InvalidReview(
            f"Give a reason of {rules.MIN_HIDE_REASON} to {rules.MAX_HIDE_REASON} characters.",
            field="reason",
        )
    return text


def _moderated(review: Review, staff: User, *, hidden: bool, reason: str, notice: str) -> None:
    """Tell the author and audit a staff decision to hide or show the review."""
    notify(
        review.buyer_id,
        notice,
        kind="review.hidden" if hidden else "review.shown",
        link=_product_link(review.product_id),
    )
    record(
        actor_id=staff.id,
        action="review.hidden" if hidden else "review.shown",
        subject_type="review",
        subject_id=review.id,
        from_state="visible" if hidden else "hidden",
        to_state="hidden" if hidden else "visible",
        reason=reason,
    )
    db.session.flush()


def hide_review(review: Review, staff: User, reason: str | None) -> None:
    """Staff hide a review with a reason (audited); its stars stop counting."""
    text = _moderation_reason(reason)
    if review.is_hidden:
        raise AlreadyHidden("That review is already hidden.")
    review.hidden_at = utcnow()
    review.hidden_reason = text
    review.hidden_by_id = staff.id
    _move_rating(review.product_id, -review.rating, -1)
    _moderated(
        review,
        staff,
        hidden=True,
        reason=text,
        notice=f"Your review was hidden by our moderators: {text}",
    )


def unhide_review(review: Review, staff: User, reason: str | None) -> None:
    """Staff show a hidden review again with a reason (audited); its stars count again."""
    text = _moderation_reason(reason)
    if not review.is_hidden:
        raise NotHidden("That review is already shown.")
    review.hidden_at = None
    review.hidden_reason = None
    review.hidden_by_id = None
    _move_rating(review.product_id, review.rating, 1)
    _moderated(
        review,
        staff,
        hidden=False,
        reason=text,
        notice="Your review is shown again after a moderator's second look.",
    )
