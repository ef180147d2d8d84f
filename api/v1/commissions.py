"""Commissions: a seller's on their products, a creator's own; by state and date."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from affiliate.creators.attribution.models import Commission, CommissionState
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
from api.v1.validation import parse_datetime
from core.accounts.models import Role
from core.extensions import db
from shop.catalog.stores import get_store_for_owner

routes = Routes(
    "Commissions",
    "Commissions earned on order lines: a seller sees those on their products, a creator their "
    "own. With both roles, `as` chooses.",
)

STATES = [s.value for s in CommissionState]
COMMISSION = obj(
    {
        "id": ID_SCHEMA,
        "order_id": ID_SCHEMA,
        "order_line_id": ID_SCHEMA,
        "store_id": ID_SCHEMA,
        "creator_id": ID_SCHEMA,
        "product_id": ID_SCHEMA,
        "content_id": {"type": ["integer", "null"]},
        "plan_id": ID_SCHEMA,
        "plan_kind": {"type": "string"},
        "rate_bps": {"type": "integer"},
        "base": MONEY_SCHEMA,
        "amount": MONEY_SCHEMA,
        "reversed": MONEY_SCHEMA,
        "net": MONEY_SCHEMA,
        "state": {"type": "string", "enum": STATES},
        "created_at": TIME_SCHEMA,
        "settled_at": TIME_OR_NULL,
        "reversed_at": TIME_OR_NULL,
    }
)
AS_PARAM = Param(
    "as",
    {"type": "string", "enum": ["seller", "creator"]},
    "Whose commissions: on your store's products (seller) or your own (creator).",
)


def commission_json(c: Commission) -> dict[str, Any]:
    return {
        "id": c.id,
        "order_id": c.order_id,
        "order_line_id": c.order_line_id,
        "store_id": c.store_id,
        "creator_id": c.creator_id,
        "product_id": c.product_id,
        "content_id": c.content_id,
        "plan_id": c.plan_id,
        "plan_kind": c.plan_kind,
        "rate_bps": c.rate_bps,
        "base": money(c.base_amount, c.currency),
        "amount": money(c.amount, c.currency),
        "reversed": money(c.reversed_amount, c.currency),
        "net": money(c.net_amount, c.currency),
        "state": c.state,
        "created_at": timestamp(c.created_at),
        "settled_at": timestamp(c.settled_at),
        "reversed_at": timestamp(c.reversed_at),
    }


def _visible(call: Call) -> Any:
    """The condition naming the commissions this caller may see."""
    side = call.query.get("as")
    if side is None:
        side = "seller" if call.user.has_role(Role.SELLER) else "creator"
    if side == "seller" and call.user.has_role(Role.SELLER):
        store = get_store_for_owner(call.user.id)
        return Commission.store_id == (store.id if store else -1)
    if side == "creator" and call.user.has_role(Role.CREATOR):
        return Commission.creator_id == call.user.id
    return Commission.id == -1


@routes.get(
    "/commissions",
    scope="commissions:read",
    response=page_schema(COMMISSION),
    params=(
        AS_PARAM,
        Param("state", {"type": "string", "enum": STATES}),
        Param("created_from", {"type": "string", "format": "date-time"}, "Earned at or after."),
        Param("created_to", {"type": "string", "format": "date-time"}, "Earned before."),
        *CURSOR_PARAMS,
    ),
    paginated=True,
)
def list_commissions(call: Call) -> dict[str, Any]:
    """List commissions, newest first, by state and date."""
    query = select(Commission).where(_visible(call))
    if "state" in call.query:
        query = query.where(Commission.state == call.query["state"])
    if "created_from" in call.query:
        query = query.where(Commission.created_at >= parse_datetime(call.query["created_from"]))
    if "created_to" in call.query:
        query = query.where(Commission.created_at < parse_datetime(call.query["created_to"]))
    rows, cursor = paginate(call, query, Commission.id)
    return page_of([commission_json(c) for c in rows], cursor)


@routes.get(
    "/commissions/<int:commission_id>",
    scope="commissions:read",
    response=COMMISSION,
    params=(AS_PARAM,),
    errors=[404],
)
def get_commission(call: Call, commission_id: int) -> dict[str, Any]:
    """Get one commission."""
    found = (
        db.session.scalar(select(Commission).where(Commission.id == commission_id, _visible(call)))
        if commission_id < 2**63
        else None
    )
    if found is None:
        raise not_found("commission")
    return commission_json(found)
