"""What the review pages read, in a fixed number of statements whatever the number of reviews:
a product's summary (1), a page of its reviews (count, rows, their photos, the viewer's marks:
at most 4), the reviews of an order's lines (1), a store's reviews (3), its negative-review
rate (1), and the hidden reviews staff may show again (2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, case, func, select

from core.accounts.models import User
from core.extensions import db
from core.web.pagination import Page
from shop.catalog.models import Product
from shop.orders.models import LineStatus, Order, OrderLine
from shop.reviews import rules
from shop.reviews.models import Review, ReviewHelpful, ReviewPhoto

PER_PAGE = 10
SELLER_PER_PAGE = 20


class ReviewSort(StrEnum):
    NEWEST = "newest"
    HELPFUL = "helpful"

    @property
    def label(self) -> str:
        return {"newest": "Newest", "helpful": "Most helpful"}[self.value]


@dataclass(frozen=True)
class Summary:
    """A product's visible reviews: average (from the product's columns), count, and how many
    gave each number of stars."""

    average: float | None
    count: int
    distribution: dict[int, int]

    def share(self, stars: int) -> int:
        """The percentage of reviews with ``stars`` (for the bars)."""
        return round(100 * self.distribution.get(stars, 0) / self.count) if self.count else 0


@dataclass
class ReviewRow:
    review: Review
    author: str
    variant_name: str
    refunded: bool
    product_title: str = ""
    photos: list[ReviewPhoto] = field(default_factory=list)
    marked_helpful: bool = False

    @property
    def editable_until(self) -> datetime:
        return rules.editable_until(self.review.created_at)


def summary(product: Product) -> Summary:
    rows = db.session.execute(
        select(Review.rating, func.count())
        .where(Review.product_id == product.id, Review.hidden_at.is_(None))
        .group_by(Review.rating)
    ).all()
    distribution = dict.fromkeys(range(5, 0, -1), 0)
    for stars, count in rows:
        distribution[int(stars)] = int(count)
    return Summary(product.rating_average, product.rating_count, distribution)


def _public_name(display_name: str) -> str:
    """How a buyer is named on a review: the first name and the last name's initial."""
    parts = (display_name or "").split()
    if not parts:
        return "A buyer"
    if len(parts) == 1:
        return parts[0]
    return f"{parts[0]} {parts[-1][0]}."


def _rows(statement: Select, viewer_id: int | None) -> list[ReviewRow]:
    results = db.session.execute(statement).all()
    rows = [
        ReviewRow(
            review=review,
            author=_public_name(name),
            variant_name=variant_name,
            refunded=status == LineStatus.REFUNDED.value,
            product_title=title,
        )
        for review, name, variant_name, status, title in results
    ]
    ids = [row.review.id for row in rows]
    with_photos = [row.review.id for row in rows if row.review.photo_count]
    if with_photos:
        photos: dict[int, list[ReviewPhoto]] = {}
        for photo in db.session.scalars(
            select(ReviewPhoto)
            .where(ReviewPhoto.review_id.in_(with_photos))
            .order_by(ReviewPhoto.review_id, ReviewPhoto.position, ReviewPhoto.id)
        ):
            photos.setdefault(photo.review_id, []).append(photo)
        for row in rows:
            row.photos = photos.get(row.review.id, [])
    if viewer_id is not None and ids:
        marked = set(
            db.session.scalars(
                select(ReviewHelpful.review_id).where(
                    ReviewHelpful.user_id == viewer_id, ReviewHelpful.review_id.in_(ids)
                )
            )
        )
        for row in rows:
            row.marked_helpful = row.review.id in marked
    return rows


def _listing() -> Select:
    return (
        select(Review, User.display_name, OrderLine.variant_name, OrderLine.status, OrderLine.title)
        .join(User, User.id == Review.buyer_id)
        .join(OrderLine, OrderLine.id == Review.order_line_id)
    )


def product_reviews(
    product_id: int,
    *,
    sort: ReviewSort = ReviewSort.NEWEST,
    with_photos: bool = False,
    page: int = 1,
    viewer_id: int | None = None,
    per_page: int = PER_PAGE,
) -> Page[ReviewRow]:
    """A page of the product's visible reviews, newest or most helpful first."""
    where = [Review.product_id == product_id, Review.hidden_at.is_(None)]
    if with_photos:
        where.append(Review.photo_count > 0)
    total = db.session.scalar(select(func.count(Review.id)).where(*where)) or 0
    order = (
        [Review.helpful_count.desc(), Review.created_at.desc(), Review.id.desc()]
        if sort is ReviewSort.HELPFUL
        else [Review.created_at.desc(), Review.id.desc()]
    )
    statement = (
        _listing().where(*where).order_by(*order).limit(per_page).offset((page - 1) * per_page)
    )
    rows = _rows(statement, viewer_id) if total else []
    return Page(items=rows, page=page, per_page=per_page, total=total)


def line_reviews(order: Order) -> dict[int, Review]:
    """The reviews of an order's lines, by line id (one statement)."""
    line_ids = [line.id for line in order.lines]
    if not line_ids:
        return {}
    return {
        review.order_line_id: review
        for review in db.session.scalars(select(Review).where(Review.order_line_id.in_(line_ids)))
    }


def store_reviews(store_id: int, *, page: int = 1, unanswered: bool = False) -> Page[ReviewRow]:
    """The store's reviews (hidden ones too, marked), newest first, for the Seller centre."""
    where = [Review.store_id == store_id]
    if unanswered:
        where.append(Review.reply.is_(None))
    total = db.session.scalar(select(func.count(Review.id)).where(*where)) or 0
    statement = (
        _listing()
        .where(*where)
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(SELLER_PER_PAGE)
        .offset((page - 1) * SELLER_PER_PAGE)
    )
    rows = _rows(statement, None) if total else []
    return Page(items=rows, page=page, per_page=SELLER_PER_PAGE, total=total)


@dataclass(frozen=True)
class NegativeRate:
    reviews: int
    negative: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.negative / self.reviews, 1) if self.reviews else None


def negative_rate(store_id: int) -> NegativeRate:
    """The share of the store's visible reviews with 1 or 2 stars (one statement)."""
    total, negative = db.session.execute(
        select(
            func.count(Review.id),
            func.coalesce(func.sum(case((Review.rating <= rules.NEGATIVE_AT_MOST, 1), else_=0)), 0),
        ).where(Review.store_id == store_id, Review.hidden_at.is_(None))
    ).one()
    return NegativeRate(int(total or 0), int(negative or 0))


@dataclass(frozen=True)
class HiddenReview:
    review: Review
    product_title: str
    author: str
    hidden_by: str | None


def hidden_reviews(page: int, per_page: int = SELLER_PER_PAGE) -> Page[HiddenReview]:
    """Hidden reviews, the latest hidden first, for staff to read again: two statements."""
    hidden = Review.hidden_at.is_not(None)
    total = db.session.scalar(select(func.count(Review.id)).where(hidden)) or 0
    page = min(max(page, 1), max(1, -(-total // per_page)))
    author = User.__table__.alias("author")
    moderator = User.__table__.alias("moderator")
    rows = db.session.execute(
        select(Review, Product.title, author.c.display_name, moderator.c.display_name)
        .join(Product, Product.id == Review.product_id)
        .join(author, author.c.id == Review.buyer_id)
        .outerjoin(moderator, moderator.c.id == Review.hidden_by_id)
        .where(hidden)
        .order_by(Review.hidden_at.desc(), Review.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(
        items=[HiddenReview(*row) for row in rows], page=page, per_page=per_page, total=total
    )
