"""Pages of an API list: cursors over ids (``paginate``), or over page numbers for a list
ranked by something else (``encode_page``, ``decode_page``), and the page's JSON shape.

A cursor is opaque to the client: base64 of a small JSON object. A cursor that this API did not
make is a 422 on the ``cursor`` field.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from sqlalchemy import Select

from api.v1.framework import Call, Param
from api.v1.problems import FieldError, validation_problem
from core.extensions import db

DEFAULT_LIMIT = 25
MAX_LIMIT = 100

CURSOR_PARAMS = (
    Param("cursor", {"type": "string", "maxLength": 200}, "The `next_cursor` of the last page."),
    Param(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        f"Items per page (default {DEFAULT_LIMIT}).",
    ),
)


def _encode_cursor(last_id: int) -> str:
    raw = json.dumps({"before": last_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        value = data["before"]
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise validation_problem([FieldError("cursor", "is not a cursor of this list")]) from error
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**63:
        raise validation_problem([FieldError("cursor", "is not a cursor of this list")])
    return value


def paginate(call: Call, query: Select[Any], id_column: Any) -> tuple[list[Any], str | None]:
    """One page of ``query``, newest first by ``id_column``, and the cursor of the next.

    The order is the unique id, so a page never repeats or skips an item when rows are added
    while a client walks the list (new rows only ever come before the first page).
    """
    limit = call.query.get("limit", DEFAULT_LIMIT)
    cursor = call.query.get("cursor")
    if cursor:
        query = query.where(id_column < _decode_cursor(cursor))
    rows = list(db.session.scalars(query.order_by(id_column.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (_encode_cursor(rows[-1].id) if more and rows else None)


def encode_page(page: int) -> str:
    """An opaque cursor for a list ranked by something other than its ids: its page number."""
    raw = json.dumps({"page": page}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page(cursor: str | None) -> int:
    if not cursor:
        return 1
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        page = data["page"]
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise validation_problem([FieldError("cursor", "is not a cursor of this list")]) from error
    if not isinstance(page, int) or isinstance(page, bool) or not 1 < page <= 100_000:
        raise validation_problem([FieldError("cursor", "is not a cursor of this list")])
    return page


def page_of(items: list[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
    return {"data": items, "next_cursor": next_cursor}
