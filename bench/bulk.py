"""Bulk rows for the benches: COPY on PostgreSQL, batched executemany elsewhere.

Rows name only the columns a bench cares about; every other column with a Python-side scalar
default (``default=0`` on the model) gets that default here, as the ORM would, so a column
added later with such a default never breaks a bench's COPY.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, insert

from core.extensions import db

BATCH = 20_000


def write_rows(table_name: str, rows: Iterable[dict[str, Any]]) -> int:
    """Insert ``rows`` into ``table_name`` in batches; return how many (the caller commits)."""
    table = db.metadata.tables[table_name]
    count = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            count += _flush(table, batch)
            batch = []
    if batch:
        count += _flush(table, batch)
    return count


def _scalar_defaults(table: Table, given: set[str]) -> dict[str, Any]:
    defaults = {}
    for column in table.columns:
        default = column.default
        if column.name not in given and default is not None and default.is_scalar:
            defaults[column.name] = default.arg  # type: ignore[attr-defined]
    return defaults


def _flush(table: Table, batch: list[dict[str, Any]]) -> int:
    if db.engine.dialect.name != "postgresql":
        db.session.execute(insert(table), batch)
        return len(batch)
    defaults = _scalar_defaults(table, set(batch[0]))
    columns = [*batch[0], *defaults]
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        quoted = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in batch:
                copy.write_row([row[c] if c in row else defaults[c] for c in columns])
    return len(batch)
