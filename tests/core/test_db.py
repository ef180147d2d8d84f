"""Pooled connections: pinged only after sitting idle, and replaced when found dead."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from core.extensions import db
from tests.conftest import make_test_app


def _pings(app, monkeypatch) -> list[int]:
    calls: list[int] = []
    dialect = type(db.engine.dialect)
    original = dialect.do_ping

    def counting(self, dbapi_connection):
        calls.append(1)
        return original(self, dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counting)
    return calls


def _backend_pid() -> int:
    pid = db.session.scalar(text("SELECT pg_backend_pid()"))
    db.session.remove()
    return int(pid)


def test_a_connection_in_steady_use_is_not_pinged(database, postgres_only, monkeypatch):
    app = make_test_app(database.url, DATABASE_PING_IDLE_SECONDS=60)
    with app.app_context():
        pings = _pings(app, monkeypatch)
        first, second = _backend_pid(), _backend_pid()
        assert first == second
        assert pings == []
        db.engine.dispose()


def test_a_connection_dropped_while_idle_is_replaced_before_use(
    database, postgres_only, monkeypatch
):
    app = make_test_app(database.url, DATABASE_PING_IDLE_SECONDS=0)
    with app.app_context():
        pings = _pings(app, monkeypatch)
        dropped = _backend_pid()
        admin = create_engine(database.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
        admin.dispose()

        assert _backend_pid() != dropped  # no error reached the caller
        assert pings
        db.engine.dispose()
