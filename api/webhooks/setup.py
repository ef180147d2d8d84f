"""Connect the outgoing webhooks to an app."""

from __future__ import annotations

from flask import Flask

from api.webhooks import events, jobs, models, views
from api.webhooks.delivery import Transport

#: The module that defines the webhooks' tables, mapped before Alembic compares.
MODEL_MODULES = (models,)


def init_app(app: Flask) -> None:
    """Connect the Webhooks pages, the receivers that turn signals into events, and the
    transport that deliveries use (tests swap its resolver and sender)."""
    app.extensions[jobs.EXTENSION] = Transport()
    app.register_blueprint(views.bp)
    events.connect()
