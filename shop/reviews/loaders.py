"""Loading a review for whoever may act on it; anyone else gets a 404."""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.extensions import db
from shop.reviews.models import Review

_MAX_KEY = 2**63 - 1


def get_review_or_404(review_id: int, *, author: Any = None, store_id: int | None = None) -> Review:
    """A review (with its photos); with ``author``, only theirs; with ``store_id``, only one of
    that store's products. Anything else answers as a review that does not exist."""
    if not 0 < review_id <= _MAX_KEY:
        abort(404)
    review = db.session.scalar(
        select(Review).where(Review.id == review_id).options(selectinload(Review.photos))
    )
    if review is None:
        abort(404)
    if author is not None and review.buyer_id != author.id:
        abort(404)
    if store_id is not None and review.store_id != store_id:
        abort(404)
    return review
