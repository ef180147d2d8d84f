"""Connect the fraud rules and the finance fraud queue to an app."""

from __future__ import annotations

from flask import Flask

from affiliate.creators.attribution import signals
from affiliate.fraud import jobs, models, services, views
from core.jobs import register_periodic
from shop import hooks

#: The module that defines the fraud tables, mapped before Alembic compares.
MODEL_MODULES = (models,)


def init_app(app: Flask) -> None:
    """The rules run on every commission earned (in its transaction) and every 15 minutes;
    finance decides in ``/finance/fraud``. Connecting the receiver again changes nothing."""
    app.register_blueprint(views.bp)
    signals.commission_earned.connect(services.on_commission_earned)
    register_periodic(app, jobs.SWEEP_FRAUD_RULES)
    hooks.register_clock_step(jobs.sweep_at)
