"""Connect the payouts to an app."""

from __future__ import annotations

from flask import Flask

from affiliate.payouts import finance_views, jobs, models, tax_views, wallet_views, webhooks
from core.jobs import register_periodic

#: The module that defines the payouts' tables, mapped before Alembic compares.
MODEL_MODULES = (models,)


def init_app(app: Flask) -> None:
    """Connect the Finance centre, the creators' wallet, the payout provider's webhooks and the
    recovery of payouts whose worker died."""
    app.register_blueprint(finance_views.bp)
    app.register_blueprint(wallet_views.bp)
    app.register_blueprint(tax_views.bp)
    app.register_blueprint(webhooks.bp)
    register_periodic(app, jobs.RECOVER_STUCK_PAYOUTS)
