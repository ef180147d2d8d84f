"""Connect messages to an app."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_login import current_user

from affiliate.messages import models, services, views

#: The module that defines the messages' tables, mapped before Alembic compares.
MODEL_MODULES = (models,)


def unread_messages() -> int:
    """The signed-in user's unread messages (one statement per request), else 0."""
    if not current_user.is_authenticated:
        return 0
    if "unread_messages" not in g:
        g.unread_messages = services.unread_total(current_user.id)
    count: int = g.unread_messages
    return count


def init_app(app: Flask) -> None:
    """Connect the message pages, the admins' report list and the menu's unread count."""
    app.register_blueprint(views.bp)

    @app.context_processor
    def _unread() -> dict[str, Any]:
        return {"unread_messages": unread_messages}
