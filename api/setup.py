"""Connect the partner API to an app: the ``/api/v1`` blueprint, the account's key page and
``flask api-keys``."""

from __future__ import annotations

from flask import Flask

from api.keys import cli, jobs, models, views
from api.v1 import setup as v1
from core.jobs import register_periodic

#: The module that defines the API's tables, mapped before Alembic compares.
MODEL_MODULES = (models,)


def init_app(app: Flask) -> None:
    """Connect ``/api/v1`` (bearer keys only), the API keys page, ``flask api-keys`` and the
    hourly purge of expired idempotent answers."""
    v1.init_app(app)
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.api_keys_cli)
    register_periodic(app, jobs.PURGE_IDEMPOTENT_REQUESTS)
