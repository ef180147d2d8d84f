"""``flask orders``: run the order clock by hand (what the periodic jobs do on time)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import click
from flask.cli import AppGroup

from core.extensions import db
from core.types import utcnow
from shop import hooks
from shop.orders import lifecycle
from shop.orders.jobs import auto_deliver_days, return_window_days


def _in_batches(step: Callable[[], int]) -> int:
    """Run ``step`` (one batch, one transaction) until a batch comes back short."""
    total = 0
    while True:
        count = step()
        db.session.commit()
        total += count
        if count < lifecycle.BATCH_SIZE:
            return total


orders_cli = AppGroup("orders", help="Order lifecycle tasks.")


@orders_cli.command("run-clock")
@click.option(
    "--days",
    type=click.IntRange(0, 3650),
    default=0,
    show_default=True,
    help="Act as if this many days had passed (for demos and support: deliver and complete "
    "orders whose time has come by then).",
)
def run_clock(days: int) -> None:
    """Release unpaid orders, deliver shipped ones and complete those past their return window."""
    now = utcnow() + timedelta(days=days)
    released = _in_batches(lambda: lifecycle.release_unpaid(now))
    delivered = _in_batches(lambda: lifecycle.auto_deliver(now, auto_deliver_days()))
    completed = _in_batches(lambda: lifecycle.complete_due_orders(now, return_window_days()))
    click.echo(
        f"As of {now:%Y-%m-%d %H:%M} UTC: released {released} unpaid, "
        f"delivered {delivered}, completed {completed} order(s)."
    )
    for step in hooks.clock_steps():
        click.echo(step(now))
