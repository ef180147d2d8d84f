"""How the API writes amounts and times, and their schemas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

CURRENCY_SCHEMA: dict[str, Any] = {"type": "string", "pattern": "^[A-Z]{3}$"}
MONEY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An amount in integer minor units (cents) with its ISO 4217 currency.",
    "properties": {"amount": {"type": "integer"}, "currency": CURRENCY_SCHEMA},
    "required": ["amount", "currency"],
}
MONEY_OR_NULL: dict[str, Any] = {"oneOf": [MONEY_SCHEMA, {"type": "null"}]}
TIME_SCHEMA: dict[str, Any] = {"type": "string", "format": "date-time"}
TIME_OR_NULL: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}
#: Ids are 32-bit on PostgreSQL (``Integer`` keys): a larger one names nothing.
MAX_ID = 2**31 - 1
ID_SCHEMA: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def money(amount: int | None, currency: str) -> dict[str, Any] | None:
    if amount is None:
        return None
    return {"amount": int(amount), "currency": currency}


def timestamp(value: datetime | None) -> str | None:
    """RFC 3339 in UTC, to the second: ``2026-12-07T13:00:00Z``."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def obj(properties: dict[str, Any], *, required: list[str] | None = None) -> dict[str, Any]:
    """A closed object schema; every property is required unless ``required`` says otherwise."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def page_schema(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "data": {"type": "array", "items": item},
            "next_cursor": {"type": ["string", "null"]},
        },
        "required": ["data", "next_cursor"],
    }
