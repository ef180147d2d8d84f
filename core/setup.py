"""Connect the ground floor to an app: the first step of ``affiliate.create_app``."""

from __future__ import annotations

from flask import Flask

from core.accounts import identity_cache, security_models, session_views, twofactor_views
from core.accounts import models as account_models
from core.accounts import views as account_views
from core.accounts.login import init_login
from core.accounts.passwords import passwords
from core.admin import views as admin_views
from core.audit import models as audit_models
from core.cli import users_cli, worker_commands
from core.config import PROJECT_ROOT
from core.db import configure_engines
from core.extensions import csrf, db, limiter, migrate
from core.jobs import RELAY_OUTBOX, jobs, outbox, register_periodic
from core.ledger import jobs as ledger_jobs
from core.ledger import models as ledger_models
from core.ledger.cli import ledger_cli
from core.mail import models as mail_models
from core.mail.setup import init_app as init_mail
from core.main import views as main_views
from core.notifications import models as notification_models
from core.notifications import views as notification_views
from core.web import pagecache
from core.web.errors import register_error_handlers
from core.web.ops import configure_logging, register_request_hooks, trust_proxies
from core.web.templating import register_template_helpers

#: The modules that define the core's tables: imported here, so that every table is mapped
#: before Alembic compares the models with the migrations.
MODEL_MODULES = (
    account_models,
    audit_models,
    ledger_models,
    notification_models,
    outbox,
    mail_models,
    security_models,
)


def init_app(app: Flask) -> None:
    """Connect logging, proxies, the extensions, the core's pages (health, accounts, admin,
    notifications), request hooks, error pages, template helpers, commands and the clock."""
    configure_logging(app)
    trust_proxies(app)
    register_extensions(app)
    app.register_blueprint(main_views.bp)
    app.register_blueprint(account_views.bp)
    twofactor_views.init_app(app)  # two-factor sign-in and step-up
    session_views.init_app(app)  # session records, their list and the account's security box
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(notification_views.bp)
    init_mail(app)  # mail preferences, unsubscribe, verification and reset pages, /dev/mail
    register_request_hooks(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_periodic(app, RELAY_OUTBOX, ledger_jobs.VERIFY_LEDGER)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    configure_engines(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    passwords.init_app(app)
    jobs.init_app(app)
    init_login(app)
    pagecache.init_app(app)
    identity_cache.init_app(app)


def register_commands(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(ledger_cli)
    for command in worker_commands:
        app.cli.add_command(command)
