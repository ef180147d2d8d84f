"""Two buyers can never buy the last item twice (real PostgreSQL, real concurrent transactions).

Each thread has its own app context, hence its own session and connection; a barrier starts
them together and each holds its transaction open a moment after placing, so that the others
queue behind its row lock rather than running one after the other by luck.
"""

from __future__ import annotations

import threading
import time

from flask import Flask
from sqlalchemy import func, select

from core.extensions import db
from shop.catalog.models import Variant
from shop.orders.cart import add_to_cart, get_or_create_cart
from shop.orders.checkout.services import add_address, place_orders
from shop.orders.exceptions import CheckoutError
from shop.orders.models import Order
from shop.payments.models import Payment
from tests.factories import make_user
from tests.shop.factories import make_product

BUYERS = 6
HOLD_SECONDS = 0.05


def test_only_one_buyer_gets_the_last_item(app: Flask, postgres_only: None) -> None:
    with app.app_context():
        variant_id = make_product(title="Last lamp", stock=1).variants[0].id
        buyers = []
        for index in range(BUYERS):
            buyer = make_user(email=f"racer{index}@example.com")
            cart = get_or_create_cart(user_id=buyer.id)
            add_to_cart(cart, db.session.get(Variant, variant_id), 1)
            address = add_address(
                buyer.id, full_name="R", line1="1 St", city="C", postal_code="1", country="US"
            )
            buyers.append((buyer.id, cart.id, address.id))
        db.session.commit()
        db.session.remove()

    barrier = threading.Barrier(BUYERS, timeout=30)
    results: list[object] = [None] * BUYERS

    def buy(index: int) -> None:
        buyer_id, cart_id, address_id = buyers[index]
        with app.app_context():
            try:
                from shop.orders.checkout.models import Address
                from shop.orders.models import Cart

                cart = db.session.get(Cart, cart_id)
                address = db.session.get(Address, address_id)
                _ = [line.variant.product.title for line in cart.lines]
                db.session.commit()  # start from a fresh transaction, as a request would
                barrier.wait()
                results[index] = place_orders(buyer_id, cart, address, provider="test").id
                time.sleep(HOLD_SECONDS)
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, CheckoutError)]
    assert len(winners) == 1, results
    assert len(losers) == BUYERS - 1, results
    with app.app_context():
        assert db.session.scalar(select(Variant.stock).where(Variant.id == variant_id)) == 0
        assert db.session.scalar(select(func.count(Order.id))) == 1
        assert db.session.scalar(select(func.count(Payment.id))) == 1
