"""What the creator pages show from the packages above profiles, asked of whoever registered.

Profiles stand below plans and creators (DESIGN.md, "Which way the packages lean"), so they never
import them. The public profile page adds the *sections* those packages register (plans: the
showcase; creators: the videos and a seller's code panel), and the directory sorts and filters by
the *figures* creators measure. A package registers its answers on the app when the factory
connects it; with none registered the pages show the profile alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy.sql import Subquery

from affiliate.profiles.models import CreatorProfile

#: ``section(profile, viewer)``: what one package adds to the context of ``profile``'s page, for
#: ``viewer`` (the signed-in user, or the anonymous one).
ProfileSection = Callable[[CreatorProfile, Any], Mapping[str, Any]]


class DirectoryFigures(Protocol):
    """What creators measured since a moment, as subqueries with one row per ``creator_id``."""

    def gmv(
        self, currency: str, since: datetime, creator_ids: Sequence[int] | None = None
    ) -> Subquery:
        """Columns ``creator_id`` and ``gmv``: what buyers paid through the creator, net of
        reversals, in minor units of ``currency``."""
        ...

    def funnel(self, since: datetime, creator_ids: Sequence[int] | None = None) -> Subquery:
        """Columns ``creator_id``, ``orders`` and ``clicks`` (product-card taps)."""
        ...


@dataclass
class ProfileHooks:
    sections: list[ProfileSection] = field(default_factory=list)
    figures: DirectoryFigures | None = None


def _hooks(app: Flask) -> ProfileHooks:
    return app.extensions.setdefault("profiles", ProfileHooks())


def add_profile_section(app: Flask, section: ProfileSection) -> None:
    """Show ``section`` on every creator's page (once, however often it is registered)."""
    sections = _hooks(app).sections
    if section not in sections:
        sections.append(section)


def set_directory_figures(app: Flask, figures: DirectoryFigures) -> None:
    """Measure the directory's creators with ``figures``."""
    _hooks(app).figures = figures


def profile_sections() -> list[ProfileSection]:
    return list(_hooks(current_app).sections)


def directory_figures() -> DirectoryFigures | None:
    return _hooks(current_app).figures
