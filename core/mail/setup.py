"""Connect mail to an app: its pages (preferences, unsubscribe, verification and reset,
the development mail page), after checking that ``MAIL_URL`` can be understood."""

from __future__ import annotations

from flask import Flask

from core.accounts import recovery_views
from core.mail import views
from core.mail.transports import MEMORY_URL, parse_mail_url


def init_app(app: Flask) -> None:
    check_mail_settings(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(recovery_views.bp)


def check_mail_settings(app: Flask) -> None:
    """Fail at start on a ``MAIL_URL`` that is not SMTP; say where mail goes otherwise."""
    url = (app.config.get("MAIL_URL") or "").strip()
    if url and url != MEMORY_URL and not url.startswith("file:"):
        parse_mail_url(url)  # raises MailConfigError: better now than at the first mail
    elif not url:
        app.logger.info(
            "MAIL_URL is not set: mail is written to %s and shown on /dev/mail",
            app.config.get("MAIL_DIR") or "instance/mail",
        )
    if app.config.get("ENV_NAME") == "production":
        if not url:
            app.logger.warning("MAIL_URL is not set in production: no mail leaves this server")
        if not app.config.get("PUBLIC_BASE_URL"):
            app.logger.warning(
                "PUBLIC_BASE_URL is not set: links in mail sent by background jobs point at "
                "127.0.0.1"
            )
