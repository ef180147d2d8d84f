"""Engine settings per database.

SQLite (the embedded default) gets a busy timeout, foreign keys, and ``BEGIN IMMEDIATE``
transactions: Python's sqlite3 would otherwise begin a transaction only at the first write,
so a balance read before a debit would not be inside the debit's transaction. Immediate
transactions make SQLite serialize writers from their first statement, which is the
correct (if slower) behaviour for money; PostgreSQL uses row locks instead.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection

from core.extensions import db

_configured: set[int] = set()


def configure_engines(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite" or id(engine) in _configured:
        return
    _configured.add(id(engine))
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_begin)


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
