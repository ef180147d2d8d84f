"""Connect the plans and the samples to an app."""

from __future__ import annotations

from flask import Flask

from affiliate.plans import models, showcase, tier_views, views
from affiliate.plans.samples import jobs as sample_jobs
from affiliate.plans.samples import models as sample_models
from affiliate.plans.samples import rule_views
from affiliate.plans.samples import views as sample_views
from core.jobs import register_periodic
from shop import hooks

#: The modules that define the plans' tables, mapped before Alembic compares.
MODEL_MODULES = (models, sample_models)


def init_app(app: Flask) -> None:
    """Connect the sellers' plan pages and the sample requests, and show creators' showcases
    on their public pages (``affiliate.profiles.hooks``)."""
    app.register_blueprint(views.bp)
    app.register_blueprint(tier_views.bp)
    app.register_blueprint(sample_views.bp)
    app.register_blueprint(rule_views.bp)
    register_periodic(app, sample_jobs.SWEEP_SAMPLE_OBLIGATIONS)
    hooks.register_clock_step(sample_jobs.sweep_at)
    showcase.connect_profile_page(app)
