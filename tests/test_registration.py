"""The factory wires every package explicitly, and building it again wires nothing twice."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

import shop.routes
from core.jobs import PeriodicJob, periodic_jobs, register_periodic
from shop import hooks, signals
from tests.conftest import make_test_app

PROJECT = Path(__file__).resolve().parent.parent

BLUEPRINTS = [
    "account_sessions",
    "accounts",
    "admin",
    "api_keys",
    "api_v1",
    "codes",
    "collections",
    "creator_disputes",
    "creator_flat_fees",
    "creators",
    "crm",
    "finance_disputes",
    "flat_fees",
    "fraud",
    "live_deals",
    "lives",
    "mail",
    "main",
    "messages",
    "notifications",
    "payout_tax",
    "payout_webhooks",
    "payouts",
    "plan_tiers",
    "plans",
    "profiles",
    "recovery",
    "sample_rules",
    "samples",
    "seller",
    "seller_affiliates",
    "seller_disputes",
    "shop",
    "tracking",
    "twofactor",
    "videos",
    "wallet",
    "webhooks",
    "yellowcart",
]

PERIODIC = {
    "affiliate.creators.attribution.digest.send_commission_digests",
    "affiliate.creators.attribution.jobs.flush_events",
    "affiliate.creators.attribution.jobs.roll_up_events",
    "affiliate.creators.content.jobs.send_live_reminders",
    "affiliate.creators.flatfees.jobs.sweep_flat_fees",
    "affiliate.fraud.jobs.sweep_fraud_rules",
    "affiliate.disputes.jobs.notify_overdue_disputes",
    "affiliate.payouts.jobs.recover_stuck_payouts",
    "affiliate.plans.samples.jobs.sweep_sample_obligations",
    "api.keys.jobs.purge_idempotent_requests",
    "core.jobs.relay_outbox",
    "core.ledger.jobs.verify_ledger",
    "shop.orders.jobs.auto_deliver_orders",
    "shop.orders.jobs.complete_orders",
    "shop.orders.jobs.release_unpaid_orders",
}


def _wiring() -> tuple[int, ...]:
    return (
        len(signals.order_paid.receivers),
        len(signals.order_completed.receivers),
        len(signals.order_line_refunded.receivers),
        len(signals.cart_line_added.receivers),
        len(hooks._attribution_resolvers),
        len(hooks._commission_terms),
    )


def test_the_app_has_every_blueprint_and_periodic_job(app: Flask) -> None:
    assert sorted(app.blueprints) == BLUEPRINTS
    assert {job.func_path for job in periodic_jobs(app)} == PERIODIC


def test_building_the_app_again_connects_nothing_twice(app: Flask) -> None:
    before = _wiring()

    again = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"])

    assert _wiring() == before
    # commissions follow the orders once, and so do the webhooks (paid and refunded lines)
    assert before[:3] == (2, 1, 2)
    assert sorted(again.blueprints) == BLUEPRINTS
    assert periodic_jobs(again) == periodic_jobs(app)


def test_periodic_jobs_belong_to_their_app(app: Flask) -> None:
    other = Flask("other")
    register_periodic(other, PeriodicJob("tests.core.test_scheduler.tick", interval=5))

    assert [job.func_path for job in periodic_jobs(other)] == ["tests.core.test_scheduler.tick"]
    assert "tests.core.test_scheduler.tick" not in {job.func_path for job in periodic_jobs(app)}


def test_a_job_cannot_be_scheduled_twice_differently() -> None:
    other = Flask("other")
    tick = PeriodicJob("tests.core.test_scheduler.tick", interval=5)
    register_periodic(other, tick)
    register_periodic(other, tick)  # the same job again: fine

    with pytest.raises(ValueError, match="already scheduled"):
        register_periodic(other, PeriodicJob("tests.core.test_scheduler.tick", interval=6))


def test_every_module_that_adds_shop_routes_is_named_in_shop_routes() -> None:
    adding = {
        ".".join(path.relative_to(PROJECT).with_suffix("").parts)
        for path in (PROJECT / "shop").rglob("*.py")
        if "from shop.blueprints import" in path.read_text(encoding="utf-8")
    } - {"shop.routes"}

    assert adding == {module.__name__ for module in shop.routes.ROUTE_MODULES}


def test_core_imports_no_feature() -> None:
    probe = (
        "import sys, core.setup; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'shop', 'affiliate', 'demo'}))"
    )
    found = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-c", probe], cwd=PROJECT, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"
