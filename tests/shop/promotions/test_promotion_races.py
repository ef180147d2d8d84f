"""Buyers racing for the last use of a voucher or the last unit of a flash deal: exactly one
wins (real PostgreSQL, real concurrent transactions).

Each thread has its own app context, hence its own session and connection; a barrier starts
them together and each holds its transaction open a moment after placing, so that the others
queue behind its row lock rather than running one after the other by luck.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import Flask
from sqlalchemy import func, select

from core.extensions import db
from shop.catalog.models import Variant
from shop.orders.cart import add_to_cart, get_or_create_cart
from shop.orders.checkout.models import Address
from shop.orders.checkout.services import add_address, place_orders
from shop.orders.models import Cart, Order
from shop.promotions.exceptions import FlashDealUnavailable, VoucherUnavailable
from shop.promotions.models import FlashDeal, FlashDealPurchase, Voucher, VoucherRedemption
from tests.factories import make_user
from tests.shop.factories import make_flash_deal, make_product, make_voucher

BUYERS = 4
HOLD_SECONDS = 0.05


def _buyers(variant_ids: list[int]) -> list[tuple[int, int, int]]:
    """One buyer per variant id, each with that variant in the cart and an address."""
    buyers = []
    for index, variant_id in enumerate(variant_ids):
        buyer = make_user(email=f"racer{index}@example.com")
        cart = get_or_create_cart(user_id=buyer.id)
        add_to_cart(cart, db.session.get(Variant, variant_id), 1)
        address = add_address(
            buyer.id, full_name="R", line1="1 St", city="C", postal_code="1", country="US"
        )
        buyers.append((buyer.id, cart.id, address.id))
    db.session.commit()
    return buyers


def _race(app: Flask, buyers: list[tuple[int, int, int]], codes: Callable[[], dict]) -> list:
    barrier = threading.Barrier(len(buyers), timeout=30)
    results: list[object] = [None] * len(buyers)

    def buy(index: int) -> None:
        buyer_id, cart_id, address_id = buyers[index]
        with app.app_context():
            try:
                cart = db.session.get(Cart, cart_id)
                address = db.session.get(Address, address_id)
                _ = [line.variant.product.store.name for line in cart.lines]
                db.session.commit()  # start from a fresh transaction, as a request would
                barrier.wait()
                payment = place_orders(buyer_id, cart, address, provider="test", codes=codes())
                results[index] = payment.id
                time.sleep(HOLD_SECONDS)
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(len(buyers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_only_one_buyer_gets_the_last_use_of_a_voucher(app: Flask, postgres_only: None) -> None:
    with app.app_context():
        # A different product each, so that only the voucher's row is shared between them.
        first = make_product(title="Racing mug 0", price=2000, stock=50)
        store = first.store
        products = [first] + [
            make_product(store, title=f"Racing mug {i}", price=2000, stock=50)
            for i in range(1, BUYERS)
        ]
        voucher = make_voucher(store, code="LASTONE", total_uses=3, used_count=2)
        voucher_id, store_id = voucher.id, store.id
        variant_ids = [product.variants[0].id for product in products]
        buyers = _buyers(variant_ids)
        db.session.remove()

    results = _race(app, buyers, lambda: {store_id: "lastone"})

    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, VoucherUnavailable)]
    assert len(winners) == 1, results
    assert len(losers) == BUYERS - 1, results
    with app.app_context():
        assert db.session.get(Voucher, voucher_id).used_count == 3
        assert db.session.scalar(select(func.count(VoucherRedemption.id))) == 1
        assert db.session.scalar(select(func.count(Order.id))) == 1
        order = db.session.scalars(select(Order)).one()
        assert (order.voucher_id, order.discount, order.total) == (voucher_id, 500, 1500)
        stocks = [db.session.get(Variant, v).stock for v in variant_ids]
        assert sorted(stocks) == [49] + [50] * (BUYERS - 1)  # the losers' stock went back


def test_only_one_buyer_gets_the_last_flash_deal_unit(app: Flask, postgres_only: None) -> None:
    with app.app_context():
        product = make_product(title="Racing lamp", price=5000, stock=50)
        variant = product.variants[0]
        deal = make_flash_deal(variant, 1999, quantity=5, sold=4, per_buyer_limit=2)
        deal_id, variant_id = deal.id, variant.id
        buyers = _buyers([variant_id] * BUYERS)
        db.session.remove()

    results = _race(app, buyers, dict)

    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, FlashDealUnavailable)]
    assert len(winners) == 1, results
    assert len(losers) == BUYERS - 1, results
    with app.app_context():
        assert db.session.get(FlashDeal, deal_id).sold == 5
        assert db.session.scalar(select(func.count(FlashDealPurchase.id))) == 1
        order = db.session.scalars(select(Order)).one()
        assert (order.lines[0].flash_deal_id, order.total) == (deal_id, 1999)
        assert db.session.get(Variant, variant_id).stock == 49
