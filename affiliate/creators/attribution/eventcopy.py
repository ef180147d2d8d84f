"""PostgreSQL's write of a batch of buffered events: ``COPY`` into a staging table, then one
``INSERT … SELECT … ON CONFLICT (dedup_key) DO NOTHING`` into ``content_event``.

Why: the multi-row ``INSERT … VALUES`` of 1,000 rows and 8,000 bound values a statement spent
most of the flush adapting, sending and parsing parameters (4,500–6,000 events/s). ``COPY``
streams the batch into a temporary table with no index (over 150,000 rows/s) and the server
moves it into ``content_event`` in one statement, keeping the unique index's word on repeats:

- **Dedup exactly as before.** The same rows with the same ``dedup_key`` go through the same
  unique index with ``ON CONFLICT DO NOTHING``: a repeat in the batch (dropped already by
  ``ingest.decode``), in an earlier batch or from a direct ``record_event`` counts once, and a
  batch written twice counts once.
- **Fresh as before.** Both statements run in the flush's transaction: the events are in
  ``content_event`` (the dashboards' tail) when the flush commits, never somewhere in between.
- **The staging table is the session's own** (``TEMPORARY``, ``ON COMMIT DELETE ROWS``): never
  WAL-logged, invisible to other sessions, emptied by the commit (or the rollback); it is
  created once per database connection.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

STAGE = "content_event_stage"
_CREATE_STAGE = f"CREATE TEMPORARY TABLE {STAGE} (event jsonb NOT NULL) ON COMMIT DELETE ROWS"
_COPY = f"COPY {STAGE} (event) FROM STDIN"
#: The buffer's encoding (``ingest.encode_event``): [kind, content, creator, product, visitor,
#: epoch seconds, dedup key]. ``to_timestamp`` rounds to the microsecond, as Python does.
_AT = "to_timestamp((event->>5)::float8)"
_MOVE = (
    "INSERT INTO content_event (kind, content_id, creator_id, product_id, visitor, amount, "  # noqa: S608 - fixed names
    "occurred_at, dedup_key) "
    "SELECT event->>0, (event->>1)::integer, (event->>2)::integer, (event->>3)::integer, "
    f"event->>4, 0, {_AT}, event->>6 FROM {STAGE} ORDER BY {_AT} "
    "ON CONFLICT (dedup_key) DO NOTHING"
)


def copy_encoded(connection: Connection, encoded: Sequence[str | bytes]) -> int:
    """Write buffered events (as ``ingest.encode_event`` made them) into ``content_event``;
    return how many counted. Runs in the connection's transaction; the caller commits.

    The JSON goes to the server as it was buffered: PostgreSQL parses it, so the flush spends
    no Python on decoding, building rows or adapting values.
    """
    driver = connection.connection.driver_connection
    assert driver is not None
    data = b"\n".join(item if isinstance(item, bytes) else item.encode() for item in encoded)
    if b"\\" in data:  # COPY's text format escapes backslashes (JSON has no raw tab or newline)
        data = data.replace(b"\\", b"\\\\")
    with driver.cursor() as cursor:
        # The temporary table lives as long as the database connection, and its creation is
        # undone by a rollback: ask the catalogue (one cheap round trip) rather than remember.
        cursor.execute(f"SELECT to_regclass('pg_temp.{STAGE}')")
        found = cursor.fetchone()
        if found is None or found[0] is None:
            cursor.execute(_CREATE_STAGE)
        with cursor.copy(_COPY) as copy:
            copy.write(data + b"\n")
        cursor.execute(_MOVE)
        return max(cursor.rowcount, 0)
