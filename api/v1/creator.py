"""Creator: their profile, showcase and content with its figures."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from affiliate.creators.attribution.models import Commission
from affiliate.creators.content.models import Content, ContentKind, ContentStatus
from affiliate.plans import memberships, showcase
from affiliate.plans.commission.rule import AppliedRate
from affiliate.profiles import services as profiles
from affiliate.profiles.models import CreatorProfile
from affiliate.profiles.services import ProfileInput
from api.v1.framework import Call, Param, Routes, not_found
from api.v1.pagination import CURSOR_PARAMS, page_of, paginate
from api.v1.representation import (
    ID_SCHEMA,
    MONEY_SCHEMA,
    TIME_OR_NULL,
    TIME_SCHEMA,
    money,
    obj,
    page_schema,
    timestamp,
)
from core.extensions import db

routes = Routes(
    "Creator",
    "A creator's own profile, showcase and content (scope area `creators`).",
)

PROFILE = obj(
    {
        "user_id": ID_SCHEMA,
        "handle": {"type": "string"},
        "display_name": {"type": "string"},
        "bio": {"type": "string"},
        "follower_count": {"type": "integer"},
        "avg_views": {"type": "integer"},
        "category_ids": {"type": "array", "items": ID_SCHEMA},
        "created_at": TIME_SCHEMA,
    }
)
PROFILE_IN = obj(
    {
        "handle": {"type": "string", "minLength": 1, "maxLength": 30},
        "display_name": {"type": "string", "minLength": 1, "maxLength": 80},
        "bio": {"type": "string", "maxLength": 2000},
        "follower_count": {"type": "integer", "minimum": 0, "maximum": 2_000_000_000},
        "avg_views": {"type": "integer", "minimum": 0, "maximum": 2_000_000_000},
        "category_ids": {"type": "array", "maxItems": 10, "items": ID_SCHEMA},
    },
    required=[],
)
RATE_NOW = {
    "oneOf": [
        obj(
            {
                "plan_id": ID_SCHEMA,
                "plan_name": {"type": "string"},
                "kind": {"type": "string"},
                "rate_bps": {"type": "integer"},
            }
        ),
        {"type": "null"},
    ]
}
SHOWCASE_ITEM = obj(
    {
        "product_id": ID_SCHEMA,
        "title": {"type": "string"},
        "price": MONEY_SCHEMA,
        "store_id": ID_SCHEMA,
        "added_at": TIME_SCHEMA,
        "rate_now": RATE_NOW,
    }
)
SHOWCASE = obj({"data": {"type": "array", "items": SHOWCASE_ITEM}})
SHOWCASE_IN = obj({"product_id": ID_SCHEMA})
SHOWCASE_ADDED = obj(
    {
        "product_id": ID_SCHEMA,
        "in_showcase": {"type": "boolean"},
        "awaiting_approval": {"type": "boolean"},
        "rate_now": RATE_NOW,
    }
)
CONTENT = obj(
    {
        "id": ID_SCHEMA,
        "kind": {"type": "string", "enum": [k.value for k in ContentKind]},
        "title": {"type": "string"},
        "status": {"type": "string", "enum": [s.value for s in ContentStatus]},
        "live_state": {"type": ["string", "null"]},
        "product_ids": {"type": "array", "items": ID_SCHEMA},
        "created_at": TIME_SCHEMA,
        "scheduled_at": TIME_OR_NULL,
        "figures": obj(
            {
                "views": {"type": "integer"},
                "clicks": {"type": "integer"},
                "orders": {"type": "integer"},
                "commission": {"type": "array", "items": MONEY_SCHEMA},
            }
        ),
    }
)


def _rate(applied: AppliedRate | None) -> dict[str, Any] | None:
    if applied is None:
        return None
    return {
        "plan_id": applied.plan_id,
        "plan_name": applied.plan_name,
        "kind": applied.kind.value,
        "rate_bps": applied.rate_bps,
    }


def profile_json(profile: CreatorProfile) -> dict[str, Any]:
    return {
        "user_id": profile.user_id,
        "handle": profile.handle,
        "display_name": profile.display_name,
        "bio": profile.bio,
        "follower_count": profile.follower_count,
        "avg_views": profile.avg_views,
        "category_ids": sorted(c.category_id for c in profile.categories),
        "created_at": timestamp(profile.created_at),
    }


def _own_profile(call: Call) -> CreatorProfile:
    profile = profiles.profile_for_user(call.user.id)
    if profile is None:
        raise not_found("creator profile: make it on the site first")
    return profile


@routes.get("/creator/profile", scope="creators:read", response=PROFILE, errors=[404])
def get_profile(call: Call) -> dict[str, Any]:
    """Get your creator profile."""
    return profile_json(_own_profile(call))


@routes.patch(
    "/creator/profile", scope="creators:write", body=PROFILE_IN, response=PROFILE, errors=[404]
)
def update_profile(call: Call) -> dict[str, Any]:
    """Change your creator profile (fields left out keep their values)."""
    profile = _own_profile(call)
    body = call.body
    data = ProfileInput(
        handle=body.get("handle", profile.handle),
        display_name=body.get("display_name", profile.display_name),
        bio=body.get("bio", profile.bio),
        follower_count=body.get("follower_count", profile.follower_count),
        avg_views=body.get("avg_views", profile.avg_views),
        category_ids=body.get("category_ids", [c.category_id for c in profile.categories]),
    )
    saved, _ = profiles.save_profile(call.user, data)
    call.about("creator_profile", saved.id)
    return profile_json(saved)


@routes.get("/creator/showcase", scope="creators:read", response=SHOWCASE)
def get_showcase(call: Call) -> dict[str, Any]:
    """List your showcase, newest first, with the rate a sale pays now."""
    rows = showcase.showcase_of(call.user.id)
    return {
        "data": [
            {
                "product_id": row.product.id,
                "title": row.product.title,
                "price": money(row.product.price, row.product.currency),
                "store_id": row.product.store_id,
                "added_at": timestamp(row.item.added_at),
                "rate_now": _rate(row.applied),
            }
            for row in rows
        ]
    }


@routes.post(
    "/creator/showcase",
    scope="creators:write",
    body=SHOWCASE_IN,
    response=SHOWCASE_ADDED,
    errors=[404, 409],
)
def add_to_showcase(call: Call) -> dict[str, Any]:
    """Add a product to your showcase, joining the open plan that applies (or asking to)."""
    added = memberships.add_to_showcase(call.user.id, call.body["product_id"])
    call.about("product", added.product.id)
    return {
        "product_id": added.product.id,
        "in_showcase": added.item is not None,
        "awaiting_approval": added.awaiting is not None,
        "rate_now": _rate(added.now),
    }


@routes.post(
    "/creator/showcase/<int:product_id>/remove",
    scope="creators:write",
    response=obj({"removed": {"type": "boolean"}}),
    errors=[404],
)
def remove_from_showcase(call: Call, product_id: int) -> dict[str, Any]:
    """Take a product out of your showcase."""
    if product_id >= 2**63 or not showcase.remove_from_showcase(call.user.id, product_id):
        raise not_found("product in your showcase")
    call.about("product", product_id)
    return {"removed": True}


def _figures(content_ids: list[int]) -> dict[int, tuple[int, dict[str, int]]]:
    """Orders and net commission (per currency) of each content, in one query."""
    found: dict[int, tuple[int, dict[str, int]]] = {i: (0, {}) for i in content_ids}
    if not content_ids:
        return found
    query = (
        select(
            Commission.content_id,
            Commission.currency,
            func.count(Commission.id),
            func.sum(Commission.amount - Commission.reversed_amount),
        )
        .where(Commission.content_id.in_(content_ids))
        .group_by(Commission.content_id, Commission.currency)
    )
    for content_id, currency, orders, net in db.session.execute(query):
        if content_id is None:
            continue
        count, amounts = found[content_id]
        amounts[currency] = int(net or 0)
        found[content_id] = (count + int(orders), amounts)
    return found


def content_json(content: Content, figures: tuple[int, dict[str, int]]) -> dict[str, Any]:
    orders, amounts = figures
    return {
        "id": content.id,
        "kind": content.kind,
        "title": content.title,
        "status": content.status,
        "live_state": content.live_state,
        "product_ids": [p.product_id for p in content.products],
        "created_at": timestamp(content.created_at),
        "scheduled_at": timestamp(content.scheduled_at),
        "figures": {
            "views": content.view_count,
            "clicks": content.click_count,
            "orders": orders,
            "commission": [money(a, c) for c, a in sorted(amounts.items())],
        },
    }


@routes.get(
    "/creator/content",
    scope="creators:read",
    response=page_schema(CONTENT),
    params=(
        Param("kind", {"type": "string", "enum": [k.value for k in ContentKind]}),
        *CURSOR_PARAMS,
    ),
    paginated=True,
)
def list_content(call: Call) -> dict[str, Any]:
    """List your videos and lives, newest first, with views, clicks, orders and commission."""
    query = (
        select(Content)
        .where(Content.creator_id == call.user.id)
        .options(selectinload(Content.products))
    )
    if "kind" in call.query:
        query = query.where(Content.kind == call.query["kind"])
    rows, cursor = paginate(call, query, Content.id)
    figures = _figures([c.id for c in rows])
    return page_of([content_json(c, figures[c.id]) for c in rows], cursor)


@routes.get(
    "/creator/content/<int:content_id>", scope="creators:read", response=CONTENT, errors=[404]
)
def get_content(call: Call, content_id: int) -> dict[str, Any]:
    """Get one of your videos or lives with its figures."""
    content = db.session.get(Content, content_id) if content_id < 2**63 else None
    if content is None or content.creator_id != call.user.id:
        raise not_found("content")
    return content_json(content, _figures([content.id])[content.id])
