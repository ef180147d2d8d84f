"""The page cache's store and its one catalogue version (``core.web.pagecache``).

Every committed ORM write (a flush, or an ``UPDATE``/``INSERT``/``DELETE`` run through the
session) to a table a public page may read bumps the version after the commit; every cached
entry rendered at another version is stale. A write to one of the other tables
(``IGNORED_TABLES``) bumps that table's own epoch instead, which only private pages that read
the table check (``core.web.privatepages``). The version lives in Redis when ``REDIS_URL`` is
set, else in a small file in the instance folder, so that every worker of one machine sees a
bump at once. A write that bypasses the session must call ``bump_version()`` (or, for an
ignored table, ``mark_written``) itself.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import uuid
from collections.abc import Iterable
from pathlib import Path

from flask import Flask, current_app, g, has_app_context, has_request_context
from flask_caching import Cache
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.sql import visitors
from sqlalchemy.sql.dml import UpdateBase

log = logging.getLogger(__name__)

cache = Cache()

#: Tables that no public page reads, or that change on nearly every request: a write to them
#: does not bump the version.
IGNORED_TABLES = frozenset(
    {
        "api_idempotent_request",
        "audit_event",
        "cart",
        "cart_line",
        "content_daily_stat",
        "content_event",
        "ledger_account",
        "ledger_check_run",
        "ledger_entry",
        "ledger_posting",
        "mail_opt_out",
        "message",
        "message_report",
        "conversation",
        "notification",
        "order_event",
        "outbox_message",
        "recovery_code",
        "rollup_cursor",
        "sent_mail",
        "simulated_transfer",
        "two_factor",
        "user_session",
        "webhook_attempt",
        "webhook_delivery",
        "webhook_event",
        "withdrawal",
        "withdrawal_approval",
    }
)
#: Session keys that do not change what a page shows (the CSRF token is put back per request).
WRITE_STATEMENT = re.compile(
    r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE
)
#: The same anywhere in a statement's text (a ``WITH`` of several writes).
ANY_WRITE = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)
READ_ONLY = re.compile(r"^\s*(?:SELECT|WITH|SHOW|SET|EXPLAIN)\b", re.IGNORECASE)


def _version_file(app: Flask) -> Path:
    return Path(app.config.get("PAGE_CACHE_VERSION_FILE") or Path(app.instance_path) / "pagecache")


def current_version() -> str:
    app = current_app
    if app.config.get("REDIS_URL"):
        value = cache.get("version")
        if value is None:
            value = uuid.uuid4().hex
            cache.set("version", value, timeout=0)
        return str(value)
    try:
        return _version_file(app).read_text() or "0"
    except FileNotFoundError:
        return "0"


def request_version() -> str:
    """The version as this request first read it (read once per request)."""
    if "pagecache_version" not in g:
        g.pagecache_version = current_version()
    return str(g.pagecache_version)


def note_version(version: str) -> None:
    """Remember the version a lookup just read, for ``request_version``."""
    g.pagecache_version = version


def bump_version(app: Flask | None = None) -> None:
    """Make every cached page stale (after a committed write that a page may show)."""
    app = app or current_app
    new = uuid.uuid4().hex
    if app.config.get("REDIS_URL"):
        with app.app_context():
            cache.set("version", new, timeout=0)
        return
    if not app.config.get("PAGE_CACHE_SECONDS"):
        return
    path = _version_file(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{secrets.token_hex(4)}")
    temporary.write_text(new)
    os.replace(temporary, path)


def _written_tables(state: ORMExecuteState) -> set[str]:
    """Every table a statement run through the session writes, its CTEs' included (``INSERT
    ... WITH entry AS (INSERT ...)``); ``{"?"}`` when that cannot be told."""
    statement = state.statement
    if isinstance(statement, UpdateBase):
        nested = (node for node in visitors.iterate(statement) if isinstance(node, UpdateBase))
        found = {getattr(getattr(node, "table", None), "name", None) for node in nested}
        return {str(name) for name in found if name} or {"?"}
    text = str(statement)
    names = {name.lower() for name in ANY_WRITE.findall(text)}
    if names:
        return names
    return set() if READ_ONLY.match(text) else {"?"}


def _mark(session: Session, tables: Iterable[str]) -> None:
    written = set(tables)
    if "?" in written:  # a write nobody can name: anything may have changed
        written |= IGNORED_TABLES
    if written - IGNORED_TABLES:
        session.info["pagecache_dirty"] = True
    if quiet := written & IGNORED_TABLES:
        session.info.setdefault("pagecache_tables", set()).update(quiet)


def mark_written(session: Session, *tables: str) -> None:
    """A write the Session's listeners cannot see (a ``COPY``, a driver-level statement on the
    session's connection): its table is bumped when the session commits, like any other."""
    _mark(session, tables)


# --- epochs of the tables public pages ignore (read by private pages, ``core.web.privatepages``)

_lost_table_bumps = False  # a table bump failed (store down): bump them all once it answers


def table_bumps_lost() -> bool:
    return _lost_table_bumps


def table_epoch_key(table: str) -> str:
    return f"table-epoch:{table}"


def table_epochs(tables: Iterable[str]) -> dict[str, str]:
    """The current epoch of each table (one round trip), giving a new one to a table without."""
    global _lost_table_bumps
    names = sorted(tables)
    if _lost_table_bumps:
        bump_tables(IGNORED_TABLES)
        _lost_table_bumps = False
    found = cache.get_many(*(table_epoch_key(name) for name in names))
    epochs = dict(zip(names, found, strict=True))
    missing = {name: uuid.uuid4().hex for name, value in epochs.items() if value is None}
    if missing:
        cache.set_many({table_epoch_key(name): value for name, value in missing.items()}, timeout=0)
    return {name: str(missing.get(name, value)) for name, value in epochs.items()}


def bump_tables(tables: Iterable[str]) -> None:
    """Make every private page that read one of these tables stale (after their commit)."""
    fresh = {table_epoch_key(name): uuid.uuid4().hex for name in set(tables)}
    if fresh:
        cache.set_many(fresh, timeout=0)


_watching = False


def watch_writes() -> None:
    """Bump the version after each commit that wrote to a table a public page may read.

    The listeners are on the ``Session`` class, once per process, whatever the number of apps.
    """
    global _watching
    if _watching:
        return
    _watching = True

    @event.listens_for(Session, "after_flush")
    def _flushed(session: Session, _flush: UOWTransaction) -> None:
        objects = [*session.new, *session.dirty, *session.deleted]
        _mark(session, (getattr(o, "__tablename__", "") for o in objects))

    @event.listens_for(Session, "do_orm_execute")
    def _executed(state: ORMExecuteState) -> None:
        if state.is_select:
            return
        _mark(state.session, _written_tables(state))

    @event.listens_for(Session, "after_commit")
    def _committed(session: Session) -> None:
        global _lost_table_bumps
        dirty = session.info.pop("pagecache_dirty", False)
        tables = session.info.pop("pagecache_tables", None)
        if not has_app_context():
            return
        if dirty:
            if has_request_context():
                g.pop("pagecache_version", None)  # what this request renders next is newer
            try:
                bump_version()
            except Exception:  # the write is committed; a cache outage must not fail it
                log.exception("page cache version not bumped")
        if tables:
            try:
                bump_tables(tables)
            except Exception:
                _lost_table_bumps = True
                log.warning("table epochs not bumped", exc_info=True)

    @event.listens_for(Session, "after_rollback")
    def _rolled_back(session: Session) -> None:
        session.info.pop("pagecache_dirty", None)
        session.info.pop("pagecache_tables", None)
