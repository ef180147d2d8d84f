"""The affiliate marketplace: the app factory reads as the table of contents of the app.

Each package connects itself with the ``init_app(app)`` of its ``setup`` module: its
blueprints, signal receivers, hooks, commands and periodic jobs. Nothing registers itself by
being imported; the calls below, ground floor first, are the whole of what the app is made of.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from affiliate.creators.setup import init_app as init_creators
from affiliate.crm.setup import init_app as init_crm
from affiliate.disputes.setup import init_app as init_disputes
from affiliate.fraud.setup import init_app as init_fraud
from affiliate.messages.setup import init_app as init_messages
from affiliate.payouts.setup import init_app as init_payouts
from affiliate.plans.setup import init_app as init_plans
from affiliate.profiles.setup import init_app as init_profiles
from api.setup import init_app as init_api
from api.webhooks.setup import init_app as init_webhooks
from core.config import PROJECT_ROOT, BaseConfig, config_from_environment, normalise_database_url
from core.setup import init_app as init_core
from demo import init_app as init_demo
from shop.setup import init_app as init_shop


def create_app(config: type[BaseConfig] | None = None, **overrides: Any) -> Flask:
    """Build the app from a config class (default: from ``APP_ENV``) plus explicit overrides."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    load_config(app, config or config_from_environment(), overrides)
    init_core(app)  # logging, extensions, accounts, admin, notifications, errors, CLI, clock
    init_shop(app)  # catalogue, cart, checkout, orders, promotions, sync, Seller centre
    init_profiles(app)  # creators as people sellers can find
    init_plans(app)  # targeted, open and store plans; samples
    init_messages(app)  # store-creator conversations, cards acting in place, limits
    init_creators(app)  # content, attribution and commissions, the Creator centre
    init_crm(app)  # the sellers' creator CRM: tags, notes, segments, bulk actions
    init_fraud(app)  # fraud rules that hold commissions; the finance fraud queue
    init_payouts(app)  # wallet, withdrawals, finance review, payout webhooks
    init_disputes(app)  # contests and claims about commissions, finance's dispute desk
    init_api(app)  # the partner REST API (/api/v1), API keys
    init_webhooks(app)  # outgoing webhooks: endpoints, signed deliveries and their log
    init_demo(app)  # `flask demo seed`
    return app


def load_config(app: Flask, config: type[BaseConfig], overrides: dict[str, Any]) -> None:
    app.config.from_object(config)
    app.config["SECRET_KEY"] = config.secret_key()
    app.config.update(overrides)
    if "DATABASE_URL" in overrides:
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(overrides["DATABASE_URL"])
    config.validate(app.config)
