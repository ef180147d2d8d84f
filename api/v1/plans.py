"""Seller: affiliate plans: list, create, change rates (with the notice rules), invite."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select

from affiliate.plans import memberships, rates, services
from affiliate.plans.models import MembershipStatus, Plan, PlanKind, PlanRate, PlanStatus
from affiliate.plans.rates import MAX_RATE_BPS, MIN_RATE_BPS
from api.v1.framework import Call, Param, Routes, not_found
from api.v1.pagination import CURSOR_PARAMS, page_of, paginate
from api.v1.problems import FieldError, validation_problem
from api.v1.representation import ID_SCHEMA, TIME_OR_NULL, TIME_SCHEMA, obj, page_schema, timestamp
from api.v1.validation import parse_datetime
from core.extensions import db
from core.types import utcnow
from shop.catalog.stores import get_store_for_owner

routes = Routes("Plans", "A seller's targeted, open and store plans and their rates.")

RATE_SCHEMA = {"type": "integer", "minimum": MIN_RATE_BPS, "maximum": MAX_RATE_BPS}
RATE = obj(
    {
        "product_id": {"type": ["integer", "null"]},
        "rate_bps": {"type": "integer"},
        "effective_at": TIME_SCHEMA,
        "announced_at": TIME_SCHEMA,
    }
)
PLAN_SUMMARY_FIELDS: dict[str, Any] = {
    "id": ID_SCHEMA,
    "kind": {"type": "string", "enum": [k.value for k in PlanKind]},
    "name": {"type": "string"},
    "status": {"type": "string", "enum": [s.value for s in PlanStatus]},
    "message": {"type": "string"},
    "manual_approval": {"type": "boolean"},
    "starts_at": TIME_SCHEMA,
    "ends_at": TIME_OR_NULL,
    "created_at": TIME_SCHEMA,
}
PLAN_SUMMARY = obj(PLAN_SUMMARY_FIELDS)
PLAN = obj(
    {
        **PLAN_SUMMARY_FIELDS,
        "rates": {"type": "array", "items": RATE, "description": "Rates in effect now."},
        "scheduled_rates": {
            "type": "array",
            "items": RATE,
            "description": "Announced changes (cuts waiting out their notice).",
        },
    }
)
PLAN_IN = obj(
    {
        "kind": {"type": "string", "enum": [k.value for k in PlanKind]},
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "rate_bps": {**RATE_SCHEMA, "description": "A store plan's one rate."},
        "product_rates": {
            "type": "array",
            "maxItems": 500,
            "items": obj({"product_id": ID_SCHEMA, "rate_bps": RATE_SCHEMA}),
        },
        "creator_ids": {"type": "array", "maxItems": 500, "items": ID_SCHEMA},
        "message": {"type": "string", "maxLength": 1000},
        "manual_approval": {"type": "boolean"},
        "starts_at": {"type": "string", "format": "date-time"},
        "ends_at": {"type": ["string", "null"], "format": "date-time"},
    },
    required=["kind"],
)
RATE_IN = obj(
    {"product_id": {**ID_SCHEMA, "type": ["integer", "null"]}, "rate_bps": RATE_SCHEMA},
    required=["rate_bps"],
)
INVITE_IN = obj(
    {"creator_ids": {"type": "array", "minItems": 1, "maxItems": 500, "items": ID_SCHEMA}}
)
INVITATIONS = obj(
    {
        "invitations": {
            "type": "array",
            "items": obj(
                {
                    "creator_id": ID_SCHEMA,
                    "status": {"type": "string", "enum": [s.value for s in MembershipStatus]},
                }
            ),
        }
    }
)


def rate_json(rate: PlanRate) -> dict[str, Any]:
    return {
        "product_id": rate.product_id,
        "rate_bps": rate.rate_bps,
        "effective_at": timestamp(rate.effective_at),
        "announced_at": timestamp(rate.announced_at),
    }


def summary_json(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.id,
        "kind": plan.kind,
        "name": plan.name,
        "status": plan.status,
        "message": plan.message,
        "manual_approval": plan.manual_approval,
        "starts_at": timestamp(plan.starts_at),
        "ends_at": timestamp(plan.ends_at),
        "created_at": timestamp(plan.created_at),
    }


def plan_json(plan: Plan) -> dict[str, Any]:
    now = utcnow()
    current = sorted(
        rates.current_rates(plan, now).values(), key=lambda r: (r.product_id or 0, r.id)
    )
    return {
        **summary_json(plan),
        "rates": [rate_json(r) for r in current],
        "scheduled_rates": [rate_json(r) for r in rates.scheduled_rates(plan, now)],
    }


def owned_plan(call: Call, plan_id: int) -> Plan:
    store = get_store_for_owner(call.user.id)
    plan = db.session.get(Plan, plan_id) if store and plan_id < 2**63 else None
    if plan is None or store is None or plan.store_id != store.id:
        raise not_found("plan")
    return plan


def _notice_days() -> int:
    return int(current_app.config.get("PLAN_RATE_CUT_NOTICE_DAYS", 30))


@routes.get(
    "/plans",
    scope="plans:read",
    response=page_schema(PLAN_SUMMARY),
    params=(
        Param("kind", {"type": "string", "enum": [k.value for k in PlanKind]}),
        Param("status", {"type": "string", "enum": [s.value for s in PlanStatus]}),
        *CURSOR_PARAMS,
    ),
    paginated=True,
)
def list_plans(call: Call) -> dict[str, Any]:
    """List the store's plans, newest first."""
    store = get_store_for_owner(call.user.id)
    if store is None:
        return page_of([], None)
    query = select(Plan).where(Plan.store_id == store.id)
    if "kind" in call.query:
        query = query.where(Plan.kind == call.query["kind"])
    if "status" in call.query:
        query = query.where(Plan.status == call.query["status"])
    rows, cursor = paginate(call, query, Plan.id)
    return page_of([summary_json(p) for p in rows], cursor)


