"""Shared fixtures: one migrated database per test session (SQLite, or PostgreSQL when
``DATABASE_URL`` is set), a clean database for every test, a Redis db of this worker's own
when ``REDIS_URL`` is set, and helpers to sign in.

After every test, the ledger check runs over whatever the test posted: every entry the suite
creates must balance.
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from affiliate import create_app
from core.config import TestingConfig, normalise_database_url
from core.extensions import db, limiter
from core.web import pagecache
from tests.two_factor import needs_second_factor, remember_device

DATABASE_URL = os.environ.get("DATABASE_URL")
REDIS_URL = os.environ.get("REDIS_URL")
PRESERVED_TABLES = {"alembic_version", "category"}  # seeded by migrations


def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker[2:]) if worker[2:].isdigit() else 0


def worker_redis_url() -> str | None:
    """This worker's own Redis database (1..15), so parallel workers never share keys."""
    if not REDIS_URL:
        return None
    url = make_url(REDIS_URL.replace("redis://", "redis+x://", 1))
    number = 1 + _worker_index() % 15
    return str(url.set(database=str(number))).replace("redis+x://", "redis://", 1)


class _Database:
    """Creates the session's database and wipes it between tests."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.pg_admin_url: str | None = None
        self.name = ""
        self._sequence_map: dict[str, list[str]] | None = None
        if DATABASE_URL:
            base = make_url(normalise_database_url(DATABASE_URL))
            self.name = f"affiliate_test_{_worker_index()}_{uuid.uuid4().hex[:10]}"
            self.pg_admin_url = base.render_as_string(hide_password=False)
            self.url = base.set(database=self.name).render_as_string(hide_password=False)
            self._pg_admin("CREATE DATABASE {}")
        else:
            self.path = tmp / "test.db"
            self.template = tmp / "template.db"
            self.url = f"sqlite:///{self.path}"

    def _pg_admin(self, statement: str) -> None:
        engine = create_engine(self.pg_admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(statement.format(f'"{self.name}"')))
        engine.dispose()

    @property
    def is_postgres(self) -> bool:
        return self.pg_admin_url is not None

    def after_migrations(self) -> None:
        if not self.is_postgres:
            db.engine.dispose()
            shutil.copyfile(self.path, self.template)

    def wipe(self) -> None:
        db.session.remove()
        if self.is_postgres:
            tables = [t.name for t in db.metadata.sorted_tables if t.name not in PRESERVED_TABLES]
            probe = " UNION ALL ".join(
                f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables
            )
            with db.engine.connect() as connection:
                dirty = {row[0] for row in connection.execute(text(probe))}
                connection.rollback()
                if dirty:
                    self._empty(connection, [t for t in tables if t in dirty])
        else:
            db.engine.dispose()
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(self.template, self.path)

    def _empty(self, connection: Any, dirty: list[str]) -> None:
        """Empty the tables a test wrote to and restart their ids. DELETE costs a few
        milliseconds where TRUNCATE (new files for every table) cost most of a second. The
        session skips triggers while it deletes (the ledger's refuse any change, foreign keys
        need no order then); that takes a superuser, as the test server's ``postgres`` is;
        without one, TRUNCATE ... CASCADE does it."""
        try:
            with connection.begin():
                connection.execute(text("SET LOCAL session_replication_role = replica"))
                for table in reversed(dirty):
                    connection.execute(text(f'DELETE FROM "{table}"'))
                for table in dirty:
                    for sequence in self._sequences(connection).get(table, ()):
                        connection.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
        except Exception:  # not a superuser, or a cycle DELETE cannot order: the slow, sure way
            names = ", ".join(f'"{t}"' for t in dirty)
            with connection.begin():
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))

    def _sequences(self, connection: Any) -> dict[str, list[str]]:
        """Each table's own sequences (its serial ids), read once from the catalogue."""
        if self._sequence_map is None:
            rows = connection.execute(
                text(
                    "SELECT t.relname, s.relname FROM pg_class s "
                    "JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
                    "JOIN pg_class t ON t.oid = d.refobjid "
                    "WHERE s.relkind = 'S'"
                )
            )
            found: dict[str, list[str]] = {}
            for table, sequence in rows:
                found.setdefault(table, []).append(sequence)
            self._sequence_map = found
        return self._sequence_map

    def drop(self) -> None:
        db.engine.dispose()
        if self.is_postgres:
            self._pg_admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in a context of its own.

    Flask reuses an app context that is already pushed (as ``app_ctx`` does for factories),
    so without this, requests would share ``g`` (and Flask-Login's cached user) and the
    database session with the test and with each other.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            # End the test's own transaction first: what it wrote becomes visible to the
            # request, and on SQLite (BEGIN IMMEDIATE) its write lock no longer blocks it.
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_test_app(database_url: str, **overrides: Any) -> Flask:
    settings: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    redis_url = worker_redis_url()
    if redis_url:
        settings["RATELIMIT_STORAGE_URI"] = redis_url
    # The page cache's version file of this app alone: parallel workers (and a dev server on
    # the same checkout) bumping one in instance/ would empty each other's caches mid-test.
    settings["PAGE_CACHE_VERSION_FILE"] = str(Path(tempfile.mkdtemp(prefix="yc-pages-")) / "v")
    settings.update(overrides)
    app = create_app(TestingConfig, **settings)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> _Database:
    return _Database(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def app(database: _Database) -> Iterator[Flask]:
    app = make_test_app(database.url, UPLOAD_DIR=str(database.tmp / "uploads"))
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        database.after_migrations()
    yield app
    with app.app_context():
        database.drop()


@pytest.fixture
def redis_app(app: Flask, database: _Database) -> Iterator[Flask]:
    """A second app on the same database whose jobs go through real Redis (this worker's db)."""
    from core.jobs import jobs

    redis_app = make_test_app(database.url, REDIS_URL=worker_redis_url())
    yield redis_app
    with redis_app.app_context():
        db.session.remove()
        db.engine.dispose()
        jobs.connection.close()


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """Give every test that uses the app a clean database, limiter and Redis db."""
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    database: _Database = request.getfixturevalue("database")
    with app.app_context():
        limiter.reset()
        _flush_test_redis()
    yield
    with app.app_context():
        db.session.remove()
        if "tampers_ledger" not in request.keywords:
            _assert_ledger_balances()
        database.wipe()
        pagecache.clear()  # the wipe bypasses the session, so no write bumped the version
        limiter.reset()
        _flush_test_redis()


def _flush_test_redis() -> None:
    url = worker_redis_url()
    if url:
        from redis import Redis

        connection = Redis.from_url(url)
        connection.flushdb()
        connection.close()


def _assert_ledger_balances() -> None:
    from core.ledger.checks import check_ledger

    report = check_ledger()
    db.session.remove()
    assert report.ok, f"the ledger does not balance after this test: {report.problems}"


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def is_postgres(database: _Database) -> bool:
    return database.is_postgres


@pytest.fixture
def postgres_only(database: _Database) -> None:
    if not database.is_postgres:
        pytest.skip("needs PostgreSQL: set DATABASE_URL (CI does)")


_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/") -> str:
    """The CSRF token of the client's session, read from a page's meta tag."""
    page = client.get(path)
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def post_form(client: FlaskClient, path: str, data: dict[str, Any] | None = None, **kwargs: Any):
    """POST a form with this session's CSRF token, as a browser would."""
    form = {"csrf_token": csrf_token(client), **(data or {})}
    return client.post(path, data=form, **kwargs)


class Auth:
    """Sign in and out through the real login form."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(
        self,
        email: str,
        password: str = "correct-horse-battery",
        *,
        second_factor: bool = True,
        **extra: Any,
    ):
        """Sign in; staff (and accounts with an app) from a remembered device unless
        ``second_factor=False`` (see tests/two_factor.py)."""
        if second_factor and needs_second_factor(self.client.application, email):
            remember_device(self.client, email)
        data = {"email": email, "password": password, **extra}
        return post_form(self.client, "/login", data)

    def logout(self):
        return post_form(self.client, "/logout")


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


@contextmanager
def recorded_statements(
    app: Flask, keep: Callable[[str], bool] = lambda statement: True
) -> Iterator[list[str]]:
    """The statements sent while the block runs (those ``keep`` accepts), cache left as it is."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if keep(statement):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Iterator[StatementCounter]:
    """Count the SQL statements issued while the test runs (for N+1 checks).

    The page cache is off meanwhile, so that the count is the render's; a test of the cache
    itself turns it back on (``app.config["PAGE_CACHE_SECONDS"]``).
    """
    counter = StatementCounter()
    with app.app_context():
        engine = db.engine
    cache_seconds = app.config["PAGE_CACHE_SECONDS"]
    app.config["PAGE_CACHE_SECONDS"] = 0

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA")):
            counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", on_execute)
    yield counter
    event.remove(engine, "before_cursor_execute", on_execute)
    app.config["PAGE_CACHE_SECONDS"] = cache_seconds


class Mailbox:
    """What the app mailed during this test (the ``memory://`` transport of TestingConfig)."""

    def __init__(self, app: Flask) -> None:
        self.sent: list[Any] = app.extensions.setdefault("mail.memory", [])

    def to(self, address: str) -> list[Any]:
        return [mail for mail in self.sent if mail.recipient == address]

    def last(self, address: str) -> Any:
        mails = self.to(address)
        assert mails, f"no mail to {address}; sent: {[m.recipient for m in self.sent]}"
        return mails[-1]

    def link(self, address: str, path_part: str) -> str:
        """The path of the first link in the last mail to ``address`` containing ``path_part``."""
        for url in re.findall(r"https?://[^\s<>\"']+", self.last(address).text):
            if path_part in url:
                return "/" + url.split("/", 3)[3]
        raise AssertionError(f"no link with {path_part} in the mail to {address}")


@pytest.fixture
def mailbox(app: Flask) -> Iterator[Mailbox]:
    box = Mailbox(app)
    box.sent.clear()
    yield box
    box.sent.clear()
