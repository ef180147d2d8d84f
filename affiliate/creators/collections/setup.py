"""Connect collections to an app: their blueprint, and their list on creators' public pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from affiliate.creators.collections import models, queries, views
from affiliate.profiles import hooks as profile_hooks
from affiliate.profiles.models import CreatorProfile

#: The module that defines the collections' tables, mapped before Alembic compares.
MODEL_MODULES = (models,)


def profile_section(profile: CreatorProfile, viewer: Any) -> Mapping[str, Any]:
    """The creator's non-empty collections on their public page (two statements)."""
    return {"collections": queries.collections_of(profile.user_id, public=True)}


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    profile_hooks.add_profile_section(app, profile_section)
