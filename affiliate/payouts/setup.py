"""Connect the payouts to an app."""

from __future__ import annotations

from flask import Flask

from affiliate.payouts import (
    finance_run_views,  # noqa: F401  (imported for its routes)
    finance_views,
    jobs,
    models,
    tax_views,
    wallet_views,
    webhooks,
)
from core.jobs import register_periodic

#: The module that defines the payouts' tables, mapped before Alembic compares.
MODEL_MODULES = (models,)


def init_app(app: Flask) -> None:
    """Connect the Finance centre, the creators' wallet, the payout provider's webhooks and the
    recovery of payouts whose worker died."""
    # finance_run_views puts the payout runs and the export on the same blueprint.
    app.register_blueprint(finance_views.bp)
    app.register_blueprint(wallet_views.bp)
    app.register_blueprint(tax_views.bp)
    app.register_blueprint(webhooks.bp)
    register_periodic(app, jobs.RECOVER_STUCK_PAYOUTS)
