"""Viewers of a live racing for the last unit of its live deal: exactly one wins (real
PostgreSQL, real concurrent transactions; the race harness is the flash deals' one)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Variant
from shop.orders.cart import Attribution, add_to_cart, get_or_create_cart
from shop.orders.checkout.services import add_address
from shop.orders.models import Order
from shop.promotions.exceptions import LiveDealUnavailable
from shop.promotions.live_deal_models import LiveDeal, LiveDealPurchase
from tests.factories import make_user
from tests.shop.factories import make_product
from tests.shop.promotions.test_promotion_races import BUYERS, _race

LIVE = 501


def test_only_one_viewer_gets_the_last_live_deal_unit(app: Flask, postgres_only: None) -> None:
    with app.app_context():
        creator = make_user(Role.CREATOR, email="cleo@example.com")
        product = make_product(title="Racing serum", price=5000, stock=50)
        variant = product.variants[0]
        now = utcnow()
        deal = LiveDeal(
            store_id=product.store_id,
            product_id=product.id,
            variant_id=variant.id,
            creator_id=creator.id,
            content_type="live",
            content_id=LIVE,
            deal_price=1999,
            quantity=5,
            sold=4,
            per_buyer_limit=2,
            starts_at=now - timedelta(minutes=5),
            ends_at=now + timedelta(hours=1),
            opened_at=now - timedelta(minutes=5),
        )
        db.session.add(deal)
        db.session.flush()
        buyers = []
        for index in range(BUYERS):
            buyer = make_user(email=f"viewer{index}@example.com")
            cart = get_or_create_cart(user_id=buyer.id)
            source = Attribution(creator.id, "live", LIVE, now)
            add_to_cart(cart, db.session.get(Variant, variant.id), 1, source)
            address = add_address(
                buyer.id, full_name="V", line1="1 St", city="C", postal_code="1", country="US"
            )
            buyers.append((buyer.id, cart.id, address.id))
        db.session.commit()
        deal_id, variant_id = deal.id, variant.id
        db.session.remove()

    results = _race(app, buyers, dict)

    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, LiveDealUnavailable)]
    assert len(winners) == 1, results
    assert len(losers) == BUYERS - 1, results
    with app.app_context():
        assert db.session.get(LiveDeal, deal_id).sold == 5
        assert db.session.scalar(select(func.count(LiveDealPurchase.id))) == 1
        order = db.session.scalars(select(Order)).one()
        assert (order.lines[0].live_deal_id, order.total) == (deal_id, 1999)
        assert db.session.get(Variant, variant_id).stock == 49
