"""Seller: the creator directory, searched as on the Seller centre's page."""

from __future__ import annotations

from typing import Any

from flask import current_app

from affiliate.profiles import hooks
from affiliate.profiles import queries as directory
from affiliate.profiles.models import CreatorProfile
from api.v1.framework import Call, Param, Routes
from api.v1.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_page, encode_page
from api.v1.representation import (
    ID_SCHEMA,
    MONEY_SCHEMA,
    TIME_SCHEMA,
    money,
    obj,
    page_schema,
    timestamp,
)

routes = Routes("Creator directory", "Creators a seller can find and invite to plans.")

SORTS = [s.value for s in directory.DirectorySort]
CREATOR = obj(
    {
        "user_id": {**ID_SCHEMA, "description": "The id to invite to a targeted plan."},
        "handle": {"type": "string"},
        "display_name": {"type": "string"},
        "bio": {"type": "string"},
        "follower_count": {"type": "integer"},
        "avg_views": {"type": "integer"},
        "category_ids": {"type": "array", "items": ID_SCHEMA},
        "gmv_90d": MONEY_SCHEMA,
        "orders_90d": {"type": "integer"},
        "clicks_90d": {"type": "integer"},
        "created_at": TIME_SCHEMA,
    }
)


def creator_json(profile: CreatorProfile, figures: directory.Measured, currency: str) -> dict:
    return {
        "user_id": profile.user_id,
        "handle": profile.handle,
        "display_name": profile.display_name,
        "bio": profile.bio,
        "follower_count": profile.follower_count,
        "avg_views": profile.avg_views,
        "category_ids": sorted(c.category_id for c in profile.categories),
        "gmv_90d": money(figures.gmv, currency),
        "orders_90d": figures.orders,
        "clicks_90d": figures.clicks,
        "created_at": timestamp(profile.created_at),
    }


@routes.get(
    "/creators",
    scope="creators:read",
    response=page_schema(CREATOR),
    params=(
        Param("q", {"type": "string", "maxLength": 100}, "Name, handle or bio."),
        Param("category_id", ID_SCHEMA),
        Param("min_followers", {"type": "integer", "minimum": 0, "maximum": 2_000_000_000}),
        Param("max_followers", {"type": "integer", "minimum": 0, "maximum": 2_000_000_000}),
        Param("min_views", {"type": "integer", "minimum": 0, "maximum": 2_000_000_000}),
        Param("sort", {"type": "string", "enum": SORTS}),
        Param("cursor", {"type": "string", "maxLength": 200}),
        Param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
    ),
    paginated=True,
)
def search_creators(call: Call) -> dict[str, Any]:
    """Search the creator directory, with the figures measured over 90 days."""
    q = call.query
    currency = current_app.config.get("DEFAULT_CURRENCY", "USD")
    page_number = decode_page(q.get("cursor"))
    query = directory.DirectoryQuery(
        text=q.get("q", ""),
        category_id=q.get("category_id"),
        min_followers=q.get("min_followers"),
        max_followers=q.get("max_followers"),
        min_views=q.get("min_views"),
        sort=directory.DirectorySort(q.get("sort", directory.DirectorySort.FOLLOWERS.value)),
        page=page_number,
        per_page=q.get("limit", DEFAULT_LIMIT),
        currency=currency,
    )
    page = directory.search_directory(query, hooks.directory_figures())
    more = page.page == page_number and page.has_next
    return {
        "data": [creator_json(p, page.figures(p.user_id), currency) for p in page.items],
        "next_cursor": encode_page(page_number + 1) if more else None,
    }
