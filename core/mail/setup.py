"""Connect mail to an app: its pages (preferences, unsubscribe, development mail page)."""

from __future__ import annotations

from flask import Flask

from core.accounts import recovery_views
from core.mail import views


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.register_blueprint(recovery_views.bp)
    if not app.config.get("MAIL_URL"):
        app.logger.info(
            "MAIL_URL is not set: mail is written to %s and shown on /dev/mail",
            app.config.get("MAIL_DIR") or "instance/mail",
        )
