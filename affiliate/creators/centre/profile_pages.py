"""What creators add to the pages of ``affiliate.profiles``, which stand below them: a creator's
videos and a seller's code panel on the public profile, and the figures the directory measures
(GMV from commissions, the funnel from the daily rollups).

``connect(app)`` registers them through ``affiliate.profiles.hooks``, from the centre's
``init_app``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.sql import Subquery

from affiliate.creators.attribution.codes import codes_given_to
from affiliate.creators.attribution.forms import GiveCodeForm
from affiliate.creators.attribution.models import Commission, ContentDailyStat
from affiliate.creators.attribution.queries import net_base
from affiliate.creators.content.queries import published_videos_of
from affiliate.creators.content.reminders import reminded_lives, upcoming_lives_of
from affiliate.profiles import hooks
from affiliate.profiles.models import CreatorProfile
from core.accounts.models import Role
from shop.catalog.stores import get_store_for_owner


class MeasuredFigures:
    """The directory's measured figures (``affiliate.profiles.hooks.DirectoryFigures``)."""

    def gmv(
        self, currency: str, since: datetime, creator_ids: Sequence[int] | None = None
    ) -> Subquery:
        """What buyers paid on lines attributed to each creator, net of reversals."""
        query = select(
            Commission.creator_id.label("creator_id"), func.sum(net_base()).label("gmv")
        ).where(Commission.created_at >= since, Commission.currency == currency)
        if creator_ids is not None:
            query = query.where(Commission.creator_id.in_(creator_ids))
        return query.group_by(Commission.creator_id).subquery("measured_gmv")

    def funnel(self, since: datetime, creator_ids: Sequence[int] | None = None) -> Subquery:
        """Orders and product-card clicks per creator, from the daily rollups."""
        stat = ContentDailyStat
        query = select(
            stat.creator_id.label("creator_id"),
            func.sum(stat.orders).label("orders"),
            func.sum(stat.clicks).label("clicks"),
        ).where(stat.product_id == 0, stat.day >= since.date())
        if creator_ids is not None:
            query = query.where(stat.creator_id.in_(creator_ids))
        return query.group_by(stat.creator_id).subquery("measured_funnel")


def videos_section(profile: CreatorProfile, viewer: Any) -> Mapping[str, Any]:
    """The creator's published videos."""
    return {"videos": published_videos_of(profile.user_id)}


def upcoming_lives_section(profile: CreatorProfile, viewer: Any) -> Mapping[str, Any]:
    """The creator's lives on air and to come, and which the viewer has a reminder of."""
    lives = upcoming_lives_of(profile.user_id)
    viewer_id = viewer.id if viewer.is_authenticated else None
    return {
        "upcoming_lives": lives,
        "reminded_lives": reminded_lives(viewer_id, [live.id for live in lives]),
    }


def code_panel_section(profile: CreatorProfile, viewer: Any) -> Mapping[str, Any]:
    """For a seller with a store (other than the creator): the form to give this creator a
    personal code, and the codes already given."""
    if (
        not viewer.is_authenticated
        or viewer.id == profile.user_id
        or not viewer.has_role(Role.SELLER)
    ):
        return {"code_form": None}
    store = get_store_for_owner(viewer.id)
    if store is None:
        return {"code_form": None}
    return {"code_form": GiveCodeForm(), "codes_given": codes_given_to(store, profile.user_id)}


def connect(app: Flask) -> None:
    """Show videos and the code panel on creators' pages; measure the directory's creators."""
    hooks.add_profile_section(app, upcoming_lives_section)
    hooks.add_profile_section(app, videos_section)
    hooks.add_profile_section(app, code_panel_section)
    hooks.set_directory_figures(app, MeasuredFigures())
