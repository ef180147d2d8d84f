"""The OpenAPI 3.1 document, built from the operations declared beside each route."""

from __future__ import annotations

import copy
from typing import Any

from api.v1.framework import Operation, Routes
from api.v1.representation import MAX_ID, MONEY_SCHEMA

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status"],
}
ERROR_TEXT = {
    400: "Bad request",
    401: "No key, or an unknown or revoked key",
    403: "The key lacks the scope",
    404: "No such object (or not yours)",
    409: "Refused in the object's current state, or a concurrent request",
    422: "Invalid fields, or an Idempotency-Key reused with another body",
    429: "Too many requests for this key",
}
PROBLEM_REF = "#/components/schemas/Problem"
_CONVERTER_TYPES = {
    "int": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "string": {"type": "string"},
}


def _problem(text: str) -> dict[str, Any]:
    return {
        "description": text,
        "content": {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}},
    }


def _operation(op: Operation) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": _CONVERTER_TYPES[conv]}
        for name, conv in op.path_params
    ]
    parameters += [
        {"name": p.name, "in": "query", "required": False, "schema": p.schema}
        | ({"description": p.description} if p.description else {})
        for p in op.params
    ]
    if op.method == "POST":
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Send the same key to repeat a POST safely: the first answer is "
                "returned for 24 hours; the same key with another body is a 422.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            }
        )
    if op.method == "GET":
        parameters.append(
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "description": "An ETag from an earlier answer: 304 if nothing changed.",
                "schema": {"type": "string"},
            }
        )
    success: dict[str, Any] = {"description": "OK" if op.status == 200 else "Created"}
    if op.response is not None:
        success["content"] = {"application/json": {"schema": copy.deepcopy(op.response)}}
    if op.method == "GET":
        success["headers"] = {"ETag": {"schema": {"type": "string"}}}
    responses: dict[str, Any] = {str(op.status): success}
    if op.method == "GET":
        responses["304"] = {"description": "Not modified (the ETag matches)"}
    codes = {401, 403, 429, *op.errors}
    if op.params or op.body is not None or op.method == "POST":
        codes.add(422)  # invalid fields; a POST also for an Idempotency-Key reused
    if op.method == "POST":
        codes.add(409)  # the same Idempotency-Key in flight
    for code in sorted(codes):
        responses[str(code)] = _problem(ERROR_TEXT.get(code, "Error"))
    document: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary.splitlines()[0] if op.summary else op.operation_id,
        "tags": [op.tag],
        "security": [{"bearer": [op.scope]}],
        "description": (op.description or op.summary) + f"\n\nScope: `{op.scope}`.",
        "parameters": parameters,
        "responses": responses,
    }
    if op.body is not None:
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": copy.deepcopy(op.body)}},
        }
    return document


def build_document(modules: list[Routes], *, server_url: str = "/api/v1") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for routes in modules:
        for op in routes.operations:
            paths.setdefault(op.openapi_path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "Yellowcart Partner API",
            "version": "1.0.0",
            "description": (
                "The REST API for sellers, creators and finance staff. Authenticate with an API "
                "key (`Authorization: Bearer <key>`) made on your account page or with "
                "`flask api-keys create`. Amounts are integer minor units with a currency; "
                "times are RFC 3339 in UTC; lists are newest first, with an opaque "
                "`next_cursor`; errors are `application/problem+json`."
            ),
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": r.tag, "description": r.description} for r in modules],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Problem": PROBLEM_SCHEMA, "Money": MONEY_SCHEMA},
        },
    }
