"""Connect messages to an app."""

from __future__ import annotations

from flask import Flask

from affiliate.messages import models, views
from affiliate.messages.services import NOTICE_KIND_PREFIX
from core.web.templating import add_menu_badge

#: The module that defines the messages' tables, mapped before Alembic compares.
MODEL_MODULES = (models,)


def init_app(app: Flask) -> None:
    """Connect the message pages and the admins' report list; the menu's Messages badge counts
    the conversations with unread messages (their unread notices, counted with the bell's)."""
    app.register_blueprint(views.bp)
    add_menu_badge(app, NOTICE_KIND_PREFIX)
