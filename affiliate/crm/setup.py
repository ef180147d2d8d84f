"""Connect the creator CRM to an app."""

from __future__ import annotations

from flask import Flask

from affiliate.crm import models, views

#: The module that defines the CRM's tables, mapped before Alembic compares.
MODEL_MODULES = (models,)


def init_app(app: Flask) -> None:
    """Connect the sellers' CRM pages."""
    app.register_blueprint(views.bp)
