"""Connect the creator profiles to an app."""

from __future__ import annotations

from flask import Flask

from affiliate.profiles import models, views

#: The module that defines the profiles' tables, mapped before Alembic compares.
MODEL_MODULES = (models,)


def init_app(app: Flask) -> None:
    """Connect the creator directory and the profile pages (the packages above add their
    sections through ``affiliate.profiles.hooks`` from their own ``init_app``)."""
    app.register_blueprint(views.bp)
