"""Dispute cases about commissions: a seller's about their store, a creator's about her own;
read only (cases are opened and answered on the site)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from affiliate.disputes.models import Dispute, DisputeKind, DisputeState
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
from core.accounts.models import Role
from core.extensions import db
from shop.catalog.stores import get_store_for_owner

routes = Routes(
    "Disputes",
    "Cases about commissions: a seller's contest of a pending commission, a creator's claim of a "
    "missing one or contest of a reversal, each with finance's deadline and answer. A seller "
    "sees the cases about their store, a creator her own. With both roles, `as` chooses.",
)

KINDS = [k.value for k in DisputeKind]
STATES = [s.value for s in DisputeState]
DISPUTE = obj(
    {
        "id": ID_SCHEMA,
        "kind": {"type": "string", "enum": KINDS},
        "state": {"type": "string", "enum": STATES},
        "store_id": ID_SCHEMA,
        "creator_id": ID_SCHEMA,
        "order_id": ID_SCHEMA,
        "order_line_id": ID_SCHEMA,
        "commission_id": {"type": ["integer", "null"]},
        "amount": MONEY_SCHEMA,
        "reason": {"type": "string"},
        "opened_at": TIME_SCHEMA,
        "answer_by": TIME_SCHEMA,
        "closed_at": TIME_OR_NULL,
        "answer": {"type": ["string", "null"]},
    }
)
AS_PARAM = Param(
    "as",
    {"type": "string", "enum": ["seller", "creator"]},
    "Whose cases: about your store (seller) or your own (creator).",
)


def dispute_json(d: Dispute) -> dict[str, Any]:
    return {
        "id": d.id,
        "kind": d.kind,
        "state": d.state,
        "store_id": d.store_id,
        "creator_id": d.creator_id,
        "order_id": d.order_id,
        "order_line_id": d.order_line_id,
        "commission_id": d.commission_id,
        "amount": money(d.amount, d.currency),
        "reason": d.reason,
        "opened_at": timestamp(d.opened_at),
        "answer_by": timestamp(d.answer_by),
        "closed_at": timestamp(d.closed_at),
        "answer": d.answer,
    }


def _visible(call: Call) -> Any:
    """The condition naming the cases this caller may see."""
    side = call.query.get("as")
    if side is None:
        side = "seller" if call.user.has_role(Role.SELLER) else "creator"
    if side == "seller" and call.user.has_role(Role.SELLER):
        store = get_store_for_owner(call.user.id)
        return Dispute.store_id == (store.id if store else -1)
    if side == "creator" and call.user.has_role(Role.CREATOR):
        return Dispute.creator_id == call.user.id
    return Dispute.id == -1


@routes.get(
    "/disputes",
    scope="commissions:read",
    response=page_schema(DISPUTE),
    params=(
        AS_PARAM,
        Param("state", {"type": "string", "enum": STATES}),
        Param("kind", {"type": "string", "enum": KINDS}),
        *CURSOR_PARAMS,
    ),
    paginated=True,
)
def list_disputes(call: Call) -> dict[str, Any]:
    """List dispute cases, newest first, by state and kind."""
    query = select(Dispute).where(_visible(call))
    if "state" in call.query:
        query = query.where(Dispute.state == call.query["state"])
    if "kind" in call.query:
        query = query.where(Dispute.kind == call.query["kind"])
    rows, cursor = paginate(call, query, Dispute.id)
    return page_of([dispute_json(d) for d in rows], cursor)


@routes.get(
    "/disputes/<int:dispute_id>",
    scope="commissions:read",
    response=DISPUTE,
    params=(AS_PARAM,),
    errors=[404],
)
def get_dispute(call: Call, dispute_id: int) -> dict[str, Any]:
    """Get one dispute case."""
    found = (
        db.session.scalar(select(Dispute).where(Dispute.id == dispute_id, _visible(call)))
        if dispute_id < 2**63
        else None
    )
    if found is None:
        raise not_found("dispute")
    return dispute_json(found)
