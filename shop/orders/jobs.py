"""Order jobs: release unpaid orders, deliver and complete on time, send refunds to the card.

Each is a thin wrapper: it reads the clock and the configuration and calls one service of
``shop.orders.lifecycle``. ``shop.setup.init_app`` schedules the periodic ones.
"""

from __future__ import annotations

import logging

from flask import current_app
from rq import get_current_job

from core.jobs import PeriodicJob, job, jobs
from core.types import utcnow
from shop.orders import lifecycle
from shop.orders.refunds import provider as refunds

log = logging.getLogger(__name__)


def return_window_days() -> int:
    return int(
        current_app.config.get("SHOP_RETURN_WINDOW_DAYS", lifecycle.DEFAULT_RETURN_WINDOW_DAYS)
    )


def auto_deliver_days() -> int:
    return int(
        current_app.config.get("SHOP_AUTO_DELIVER_DAYS", lifecycle.DEFAULT_AUTO_DELIVER_DAYS)
    )


@job
def release_unpaid_orders() -> int:
    """Cancel orders whose time to pay has passed, giving their stock back."""
    count = lifecycle.release_unpaid(utcnow())
    if count:
        log.info("released %d unpaid order(s)", count)
    return count


@job
def auto_deliver_orders() -> int:
    """Mark delivered the orders shipped long enough ago (``SHOP_AUTO_DELIVER_DAYS``)."""
    count = lifecycle.auto_deliver(utcnow(), auto_deliver_days())
    if count:
        log.info("marked %d shipped order(s) delivered", count)
    return count


@job
def complete_orders() -> int:
    """Complete delivered orders whose return window (``SHOP_RETURN_WINDOW_DAYS``) passed."""
    count = lifecycle.complete_due_orders(utcnow(), return_window_days())
    if count:
        log.info("completed %d order(s)", count)
    return count


def _retries_remain() -> bool:
    """Whether RQ runs this job again if it raises (in-process, the outbox retries it)."""
    current = get_current_job()
    if not jobs.is_async:
        return True
    return bool(current is not None and current.should_retry)


@job
def refund_payment(refund_request_id: int) -> str:
    """Send one refund on the books to the buyer's payment method (``refunds.send``)."""
    return refunds.send(refund_request_id, retries_remain=_retries_remain())


RELEASE_UNPAID_ORDERS = PeriodicJob(
    "shop.orders.jobs.release_unpaid_orders",
    interval=300,
    description="cancel unpaid orders past their time to pay and release their stock",
)
AUTO_DELIVER_ORDERS = PeriodicJob(
    "shop.orders.jobs.auto_deliver_orders",
    cron="7 * * * *",
    description="mark delivered the orders shipped SHOP_AUTO_DELIVER_DAYS ago",
)
COMPLETE_ORDERS = PeriodicJob(
    "shop.orders.jobs.complete_orders",
    cron="37 * * * *",
    description="complete delivered orders whose return window has passed",
)
