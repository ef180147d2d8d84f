"""Seller: promotions: product discounts and vouchers: list, create, end early."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from api.v1.framework import Call, Param, Routes, not_found
from api.v1.pagination import CURSOR_PARAMS, page_of, paginate
from api.v1.problems import FieldError, validation_problem
from api.v1.representation import (
    ID_SCHEMA,
    MONEY_OR_NULL,
    MONEY_SCHEMA,
    TIME_OR_NULL,
    TIME_SCHEMA,
    money,
    obj,
    page_schema,
    timestamp,
)
from api.v1.validation import parse_datetime
from core.money import to_decimal
from core.types import utcnow
from shop.catalog.models import Store
from shop.catalog.stores import get_store_for_owner
from shop.promotions import services
from shop.promotions.models import (
    DiscountKind,
    ProductDiscount,
    PromotionKind,
    PromotionState,
    Voucher,
    VoucherScope,
)

routes = Routes("Promotions", "A seller's product discounts and vouchers.")

STATES = [s.value for s in PromotionState]
KINDS = [k.value for k in DiscountKind]
WINDOW = {
    "state": {"type": "string", "enum": STATES},
    "starts_at": TIME_SCHEMA,
    "ends_at": TIME_SCHEMA,
    "ended_at": TIME_OR_NULL,
    "created_at": TIME_SCHEMA,
}
VALUE = {
    "kind": {"type": "string", "enum": KINDS},
    "percent_bps": {"type": ["integer", "null"]},
    "amount_off": MONEY_OR_NULL,
}
DISCOUNT = obj(
    {
        "id": ID_SCHEMA,
        "name": {"type": "string"},
        **VALUE,
        "product_ids": {"type": "array", "items": ID_SCHEMA},
        "variant_ids": {"type": "array", "items": ID_SCHEMA},
        **WINDOW,
    }
)
VOUCHER = obj(
    {
        "id": ID_SCHEMA,
        "code": {"type": "string"},
        "name": {"type": "string"},
        **VALUE,
        "cap": MONEY_OR_NULL,
        "min_spend": MONEY_SCHEMA,
        "scope": {"type": "string", "enum": [s.value for s in VoucherScope]},
        "product_ids": {"type": "array", "items": ID_SCHEMA},
        "public": {"type": "boolean"},
        "total_uses": {"type": ["integer", "null"]},
        "used_count": {"type": "integer"},
        "per_buyer_limit": {"type": "integer"},
        **WINDOW,
    }
)
VALUE_IN = {
    "kind": {"type": "string", "enum": KINDS},
    "percent_bps": {"type": "integer", "minimum": 1, "maximum": 10_000},
    "amount_off": {"type": "integer", "minimum": 1, "description": "Minor units."},
    "starts_at": {"type": "string", "format": "date-time", "description": "Default: now."},
    "ends_at": {"type": "string", "format": "date-time"},
}
DISCOUNT_IN = obj(
    {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        **VALUE_IN,
        "product_ids": {"type": "array", "maxItems": 500, "items": ID_SCHEMA},
        "variant_ids": {"type": "array", "maxItems": 500, "items": ID_SCHEMA},
    },
    required=["name", "kind", "ends_at"],
)
VOUCHER_IN = obj(
    {
        "code": {"type": "string", "minLength": 1, "maxLength": 32},
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        **VALUE_IN,
        "cap": {"type": "integer", "minimum": 1, "description": "Minor units (percent only)."},
        "min_spend": {"type": "integer", "minimum": 0},
        "scope": {"type": "string", "enum": [s.value for s in VoucherScope]},
        "product_ids": {"type": "array", "maxItems": 500, "items": ID_SCHEMA},
        "total_uses": {"type": ["integer", "null"], "minimum": 1, "maximum": 1_000_000_000},
        "per_buyer_limit": {"type": "integer", "minimum": 1, "maximum": 1000},
        "public": {"type": "boolean"},
    },
    required=["code", "name", "kind", "ends_at"],
)
STATE_PARAM = Param("state", {"type": "string", "enum": STATES}, "Scheduled, running or ended.")


def _value_json(p: ProductDiscount | Voucher, currency: str) -> dict[str, Any]:
    return {
        "kind": p.kind,
        "percent_bps": p.percent_bps,
        "amount_off": money(p.amount_off, currency),
    }


def _window_json(p: ProductDiscount | Voucher) -> dict[str, Any]:
    return {
        "state": p.state.value,
        "starts_at": timestamp(p.starts_at),
        "ends_at": timestamp(p.ends_at),
        "ended_at": timestamp(p.ended_at),
        "created_at": timestamp(p.created_at),
    }


def discount_json(d: ProductDiscount, currency: str) -> dict[str, Any]:
    return {
        "id": d.id,
        "name": d.name,
        **_value_json(d, currency),
        "product_ids": sorted({t.product_id for t in d.targets if t.variant_id is None}),
        "variant_ids": sorted({t.variant_id for t in d.targets if t.variant_id is not None}),
        **_window_json(d),
    }


def voucher_json(v: Voucher, currency: str) -> dict[str, Any]:
    return {
        "id": v.id,
        "code": v.code,
        "name": v.name,
        **_value_json(v, currency),
        "cap": money(v.cap_amount, currency),
        "min_spend": money(v.min_spend, currency),
        "scope": v.scope,
        "product_ids": sorted(p.product_id for p in v.products),
        "public": v.public,
        "total_uses": v.total_uses,
        "used_count": v.used_count,
        "per_buyer_limit": v.per_buyer_limit,
        **_window_json(v),
    }


def _store(call: Call) -> Store:
    store = get_store_for_owner(call.user.id)
    if store is None:
        raise not_found("store: open your store in the Seller centre first")
    return store


def _value_text(body: dict[str, Any], currency: str) -> str:
    """The value as the promotions' parser reads a form's field: ``"12.5"`` or ``"5.00"``."""
    if body["kind"] == DiscountKind.PERCENT.value:
        if "percent_bps" not in body:
            raise validation_problem([FieldError("percent_bps", "is required for percent")])
        bps = body["percent_bps"]
        return f"{bps // 100}.{bps % 100:02d}"
    if "amount_off" not in body:
        raise validation_problem([FieldError("amount_off", "is required for fixed")])
    return str(to_decimal(body["amount_off"], currency))


def _window(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "starts_at": parse_datetime(body["starts_at"]) if "starts_at" in body else utcnow(),
        "ends_at": parse_datetime(body["ends_at"]),
    }


def _state_filter(query: Any, model: Any, state: str | None) -> Any:
    now = utcnow()
    if state == PromotionState.RUNNING.value:
        return query.where(model.running_at(now))
    if state == PromotionState.SCHEDULED.value:
        return query.where(model.starts_at > now, model.ended_at.is_(None))
    if state == PromotionState.ENDED.value:
        return query.where((model.ends_at <= now) | (model.ended_at <= now))
    return query


@routes.get(
    "/promotions/discounts",
    scope="promotions:read",
    response=page_schema(DISCOUNT),
    params=(STATE_PARAM, *CURSOR_PARAMS),
    paginated=True,
)
def list_discounts(call: Call) -> dict[str, Any]:
    """List the store's product discounts, newest first."""
    store = _store(call)
    query = select(ProductDiscount).where(ProductDiscount.store_id == store.id)
    query = _state_filter(query, ProductDiscount, call.query.get("state"))
    rows, cursor = paginate(call, query, ProductDiscount.id)
    return page_of([discount_json(d, store.currency) for d in rows], cursor)


