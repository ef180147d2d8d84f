"""Two people acting on one order at once: the order row lock lets exactly one win."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from core.states import IllegalTransition
from shop.orders import lifecycle
from shop.orders.exceptions import OrderLifecycleError
from shop.orders.models import Order
from shop.orders.refunds import requests as refund_requests
from shop.orders.refunds.models import RefundRequest
from tests.shop.factories import Shop
from tests.shop.orders.helpers import entries


def race(app, *actions: Callable[[], Any], hold: int | None = None) -> list[str]:
    """Run each action in its own thread and session at the same moment; say who won.

    With ``hold``, that order's row stays locked by another transaction until every thread has
    started, so that all of them read it before any of them can write.
    """
    barrier = threading.Barrier(len(actions))
    results: list[str] = [""] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        with app.app_context():
            try:
                barrier.wait()
                action()
                db.session.commit()
                results[index] = "ok"
            except (IllegalTransition, OrderLifecycleError) as error:
                db.session.rollback()
                results[index] = type(error).__name__
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    with db.engine.connect() as holder:
        if hold is not None:
            holder.execute(select(Order.id).where(Order.id == hold).with_for_update())
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        holder.rollback()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_ship_and_cancel_at_once_one_wins(app, app_ctx, postgres_only):
    shop = Shop()
    order_id, seller_id = shop.paid().id, shop.seller.id
    db.session.remove()

    def ship() -> None:
        order = db.session.get(Order, order_id)
        lifecycle.ship(order, "UPS", "1Z", db.session.get(User, seller_id))

    def cancel() -> None:
        order = db.session.get(Order, order_id)
        lifecycle.cancel(order, db.session.get(User, seller_id), "Out of stock")

    results = race(app, ship, cancel, hold=order_id)
    assert sorted(results) == ["IllegalTransition", "ok"], results
    status = db.session.get(Order, order_id).status
    refunds = [kind for kind, *_ in entries() if kind == "order_refund"]
    assert (status, len(refunds)) in {("shipped", 0), ("cancelled", 1)}


def test_a_refund_approved_twice_at_once_is_paid_once(app, app_ctx, postgres_only):
    shop = Shop()
    order = shop.paid()
    lifecycle.ship(order, "UPS", "1Z", shop.seller)
    lifecycle.mark_delivered(order, shop.buyer)
    refund_id = refund_requests.request_refund(order, order.lines[0], "Broken", shop.buyer).id
    db.session.commit()
    seller_id, order_id = shop.seller.id, order.id
    db.session.remove()

    def approve() -> None:
        refund = db.session.get(RefundRequest, refund_id)
        refund_requests.approve_refund(refund, db.session.get(User, seller_id))

    results = race(app, approve, approve, approve, hold=order_id)
    assert sorted(results) == ["RefundAlreadyDecided", "RefundAlreadyDecided", "ok"], results
    assert [kind for kind, *_ in entries()].count("line_refund") == 1
