"""The obligation sweep is scheduled, runs under `flask orders run-clock`, and is idempotent."""

from __future__ import annotations

from datetime import timedelta

from affiliate.plans.samples import jobs
from affiliate.plans.samples.models import PostState
from core.jobs import periodic_jobs
from core.types import utcnow
from tests.plans.helpers_samples import ask, make_world
from tests.plans.samples.helpers import add_rule, deliver


def test_the_sweep_is_a_periodic_job(app) -> None:
    paths = {job.func_path for job in periodic_jobs(app)}
    assert "affiliate.plans.samples.jobs.sweep_sample_obligations" in paths


def test_run_clock_sweeps_samples_at_its_own_time(app, app_ctx) -> None:
    world = make_world()
    add_rule(world, min_followers=0)
    sample = ask(world)
    deliver(sample, world, utcnow() - timedelta(hours=1))
    result = app.test_cli_runner().invoke(args=["orders", "run-clock", "--days", "15"])
    assert result.exit_code == 0, result.output
    assert "samples: 1 delivered, 0 posted, 0 reminder(s), 1 not posted" in result.output
    assert sample.post_state == PostState.NOT_POSTED.value


def test_the_job_uses_the_configured_posting_days(app, app_ctx) -> None:
    world = make_world()
    add_rule(world, min_followers=0)
    sample = ask(world)
    delivered_at = utcnow() - timedelta(hours=1)
    deliver(sample, world, delivered_at)
    app.config["SAMPLE_POSTING_DAYS"] = 3
    try:
        assert jobs.sweep_at(utcnow()).startswith("samples: 1 delivered")
    finally:
        app.config["SAMPLE_POSTING_DAYS"] = 14
    assert sample.post_deadline == delivered_at + timedelta(days=3)
    assert jobs.sweep_at(utcnow()).startswith("samples: 0 delivered")
