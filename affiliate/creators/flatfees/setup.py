"""Connect the flat fees: their pages, the plans' signals they answer (an accepted invitation
holds the fee, an ended plan returns it) and their sweep (every 15 minutes, and on the clock)."""

from __future__ import annotations

from flask import Flask

from affiliate.creators.flatfees import creator_views, jobs, models, seller_views, services
from affiliate.plans import signals as plan_signals
from core.jobs import register_periodic
from shop import hooks

#: The module that defines the flat fees' tables, mapped before Alembic compares.
MODEL_MODULES = (models,)


def init_app(app: Flask) -> None:
    app.register_blueprint(seller_views.bp)
    app.register_blueprint(creator_views.bp)
    plan_signals.invitation_accepted.connect(services.hold_on_acceptance)
    plan_signals.plan_ended.connect(services.end_with_plan)
    register_periodic(app, jobs.SWEEP_FLAT_FEES)
    hooks.register_clock_step(jobs.sweep_at)
