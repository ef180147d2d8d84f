"""Helpers for the review tests: delivered orders of the test shop, and posting reviews."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any

from flask.testing import FlaskClient

from core.accounts.models import User
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Variant
from shop.orders.models import Order, OrderStatus
from tests.conftest import post_form
from tests.shop.catalog.helpers import png
from tests.shop.factories import make_order


def delivered_line(
    buyer_id: int,
    variant_id: int,
    *,
    days_ago: float | None = 2,
    status: OrderStatus = OrderStatus.DELIVERED,
) -> tuple[int, int]:
    """An order of ``buyer_id`` for one ``variant_id``, delivered ``days_ago`` (None: not yet
    delivered, in ``status``); returns (order id, line id)."""
    buyer = db.session.get(User, buyer_id)
    variant = db.session.get(Variant, variant_id)
    now = utcnow()
    extra: dict[str, Any] = {"paid_at": now - timedelta(days=70)}
    if days_ago is not None:
        extra["delivered_at"] = now - timedelta(days=days_ago)
    order = make_order(buyer, [(variant, 1)], status=status, **extra)
    order = db.session.get(Order, order.id)
    return order.id, order.lines[0].id


def photo(name: str = "photo.png", data: bytes | None = None) -> tuple[BytesIO, str]:
    return BytesIO(png() if data is None else data), name


def post_review(
    client: FlaskClient,
    order_id: int,
    line_id: int,
    *,
    rating: Any = 5,
    body: str = "Lovely, as described.",
    photos: list[tuple[BytesIO, str]] | None = None,
):
    data: dict[str, Any] = {"rating": str(rating), "body": body}
    if photos:
        data["photos"] = photos
    return post_form(
        client,
        f"/orders/{order_id}/lines/{line_id}/review",
        data,
        content_type="multipart/form-data",
    )
