"""Connect the disputes to an app."""

from __future__ import annotations

from flask import Flask

from affiliate.disputes import jobs, models
from affiliate.disputes.views import creator, finance, seller
from core.jobs import register_periodic
from shop import hooks

#: The module that defines the disputes' tables, mapped before Alembic compares.
MODEL_MODULES = (models,)


def init_app(app: Flask) -> None:
    """Connect the seller's, the creator's and finance's case pages, and the overdue sweep
    (every 15 minutes, and a step of the order clock)."""
    app.register_blueprint(seller.bp)
    app.register_blueprint(creator.bp)
    app.register_blueprint(finance.bp)
    register_periodic(app, jobs.NOTIFY_OVERDUE_DISPUTES)
    hooks.register_clock_step(jobs.notify_overdue_at)
