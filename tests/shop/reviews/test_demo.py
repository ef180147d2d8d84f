"""`flask demo seed` gives the demo buyer reviews of Glow & Co products (one with a photo and an
answer, one of a refunded line) and leaves a delivered line to review; seeding twice adds none."""

from __future__ import annotations

from sqlalchemy import func, select

from core.accounts.models import User
from core.extensions import db
from core.types import utcnow
from shop.orders.models import LineStatus, Order, OrderLine
from shop.reviews.models import Review
from shop.reviews.rules import line_eligibility


def _seed(app) -> None:
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output


def test_demo_seed_writes_the_buyers_reviews_once(app, app_ctx, client):
    _seed(app)
    buyer = db.session.scalars(select(User).where(User.email == "buyer@example.com")).one()
    reviews = db.session.scalars(select(Review).where(Review.buyer_id == buyer.id)).all()
    assert len(reviews) == 3
    assert sum(review.photo_count for review in reviews) == 1
    assert sum(1 for review in reviews if review.reply) == 1
    statuses = {db.session.get(OrderLine, r.order_line_id).status for r in reviews}
    assert LineStatus.REFUNDED.value in statuses
    reviewed = {r.order_line_id for r in reviews}
    open_lines = [
        line
        for order in db.session.scalars(select(Order).where(Order.buyer_id == buyer.id))
        for line in order.lines
        if line.id not in reviewed and line_eligibility(order, line, utcnow()).allowed
    ]
    assert open_lines, "the walk-through needs a delivered line left to review"
    page = client.get(f"/p/{reviews[0].product_id}").get_data(as_text=True)
    assert "review-average" in page

    _seed(app)
    assert db.session.scalar(select(func.count(Review.id))) == 3