@routes.post(
    "/promotions/discounts",
    scope="promotions:write",
    body=DISCOUNT_IN,
    response=DISCOUNT,
    status=201,
    errors=[404],
)
def create_discount(call: Call) -> tuple[dict[str, Any], int]:
    """Create a percentage or amount off whole products and/or single variants."""
    store = _store(call)
    body = call.body
    discount = services.create_product_discount(
        store,
        name=body["name"],
        kind=body["kind"],
        value=_value_text(body, store.currency),
        product_ids=body.get("product_ids", []),
        variant_ids=body.get("variant_ids", []),
        **_window(body),
    )
    call.about("product_discount", discount.id)
    return discount_json(discount, store.currency), 201


@routes.post(
    "/promotions/discounts/<int:discount_id>/end",
    scope="promotions:write",
    response=DISCOUNT,
    errors=[404, 409],
)
def end_discount(call: Call, discount_id: int) -> dict[str, Any]:
    """End a scheduled or running discount now (placed orders keep their prices)."""
    store = _store(call)
    discount = services.end_early(store, PromotionKind.DISCOUNT, discount_id)
    call.about("product_discount", discount.id)
    return discount_json(discount, store.currency)


@routes.get(
    "/promotions/vouchers",
    scope="promotions:read",
    response=page_schema(VOUCHER),
    params=(STATE_PARAM, *CURSOR_PARAMS),
    paginated=True,
)
def list_vouchers(call: Call) -> dict[str, Any]:
    """List the store's vouchers, newest first."""
    store = _store(call)
    query = select(Voucher).where(Voucher.store_id == store.id)
    query = _state_filter(query, Voucher, call.query.get("state"))
    rows, cursor = paginate(call, query, Voucher.id)
    return page_of([voucher_json(v, store.currency) for v in rows], cursor)


@routes.post(
    "/promotions/vouchers",
    scope="promotions:write",
    body=VOUCHER_IN,
    response=VOUCHER,
    status=201,
    errors=[404],
)
def create_voucher(call: Call) -> tuple[dict[str, Any], int]:
    """Create a voucher code: store-wide or for chosen products."""
    store = _store(call)
    body = call.body
    voucher = services.create_voucher(
        store,
        code=body["code"],
        name=body["name"],
        kind=body["kind"],
        value=_value_text(body, store.currency),
        cap=str(to_decimal(body["cap"], store.currency)) if "cap" in body else None,
        min_spend=(
            str(to_decimal(body["min_spend"], store.currency)) if "min_spend" in body else None
        ),
        scope=body.get("scope", VoucherScope.STORE.value),
        product_ids=body.get("product_ids", []),
        total_uses=body.get("total_uses"),
        per_buyer_limit=body.get("per_buyer_limit", 1),
        public=body.get("public", True),
        **_window(body),
    )
    call.about("voucher", voucher.id)
    return voucher_json(voucher, store.currency), 201


@routes.post(
    "/promotions/vouchers/<int:voucher_id>/end",
    scope="promotions:write",
    response=VOUCHER,
    errors=[404, 409],
)
def end_voucher(call: Call, voucher_id: int) -> dict[str, Any]:
    """End a scheduled or running voucher now."""
    store = _store(call)
    voucher = services.end_early(store, PromotionKind.VOUCHER, voucher_id)
    call.about("voucher", voucher.id)
    return voucher_json(voucher, store.currency)
