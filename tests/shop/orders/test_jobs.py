"""The order jobs: unpaid orders released, shipped ones delivered, delivered ones completed.

Refunds on their way to the card are in ``tests/shop/orders/test_refunds.py``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from core.extensions import db
from core.jobs import periodic_jobs
from shop import signals
from shop.catalog.models import Variant
from shop.orders import jobs, lifecycle
from shop.orders.models import Order, OrderStatus
from shop.orders.refunds import requests as refund_requests
from shop.orders.refunds.models import RefundRequest
from tests.shop.factories import Shop
from tests.shop.orders.helpers import Received

S = OrderStatus


def run(name: str, *args: object) -> object:
    """Run a job as a worker would: in a session of its own, after the test's has ended."""
    db.session.commit()
    return getattr(jobs, name)(*args)


def status(order: Order) -> str:
    db.session.expire_all()
    return db.session.get(Order, order.id).status


def test_order_jobs_are_registered_for_cron(app):
    periodic = {job.func_path: job for job in periodic_jobs(app)}
    assert periodic["shop.orders.jobs.release_unpaid_orders"].interval == 300
    assert periodic["shop.orders.jobs.auto_deliver_orders"].cron == "7 * * * *"
    assert periodic["shop.orders.jobs.complete_orders"].cron == "37 * * * *"


def test_release_unpaid_cancels_orders_past_their_time_to_pay(app_ctx):
    shop = Shop(stock=10)
    with freeze_time("2026-11-25 10:00:00"):
        late = shop.place((2, 0), pay_by=None)
        late.pay_by = late.placed_at + timedelta(minutes=30)
        on_time = shop.place((0, 3))
        on_time.pay_by = on_time.placed_at + timedelta(hours=2)
        db.session.commit()
    assert [v.stock for v in db.session.scalars(select(Variant).order_by(Variant.id))] == [8, 7]
    with freeze_time("2026-11-25 10:31:00"), Received(signals.order_cancelled) as cancelled:
        assert run("release_unpaid_orders") == 1
    assert status(late) == S.CANCELLED.value
    assert status(on_time) == S.PENDING_PAYMENT.value
    assert [v.stock for v in db.session.scalars(select(Variant).order_by(Variant.id))] == [10, 7]
    assert cancelled.senders == [late.id]


def test_release_unpaid_leaves_paid_orders_alone(app_ctx):
    shop = Shop()
    with freeze_time("2026-11-25 10:00:00"):
        order = shop.paid()
    with freeze_time("2026-11-26 10:00:00"):
        assert run("release_unpaid_orders") == 0
    assert status(order) == S.PAID.value


def test_auto_deliver_marks_delivered_orders_shipped_over_fourteen_days_ago(app_ctx):
    shop = Shop()
    with freeze_time("2026-11-01 08:00:00"):
        old = shop.paid()
        lifecycle.ship(old, "UPS", "1Z1", shop.seller)
        db.session.commit()
    with freeze_time("2026-11-03 08:00:00"):
        recent = shop.paid()
        lifecycle.ship(recent, "UPS", "1Z2", shop.seller)
        db.session.commit()
    with freeze_time("2026-11-16 09:00:00"):
        assert run("auto_deliver_orders") == 1
    assert status(old) == S.DELIVERED.value
    assert status(recent) == S.SHIPPED.value


def test_auto_deliver_days_come_from_the_config(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "SHOP_AUTO_DELIVER_DAYS", 3)
    shop = Shop()
    with freeze_time("2026-11-01 08:00:00"):
        order = shop.paid()
        lifecycle.ship(order, "UPS", "1Z1", shop.seller)
        db.session.commit()
    with freeze_time("2026-11-04 09:00:00"):
        assert run("auto_deliver_orders") == 1
    assert status(order) == S.DELIVERED.value


def _delivered(shop: Shop, when: str) -> Order:
    with freeze_time(when):
        order = shop.paid()
        lifecycle.ship(order, "UPS", "1Z", shop.seller)
        lifecycle.mark_delivered(order, shop.buyer)
        db.session.commit()
    return order


def test_complete_orders_after_the_return_window_and_announce_it(app_ctx):
    shop = Shop()
    due = _delivered(shop, "2026-11-01 08:00:00")
    not_yet = _delivered(shop, "2026-11-05 08:00:00")
    with freeze_time("2026-11-08 09:00:00"), Received(signals.order_completed) as completed:
        assert run("complete_orders") == 1
    assert status(due) == S.COMPLETED.value
    assert status(not_yet) == S.DELIVERED.value
    assert completed.senders == [due.id]
    assert db.session.get(Order, due.id).completed_at is not None


def test_an_open_refund_request_holds_completion_until_it_is_decided(app_ctx):
    shop = Shop()
    order = _delivered(shop, "2026-11-01 08:00:00")
    with freeze_time("2026-11-03 08:00:00"):
        refund = refund_requests.request_refund(order, order.lines[0], "Broken", shop.buyer)
        db.session.commit()
    with freeze_time("2026-11-09 09:00:00"), Received(signals.order_completed) as completed:
        assert run("complete_orders") == 0
        assert completed.calls == []
    assert status(order) == S.DELIVERED.value
    with freeze_time("2026-11-10 09:00:00"):
        refund = db.session.get(RefundRequest, refund.id)
        refund_requests.decline_refund(refund, shop.seller, "Used")
        db.session.commit()
        with Received(signals.order_completed) as completed:
            assert run("complete_orders") == 1
        assert len(completed.calls) == 1
    assert status(order) == S.COMPLETED.value


def test_return_window_days_come_from_the_config(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "SHOP_RETURN_WINDOW_DAYS", 30)
    shop = Shop()
    order = _delivered(shop, "2026-11-01 08:00:00")
    with freeze_time("2026-11-09 09:00:00"):
        assert run("complete_orders") == 0
    assert status(order) == S.DELIVERED.value


@pytest.mark.parametrize("job", ["release_unpaid_orders", "auto_deliver_orders", "complete_orders"])
def test_order_jobs_have_nothing_to_do_on_an_empty_shop(app_ctx, job):
    assert run(job) == 0
