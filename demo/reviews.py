"""Demo reviews: the demo buyer's reviews of delivered Glow & Co lines (one with a photo, one of
a refunded line), and Glow & Co's answer to one of them.

Idempotent: nothing is done once the demo buyer has a review. The lines left unreviewed (the
order delivered three days ago) are the walk-through's: review one with a photo.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from core.accounts import services as accounts
from core.extensions import db
from core.types import utcnow
from demo.shop import _paid_order, draw_product_image
from shop.catalog import images as image_files
from shop.orders import lifecycle
from shop.orders.checkout.models import Address
from shop.orders.models import Order, OrderLine
from shop.reviews import services as reviews
from shop.reviews.models import Review

STORE_HANDLE = "glow-and-co"


def _line(buyer_id: int, sku: str) -> tuple[Order, OrderLine] | None:
    """The buyer's latest delivered line of ``sku``, with its order."""
    row = db.session.execute(
        select(Order, OrderLine)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.buyer_id == buyer_id, OrderLine.sku == sku, Order.delivered_at.is_not(None))
        .order_by(Order.id.desc())
    ).first()
    return (row[0], row[1]) if row else None


def seed_reviews() -> str:
    buyer = accounts.find_by_email("buyer@example.com")
    seller = accounts.find_by_email("seller@example.com")
    if buyer is None or seller is None:
        return "demo reviews skipped (no demo buyer or seller)"
    if db.session.scalar(select(Review.id).where(Review.buyer_id == buyer.id)):
        return "demo reviews ready (already there)"
    address_id = db.session.scalar(select(Address.id).where(Address.user_id == buyer.id))
    if address_id is None:
        return "demo reviews skipped (the demo buyer has no address)"
    now = utcnow()
    order = _paid_order(
        buyer, address_id, [("GLOW-01-1", 1), ("GLOW-04-1", 1)], now - timedelta(days=12)
    )
    lifecycle.ship(order, "UPS", "1Z999AA10123456800", seller)
    lifecycle.mark_delivered(order, buyer, now=now - timedelta(days=9))
    db.session.flush()

    picture = image_files.process_bytes(draw_product_image("Vitamin C Brightening Serum", 2))
    written = []
    plan = (
        ("GLOW-01-1", 5, "My skin looks brighter after two weeks. Light texture, no sting.", True),
        ("GLOW-04-1", 4, "Lovely colour and it lasts all day; a little drying by evening.", False),
        ("GLOW-05-1", 2, "Did not suit my hair: heavy and greasy. Refunded without fuss.", False),
    )
    for sku, rating, body, with_photo in plan:
        found = _line(buyer.id, sku)
        if found is None:
            continue
        review = reviews.write_review(
            found[0],
            found[1],
            buyer,
            rating=rating,
            body=body,
            photos=[picture] if with_photo else [],
        )
        written.append(review)
    if written:
        reviews.answer_review(
            written[0],
            seller,
            "Thank you! Use it in the morning under sunscreen for the best glow.",
            store_id=written[0].store_id,
        )
    db.session.flush()
    image_files.write_images([picture], current_app.config["UPLOAD_DIR"])
    return f"demo reviews ready ({len(written)} reviews by the demo buyer, one answered)"
