"""Connect the plans and the samples to an app."""

from __future__ import annotations

from flask import Flask

from affiliate.plans import models, showcase, tier_views, views
from affiliate.plans.samples import models as sample_models
from affiliate.plans.samples import views as sample_views

#: The modules that define the plans' tables, mapped before Alembic compares.
MODEL_MODULES = (models, sample_models)


def init_app(app: Flask) -> None:
    """Connect the sellers' plan pages and the sample requests, and show creators' showcases
    on their public pages (``affiliate.profiles.hooks``)."""
    app.register_blueprint(views.bp)
    app.register_blueprint(tier_views.bp)
    app.register_blueprint(sample_views.bp)
    showcase.connect_profile_page(app)
