"""Signed-in identities kept between requests: a returning user costs no database round trip.

Every signed-in request needs its session record, the user and the user's roles (Flask-Login),
and, on pages, the header's counts (bell, menu badges, cart). They are kept in the page cache's
store (``core.web.pageversion.cache``), per session record, and served only while three stamps
are what they were *before* the entry was read from the database:

- the catalogue version of the page cache (a write the ORM cannot trace to a user, such as a
  cascade in the database, bumps it);
- the epoch of all users, bumped by a write to a user table whose user cannot be told (a bulk
  ``UPDATE`` without a ``user_id = ...`` condition);
- the user's own epoch, bumped after every commit that wrote one of the user's rows in a
  registered table (``register_user_table``): the account, roles, session records,
  notifications, the cart.

Because the stamps are read first, a write committed while a request loads the entry bumps a
stamp the entry was not stored with: it is never served. Signing out, ending a session,
rotating the token or suspending a user all write the account or the session record, so they
take effect on the next request, as without the cache. Kept only when ``REDIS_URL`` is set
(every process sees the same stamps), or with ``IDENTITY_CACHE = True`` in one process (tests).
Entries live at most ``IDENTITY_CACHE_SECONDS`` (60). While Redis is down every request loads
from the database; a bump lost to the outage makes the writing process bump every user once
Redis answers again, and the entry's short life bounds what another process could still serve.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, Response, current_app, g, has_app_context, has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.sql import visitors
from sqlalchemy.sql.dml import Insert, UpdateBase
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, ColumnClause
from sqlalchemy.sql.operators import eq

from core.web.pageversion import WRITE_STATEMENT as _WRITE
from core.web.pageversion import cache, current_version, note_version

log = logging.getLogger(__name__)

ALL = "all"
#: table name -> the column naming the user, or a function finding the user of a flushed row
Owner = str | Callable[[Session, Callable[[str], Any]], int | None]
_user_tables: dict[str, Owner] = {}


def register_user_table(table: str, owner: Owner) -> None:
    """A table whose rows change what a signed-in user's identity or header shows.

    ``owner`` is the column holding the user's id (``"user_id"``), or, for a row that does not
    hold it, a function of the session and a reader of the row's columns (a flushed object's
    attributes, or a bulk statement's ``column = value`` conditions) returning the user's id
    (``0``: no signed-in user, such as a guest's cart; None: unknown, which bumps every user).
    """
    _user_tables[table] = owner


@dataclass(frozen=True)
class Kept:
    stamps: tuple[str, str, str]
    token_digest: str
    record: Any  # the UserSession, detached, with its user and the user's roles loaded
    header_counts: Any  # the header's counts, or None when no page read them


class Prefetch(Protocol):
    """Keys another cache wants read in the same round trip as a signed-in identity (the
    private pages: their entry and table epochs), and what to do with what was read."""

    def keys(self, user_id: int) -> list[str]: ...

    def read(self, version: Any, values: dict[str, Any]) -> None: ...


_prefetch: Prefetch | None = None


def prefetch_with_identity(reader: Prefetch) -> None:
    global _prefetch
    _prefetch = reader


def enabled() -> bool:
    config = current_app.config
    if not config.get("PAGE_CACHE_SECONDS"):
        return False
    return bool(config.get("IDENTITY_CACHE", bool(config.get("REDIS_URL"))))


def _seconds() -> int:
    config = current_app.config
    return min(int(config["PAGE_CACHE_SECONDS"]), int(config.get("IDENTITY_CACHE_SECONDS", 60)))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _epoch_key(user: int | str) -> str:
    return f"identity-epoch:{user}"


def _entry_key(record_id: int) -> str:
    return f"identity:{record_id}"


def _stamps(user_id: int, found: list[Any]) -> tuple[str, str, str]:
    version, every, own = found
    if version is None:
        version = current_version()
    note_version(str(version))
    if every is None:
        every = uuid.uuid4().hex
        cache.set(_epoch_key(ALL), every, timeout=0)
    if own is None:
        own = uuid.uuid4().hex
        cache.set(_epoch_key(user_id), own, timeout=0)
    return str(version), str(every), str(own)


def lookup(record_id: int, user_id: int, token: str) -> Kept | None:
    """The kept identity of this session record if every stamp still holds (one round trip).

    On a miss the stamps just read are remembered for ``remember`` at the end of the request.
    """
    global _lost_bumps
    if not enabled():
        return None
    extra = _prefetch.keys(user_id) if _prefetch is not None else []
    try:
        version, every, own, entry, *more = cache.get_many(
            "version", _epoch_key(ALL), _epoch_key(user_id), _entry_key(record_id), *extra
        )
        found = [version, every, own]
        if _prefetch is not None and extra:
            _prefetch.read(version, dict(zip(extra, more, strict=True)))
        if _lost_bumps:  # this process committed writes while the store was down
            bump([ALL])
            _lost_bumps = False
            return None
        stamps = _stamps(user_id, found)
    except Exception:
        log.warning("identity cache unavailable: loading from the database", exc_info=True)
        return None
    g.identity_stamps = stamps
    if (
        isinstance(entry, Kept)
        and entry.stamps == stamps
        and entry.token_digest == _digest(token)
        and entry.record.user_id == user_id
    ):
        g.identity_kept = entry
        return entry
    return None


def _loaded(instance: Any) -> bool:
    state = inspect(instance)
    return not state.expired_attributes and not state.modified


def remember(response: Response) -> Response:
    """After a signed-in request: keep what it read (identity, and the header's counts)."""
    stamps = g.pop("identity_stamps", None)
    record = g.get("session_record")
    counts = g.get("header_counts")
    kept: Kept | None = g.get("identity_kept")
    if stamps is None or record is None or response.status_code >= 500:
        return response
    if kept is not None and (kept.header_counts is not None or counts is None):
        return response  # served from the entry, which holds all this request read
    if not _loaded(record) or not _loaded(record.user):
        return response  # a commit expired them: the next request loads afresh
    user = record.user
    if not all(_loaded(role) for role in user.roles):
        return response
    token = user.session_token or ""
    try:
        cache.set(
            _entry_key(record.id),
            Kept(stamps, _digest(token), record, counts),
            timeout=_seconds(),
        )
    except Exception:
        log.exception("identity not kept")
    return response


# --- invalidation -------------------------------------------------------------------------------


Reader = Callable[[str], Any]  # a column's value in a flushed row or a statement's condition


def _owner(session: Session, table: str, read: Reader) -> int | str | None:
    """The user a written row belongs to: an id, 0 (no user), ``ALL`` (unknown), or None when
    the table is not a user table."""
    owner = _user_tables.get(table)
    if owner is None:
        return None
    if callable(owner):
        found = owner(session, read)
        return ALL if found is None else found
    value = read(owner)
    return value if isinstance(value, int) else ALL


def _equalities(statement: UpdateBase) -> dict[str, Any]:
    """``column = value`` pairs of a bulk statement's ``WHERE`` (each column's first)."""
    pairs: dict[str, Any] = {}
    where = getattr(statement, "whereclause", None)
    if where is None:
        return pairs
    for node in visitors.iterate(where):
        if not isinstance(node, BinaryExpression) or node.operator is not eq:
            continue
        left, right = node.left, node.right
        if isinstance(left, BindParameter):
            left, right = right, left
        if isinstance(left, ColumnClause) and isinstance(right, BindParameter):
            pairs.setdefault(left.name, right.effective_value)
    return pairs


def _statement_owners(state: ORMExecuteState, table: str) -> set[int | str]:
    statement = state.statement
    rows = state.parameters
    if isinstance(statement, Insert) and rows:
        # insert(Notification) with a list of rows: each row names its user.
        many: list[Any] = list(rows) if isinstance(rows, list | tuple) else [rows]
        found = {_owner(state.session, table, row.get) for row in many}
        return {user for user in found if user is not None}
    if not isinstance(statement, UpdateBase):
        return {ALL}
    conditions = _equalities(statement)
    owner = _owner(state.session, table, conditions.get)
    return {ALL if owner is None else owner}


def _table_of(obj: Any) -> str:
    return str(getattr(obj, "__tablename__", ""))


def _attributes(obj: Any) -> Reader:
    return lambda name: getattr(obj, name, None)


def _mark(session: Session, users: Iterable[int | str]) -> None:
    marked: set[int | str] = session.info.setdefault("identity_dirty", set())
    marked.update(users)


def bump(users: Iterable[int | str]) -> None:
    """Make the kept identities of these users (or ``"all"``) stale."""
    for user in set(users) - {0}:
        cache.set(_epoch_key(user), uuid.uuid4().hex, timeout=0)


_watching = False
_lost_bumps = False  # a commit's bump failed (store down): bump everyone once it answers


def watch_writes() -> None:
    """Bump the epochs of the users whose rows a commit wrote (listeners once per process)."""
    global _watching
    if _watching:
        return
    _watching = True

    @event.listens_for(Session, "after_flush")
    def _flushed(session: Session, _flush: UOWTransaction) -> None:
        if not _user_tables:
            return
        objects = [*session.new, *session.dirty, *session.deleted]
        owners = (_owner(session, _table_of(o), _attributes(o)) for o in objects)
        _mark(session, {user for user in owners if user is not None})

    @event.listens_for(Session, "do_orm_execute")
    def _executed(state: ORMExecuteState) -> None:
        if state.is_select:
            return
        statement = state.statement
        if not isinstance(statement, UpdateBase):
            found = _WRITE.match(str(statement))  # text(): a write to a user table, anyone's
            if found and found.group(1).lower() in _user_tables:
                _mark(state.session, {ALL})
            return
        table = getattr(getattr(statement, "table", None), "name", None) or ""
        if table in _user_tables:
            _mark(state.session, _statement_owners(state, table))

    @event.listens_for(Session, "after_commit")
    def _committed(session: Session) -> None:
        global _lost_bumps
        users = session.info.pop("identity_dirty", None)
        if users and has_request_context():
            g.pop("header_counts", None)  # this request's header reads the counts afresh
        if users and has_app_context() and enabled():
            try:
                bump(users)
            except Exception:  # committed; a cache outage must not fail it
                _lost_bumps = True
                log.warning("identity epochs not bumped", exc_info=True)

    @event.listens_for(Session, "after_rollback")
    def _rolled_back(session: Session) -> None:
        session.info.pop("identity_dirty", None)


def init_app(app: Flask) -> None:
    for table, owner in (
        ("user_account", "id"),
        ("user_role", "user_id"),
        ("user_session", "user_id"),
        ("notification", "user_id"),
    ):
        register_user_table(table, owner)
    watch_writes()
    app.after_request(remember)
