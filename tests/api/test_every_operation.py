"""Every operation of the document: another user's ids are 404; a read-only key cannot write."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from affiliate.disputes.services import open_seller_contest
from affiliate.payouts import services as payouts
from affiliate.plans.models import PlanKind
from api.keys.scopes import allowed_scopes
from core.accounts.models import Role, User
from core.extensions import db
from core.types import utcnow
from shop.orders import lifecycle
from shop.orders.refunds import requests as refund_requests
from tests.api.conftest import is_problem, make_key
from tests.creators.factories import (
    make_commission,
    make_content,
    make_plan,
    make_profile,
    showcase,
)
from tests.payouts.helpers import make_creator
from tests.shop.factories import Shop, make_product_discount, make_voucher


def _example(schema: dict[str, Any]) -> Any:
    """A small value that the schema accepts (the first choice, the lowest bound)."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: _example(properties[name]) for name in schema.get("required", [])}
    if kind == "array":
        return [_example(schema["items"]) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return max(schema.get("minimum", 1), min(1000, schema.get("maximum", 1000)))
    if kind == "boolean":
        return True
    if schema.get("format") == "date-time":
        return (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return "x" * max(1, schema.get("minLength", 1))


def _operations(client) -> list[tuple[str, str, dict[str, Any]]]:
    document = client.get("/api/v1/openapi.json").get_json()
    return [
        (method.upper(), path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]


def _body(op: dict[str, Any]) -> Any:
    if "requestBody" not in op:
        return {} if op.get("parameters") is not None else None
    return _example(op["requestBody"]["content"]["application/json"]["schema"])


def _call(api, method: str, path: str, key: str, op: dict[str, Any]):
    body = _body(op) if method != "GET" else None
    return api.call(method, path, key, body)


def _seller_objects() -> dict[str, int]:
    shop = Shop(stock=50)
    order = shop.paid()
    lifecycle.ship(order, "UPS", "1Z", shop.seller)
    lifecycle.mark_delivered(order, shop.buyer)
    refund = refund_requests.request_refund(order, order.lines[0], "Broken", shop.buyer)
    db.session.commit()
    plan = make_plan(shop.store, PlanKind.TARGETED, "Launch", 2000, [shop.product])
    commission = make_commission(make_creator(), shop.product)
    dispute = open_seller_contest(commission.id, seller_id=shop.seller.id, reason="Brushing")
    db.session.commit()
    return {
        "dispute_id": dispute.id,
        "product_id": shop.product.id,
        "order_id": order.id,
        "refund_id": refund.id,
        "plan_id": plan.id,
        "commission_id": commission.id,
        "discount_id": make_product_discount(shop.product).id,
        "voucher_id": make_voucher(shop.store, percent_bps=1000).id,
    }


def _creator_objects() -> dict[str, int]:
    shop = Shop()
    profile = make_profile()
    creator = db.session.get(User, profile.user_id)
    content = make_content(creator)
    showcase(creator.id, shop.product)
    rich = make_creator(balance=50_00)
    withdrawal = payouts.request_withdrawal(rich.id, 2000, request_token="t" * 20)
    commission = make_commission(creator, shop.product)
    dispute = open_seller_contest(commission.id, seller_id=shop.seller.id, reason="Brushing")
    db.session.commit()
    return {
        "dispute_id": dispute.id,
        "content_id": content.id,
        "product_id": shop.product.id,
        "withdrawal_id": withdrawal.id,
        "commission_id": commission.id,
    }


def _fill(path: str, ids: dict[str, int]) -> str | None:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    return None if "{" in path else path


def test_another_sellers_ids_are_404_on_every_operation(app_ctx, api, client):
    ids = _seller_objects()
    stranger = Shop()
    key = make_key(stranger.seller)
    checked = 0
    for method, path, op in _operations(client):
        if "{" not in path or path.startswith(("/finance", "/creator", "/withdrawals")):
            continue
        url = _fill(path, ids)
        assert url, path
        response = _call(api, method, url, key, op)
        assert is_problem(response, 404), (method, path, response.get_json())
        checked += 1
    assert checked >= 12


def test_another_creators_ids_are_404_on_every_operation(app_ctx, api, client):
    ids = _creator_objects()
    other = make_profile()
    key = make_key(db.session.get(User, other.user_id))
    paths = ("/creator", "/withdrawals/{", "/commissions/{", "/disputes/{")
    checked = 0
    for method, path, op in _operations(client):
        if "{" not in path or not path.startswith(paths):
            continue
        url = _fill(path, ids)
        assert url, path
        response = _call(api, method, url, key, op)
        assert is_problem(response, 404), (method, path, response.get_json())
        checked += 1
    assert checked >= 4


def test_a_read_only_key_cannot_write_anywhere(app_ctx, api, client):
    user = make_creator(roles=(Role.SELLER, Role.FINANCE))
    read_only = sorted(s for s in allowed_scopes(user.role_set) if s.endswith(":read"))
    key = make_key(user, read_only)
    writes = [(m, p, op) for m, p, op in _operations(client) if m != "GET"]
    assert writes
    for method, path, _ in writes:
        url = "/".join("1" if part.startswith("{") else part for part in path.split("/"))
        response = api.call(method, url, key, {})
        assert is_problem(response, 403), (method, path)
