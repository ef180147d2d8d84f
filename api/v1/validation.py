"""A small JSON Schema checker for request bodies and query parameters.

The schemas are plain JSON Schema dictionaries declared beside each route; the same
dictionaries go into the OpenAPI document, so what is documented is what is checked. Only
the keywords the API uses are understood: ``type`` (one or a list, ``null`` included),
``properties``, ``required``, ``additionalProperties: false``, ``items``, ``minItems``,
``maxItems``, ``minLength``, ``maxLength``, ``minimum``, ``maximum``, ``enum``, ``pattern`` and
``format: date-time``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from api.v1.problems import FieldError

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "null": (type(None),),
}
MAX_INT = 2**63 - 1


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, _TYPES[name])


def parse_datetime(text: str) -> datetime | None:
    """An RFC 3339 timestamp as an aware UTC datetime, or None."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        return None
    return value.astimezone(UTC)


def check(schema: dict[str, Any], value: Any, path: str = "") -> list[FieldError]:
    """Every way ``value`` breaks ``schema``, each with the dotted path of its field."""
    field = path or "body"
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        if not any(_is_type(value, name) for name in names):
            return [FieldError(field, f"must be {' or '.join(names)}")]
    if value is None:
        return []
    errors: list[FieldError] = []
    if "enum" in schema and value not in schema["enum"]:
        choices = ", ".join(str(c) for c in schema["enum"] if c is not None)
        errors.append(FieldError(field, f"must be one of: {choices}"))
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(FieldError(field, f"must have at least {schema['minLength']} characters"))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(FieldError(field, f"must have at most {schema['maxLength']} characters"))
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(FieldError(field, "has the wrong form"))
        if schema.get("format") == "date-time" and parse_datetime(value) is None:
            errors.append(FieldError(field, "must be an RFC 3339 timestamp with a time zone"))
    if _is_type(value, "integer"):
        low = schema.get("minimum", -MAX_INT)
        high = schema.get("maximum", MAX_INT)
        if value < low:
            errors.append(FieldError(field, f"must be at least {low}"))
        if value > high:
            errors.append(FieldError(field, f"must be at most {high}"))
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(FieldError(field, f"must have at least {schema['minItems']} items"))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(FieldError(field, f"must have at most {schema['maxItems']} items"))
        if "items" in schema:
            for index, item in enumerate(value):
                errors += check(schema["items"], item, f"{path}[{index}]" if path else f"[{index}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors.append(FieldError(_join(path, name), "is required"))
        if schema.get("additionalProperties") is False:
            for name in value:
                if name not in properties:
                    errors.append(FieldError(_join(path, name), "is not a known field"))
        for name, sub in properties.items():
            if name in value:
                errors += check(sub, value[name], _join(path, name))
    return errors


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
