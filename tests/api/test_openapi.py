"""The OpenAPI document: valid, complete, readable; and a property-based run against it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from core.accounts.models import Role
from tests.api.conftest import make_key
from tests.creators.factories import make_profile
from tests.factories import make_user
from tests.payouts.helpers import make_creator
from tests.shop.factories import Shop


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_document_is_valid_openapi_3_1(app_ctx, client):
    validator = pytest.importorskip("openapi_spec_validator")
    document = _document(client)
    assert document["openapi"] == "3.1.0"
    validator.validate(document)


def test_document_lists_every_operation_with_its_scope(app_ctx, client):
    document = _document(client)
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    for wanted in (
        "list_products",
        "bulk_update_variants",
        "ship_order",
        "change_rate",
        "search_creators",
        "list_commissions",
        "create_voucher",
        "request_withdrawal",
        "approve_withdrawal",
        "export_withdrawals",
    ):
        assert wanted in ids
    for item in document["paths"].values():
        for op in item.values():
            assert op["security"][0]["bearer"], op["operationId"]


def test_reference_page_renders_every_operation(app_ctx, client):
    document = _document(client)
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for item in document["paths"].values():
        for op in item.values():
            assert f'id="{op["operationId"]}"' in html
    assert "cdn" not in html.lower()
    assert "<code>Authorization: Bearer &lt;key&gt;</code>" in html


def _checks():
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]


def _run_every_operation(app, key: str, examples: int) -> None:
    schemathesis = pytest.importorskip("schemathesis")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    checks = _checks()
    headers = {"Authorization": f"Bearer {key}"}
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case) -> None:
            case.call_and_validate(headers=headers, checks=checks)

        run()


@pytest.mark.parametrize("role", ["seller", "creator", "finance"])
def test_property_based_run_finds_no_server_error_nor_undocumented_answer(app, app_ctx, role):
    shop = Shop()
    make_profile()
    if role == "seller":
        user = shop.seller
    elif role == "creator":
        user = make_creator(balance=50_00)
    else:
        user = make_user(Role.FINANCE)
    _run_every_operation(app, make_key(user), examples=5)
