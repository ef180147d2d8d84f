"""Engine settings per database.

SQLite (the embedded default) gets a busy timeout, foreign keys, and ``BEGIN IMMEDIATE``
transactions: Python's sqlite3 would otherwise begin a transaction only at the first write,
so a balance read before a debit would not be inside the debit's transaction. Immediate
transactions make SQLite serialize writers from their first statement, which is the
correct (if slower) behaviour for money; PostgreSQL uses row locks instead.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from core.extensions import db

_configured: set[int] = set()


def configure_engines(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if id(engine) in _configured:
        return
    _configured.add(id(engine))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return
    ping_idle_after = float(app.config.get("DATABASE_PING_IDLE_SECONDS", 10))
    event.listen(engine.pool, "checkin", _note_checkin)
    event.listen(engine.pool, "checkout", _idle_ping(engine.dialect, ping_idle_after))


def _note_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _idle_ping(dialect: Dialect, idle_after: float) -> Any:
    """Ping a pooled connection before use only when it sat idle ``idle_after`` seconds.

    ``pool_pre_ping`` pings before every checkout: one more round trip on every request. A
    connection in steady use was alive a moment ago; one that idled may have been dropped by
    the server, a proxy or a restart, so it is tested and, if dead, replaced (the pool retries
    the checkout with a new connection) before a request can fail on it.
    """

    def checkout(
        dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at < idle_after:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError() from error
        if not alive:
            raise exc.DisconnectionError()

    return checkout


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    assert isinstance(dbapi_connection, sqlite3.Connection)
    dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def escape_like(text: str) -> str:
    """``text`` as a literal inside a ``LIKE`` pattern (with ``escape="\\\\"``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
