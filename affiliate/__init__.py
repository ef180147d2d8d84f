"""The affiliate marketplace: the app factory reads as the table of contents of the app."""

from __future__ import annotations

from typing import Any

from flask import Flask

from core.config import PROJECT_ROOT, BaseConfig, config_from_environment


def create_app(config: type[BaseConfig] | None = None, **overrides: Any) -> Flask:
    """Build the app from a config class (default: from ``APP_ENV``) plus explicit overrides."""
    config = config or config_from_environment()
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    load_config(app, config, overrides)
    trust_proxies(app)
    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_job_modules()
    return app


def load_config(app: Flask, config: type[BaseConfig], overrides: dict[str, Any]) -> None:
    app.config.from_object(config)
    app.config["SECRET_KEY"] = config.secret_key()
    app.config.update(overrides)
    if "DATABASE_URL" in overrides:
        from core.config import normalise_database_url

        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(overrides["DATABASE_URL"])
    config.validate(app.config)


def trust_proxies(app: Flask) -> None:
    """Read the client address from ``X-Forwarded-*`` only behind known proxies."""
    count = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )


def configure_logging(app: Flask) -> None:
    from core.web.ops import configure_logging as configure

    configure(app)


def register_extensions(app: Flask) -> None:
    from core.accounts.passwords import passwords
    from core.db import configure_engines
    from core.extensions import csrf, db, limiter, login_manager, migrate
    from core.jobs import jobs

    db.init_app(app)
    configure_engines(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    passwords.init_app(app)
    jobs.init_app(app)
    login_manager.init_app(app)
    from core.accounts import login as _login  # noqa: F401 - registers the user loader


#: The blueprints' modules (each defines ``bp``): the core's, then the shop's, then these.
CORE_BLUEPRINT_MODULES = (
    "core.main.views",
    "core.accounts.views",
    "core.admin.views",
)
AFFILIATE_BLUEPRINT_MODULES = (
    "affiliate.plans.views",
    "affiliate.plans.sample_views",
    "affiliate.creators.centre.views",
    "affiliate.profiles.views",
    "affiliate.creators.content.yellowcart_views",
    "affiliate.creators.attribution.code_views",
    "affiliate.creators.content.live_views",
    "affiliate.creators.content.video_views",
    "affiliate.creators.attribution.tracking_views",
    "affiliate.creators.centre.seller_views",
    "affiliate.payouts.views",
    "affiliate.payouts.wallet_views",
    "affiliate.payouts.webhooks",
    "core.notifications.views",
)


def register_blueprints(app: Flask) -> None:
    from importlib import import_module

    from shop.routes import blueprints as shop_blueprints

    core = [import_module(module).bp for module in CORE_BLUEPRINT_MODULES]
    affiliate = [import_module(module).bp for module in AFFILIATE_BLUEPRINT_MODULES]
    for blueprint in (*core, *shop_blueprints(), *affiliate):
        app.register_blueprint(blueprint)


def register_request_hooks(app: Flask) -> None:
    from core.web.ops import register_request_hooks as register

    register(app)


def register_error_handlers(app: Flask) -> None:
    from core.web.errors import register_error_handlers as register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from core.web.templating import register_template_helpers as register

    register(app)


def register_commands(app: Flask) -> None:
    from core.cli import users_cli, worker_commands
    from core.ledger.cli import ledger_cli
    from demo import demo_cli
    from shop.orders.cli import orders_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(orders_cli)
    app.cli.add_command(demo_cli)
    for command in worker_commands:
        app.cli.add_command(command)


def register_job_modules() -> None:
    """Import every jobs module so that periodic jobs are registered before ``flask cron``."""
    import affiliate.creators.attribution.commissions  # subscribes to the shop's order signals
    import affiliate.creators.attribution.jobs
    import affiliate.creators.attribution.models
    import affiliate.payouts.jobs
    import affiliate.payouts.models
    import affiliate.plans.models  # noqa: F401
    import core.ledger.jobs
    import core.notifications.models  # noqa: F401
    import shop.models  # noqa: F401 - every model is known before migrations compare
    from shop.orders import jobs as _order_jobs  # noqa: F401