@routes.get("/plans/<int:plan_id>", scope="plans:read", response=PLAN, errors=[404])
def get_plan(call: Call, plan_id: int) -> dict[str, Any]:
    """Get one plan with its rates now and its announced changes."""
    return plan_json(owned_plan(call, plan_id))


@routes.post(
    "/plans", scope="plans:write", body=PLAN_IN, response=PLAN, status=201, errors=[404, 409]
)
def create_plan(call: Call) -> tuple[dict[str, Any], int]:
    """Create a store plan (`rate_bps`), an open plan or a targeted plan (`creator_ids`)."""
    store = get_store_for_owner(call.user.id)
    if store is None:
        raise not_found("store: open your store in the Seller centre first")
    body = call.body
    kind = body["kind"]
    if kind == PlanKind.STORE.value:
        if "rate_bps" not in body:
            raise validation_problem([FieldError("rate_bps", "is required for a store plan")])
        plan = services.create_store_plan(store, body["rate_bps"], actor_id=call.user.id)
    else:
        product_rates = {
            row["product_id"]: row["rate_bps"] for row in body.get("product_rates", [])
        }
        starts_at = parse_datetime(body["starts_at"]) if "starts_at" in body else utcnow()
        ends_at = parse_datetime(body["ends_at"]) if body.get("ends_at") else None
        common: dict[str, Any] = {
            "name": body.get("name", ""),
            "product_rates": product_rates,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "actor_id": call.user.id,
        }
        if kind == PlanKind.OPEN.value:
            plan = services.create_open_plan(
                store, manual_approval=body.get("manual_approval", False), **common
            )
        else:
            plan = services.create_targeted_plan(
                store,
                creator_ids=body.get("creator_ids", []),
                message=body.get("message", ""),
                **common,
            )
    call.about("plan", plan.id)
    return plan_json(plan), 201


@routes.post(
    "/plans/<int:plan_id>/rates",
    scope="plans:write",
    body=RATE_IN,
    response=RATE,
    errors=[404, 409],
)
def change_rate(call: Call, plan_id: int) -> dict[str, Any]:
    """Change a product's rate (a store plan: `product_id` null). A raise applies at once; a cut
    of a rate creators promote waits out the notice period (see `effective_at`)."""
    plan = owned_plan(call, plan_id)
    rate = rates.change_rate(
        plan,
        call.body.get("product_id"),
        call.body["rate_bps"],
        notice_days=_notice_days(),
        actor_id=call.user.id,
    )
    call.about("plan", plan.id)
    return rate_json(rate)


@routes.post(
    "/plans/<int:plan_id>/invitations",
    scope="plans:write",
    body=INVITE_IN,
    response=INVITATIONS,
    errors=[404, 409],
)
def invite_creators(call: Call, plan_id: int) -> dict[str, Any]:
    """Invite creators (by user id, from the directory) to a targeted plan."""
    plan = owned_plan(call, plan_id)
    invited = memberships.invite(plan, call.body["creator_ids"], actor_id=call.user.id)
    call.about("plan", plan.id)
    return {"invitations": [{"creator_id": m.creator_id, "status": m.status} for m in invited]}
