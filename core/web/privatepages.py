"""Private pages (the centres): a signed-in user's own page, kept whole while nothing it read
has changed.

A centre page (seller orders, the Creator centre, the affiliate tab, the finance queue) reads
rows that public pages ignore: ledger postings, withdrawals, events... A write to those tables
does not bump the catalogue version (``core.web.pageversion``), so a kept private page carries
more stamps than a public one, all read *before* the page reads the database:

- the catalogue version (every write to any other table: orders, commissions, products...);
- the viewer's identity epochs (``core.accounts.identity_cache``: roles, account, sessions,
  notices, cart), as read when the request signed the user in;
- the epoch of each ignored table the render actually read (found in the SQL it ran), bumped
  after every commit that wrote that table, whoever wrote it.

So a page is served only while none of the rows it could have read was written since; a write
committed during the render bumps a stamp read before it, and the page stored with the old stamp
is never served. What a page shows without reading the database is bounded by the clock: every
entry lives at most ``PRIVATE_PAGE_SECONDS`` (60) and never past the next UTC midnight (periods
such as "last 7 days" move then); memoised figures (``CENTRE_FIGURES_SECONDS``) cut it to their
own expiry with ``pageclock.not_after``. Kept only where the kept identities are (Redis, or
``IDENTITY_CACHE`` in one process), per user and full path: no page is ever served to another
user, and a request that fails the role or ownership check never reaches the cache.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from core.accounts import identity_cache
from core.web.pageversion import (
    IGNORED_TABLES,
    cache,
    table_bumps_lost,
    table_epoch_key,
    table_epochs,
)

#: Ignored tables named in a statement (``\b``: ``withdrawal`` is not ``withdrawal_approval``).
_READ = re.compile(r"\b(" + "|".join(sorted(IGNORED_TABLES, key=len, reverse=True)) + r")\b")


def enabled() -> bool:
    return (
        current_user.is_authenticated
        and int(current_app.config.get("PRIVATE_PAGE_SECONDS", 60)) > 0
        and identity_cache.enabled()
        and g.get("identity_stamps") is not None
    )


def stamp(version: str, epochs: Mapping[str, str]) -> str:
    """Everything a kept private page must still match, as one string."""
    _, every, own = g.identity_stamps
    tables = ",".join(f"{name}={epochs[name]}" for name in sorted(epochs))
    return f"{version}|{every}|{own}|{tables}"


#: The ignored tables each endpoint's page read when it was last rendered in this process: the
#: epochs a lookup reads along with the entry (a page that read others costs one more trip).
_read_by_endpoint: dict[str, tuple[str, ...]] = {}


def page_key(user_id: int) -> str:
    return f"private:{user_id}:{request.full_path}"


def lookup_with_epochs(key: str) -> tuple[Any, Any, dict[str, Any]]:
    """The catalogue version, the entry under ``key`` and the epochs of the tables this page
    read when last rendered here, in one round trip (the entry names its tables only once read):
    read with the signed-in identity when this endpoint is known to be a private page."""
    fetched = g.pop("private_page_prefetched", None)
    if fetched is not None and fetched[1] == key:
        return fetched[0], fetched[2], fetched[3]
    names = _read_by_endpoint.get(request.endpoint or "", ())
    version, entry, *found = cache.get_many("version", key, *map(table_epoch_key, names))
    return version, entry, dict(zip(names, found, strict=True))


class _WithIdentity:
    """Reads a known private page's entry and epochs in the identity's round trip."""

    def keys(self, user_id: int) -> list[str]:
        if not has_request_context() or request.method != "GET":
            return []
        names = _read_by_endpoint.get(request.endpoint or "")
        if names is None:
            return []  # not a private page (or not rendered here yet)
        return [page_key(user_id), *map(table_epoch_key, names)]

    def read(self, version: Any, values: dict[str, Any]) -> None:
        key, *epoch_keys = values
        prefix = table_epoch_key("")
        epochs = {name.removeprefix(prefix): values[name] for name in epoch_keys}
        g.private_page_prefetched = (version, key, values[key], epochs)


def note_reads(tables: tuple[str, ...]) -> None:
    """After a render: the tables this endpoint's page read (for the next lookups)."""
    _read_by_endpoint[request.endpoint or ""] = tables


def current_stamp(
    version: str, tables: tuple[str, ...], known: Mapping[str, Any] | None = None
) -> str:
    """The stamp a page that read ``tables`` would carry now (read unless ``known``)."""
    # After a lost bump, table_epochs bumps every table first: the kept page is not served.
    if (
        known is not None
        and not table_bumps_lost()
        and all(known.get(name) is not None for name in tables)
    ):
        return stamp(version, {name: str(known[name]) for name in tables})
    return stamp(version, table_epochs(tables) if tables else {})


def all_epochs() -> dict[str, str]:
    """Every ignored table's epoch, read before a render (which may read any of them)."""
    return table_epochs(IGNORED_TABLES)


def expires(now: datetime) -> datetime:
    seconds = int(current_app.config.get("PRIVATE_PAGE_SECONDS", 60))
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), now.tzinfo)
    return min(now + timedelta(seconds=seconds), midnight)


@contextmanager
def reads() -> Iterator[set[str]]:
    """The ignored tables named by the statements run inside the block (this request's)."""
    found: set[str] = set()
    g.private_page_reads = found
    try:
        yield found
    finally:
        g.pop("private_page_reads", None)


def _seen(
    _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    if has_request_context():
        found = g.get("private_page_reads")
        if found is not None:
            found.update(_READ.findall(statement))


_watching = False


def watch_reads() -> None:
    """Note which ignored tables a private page's render reads (one listener per process), and
    read a known private page with the signed-in identity."""
    global _watching
    identity_cache.prefetch_with_identity(_WithIdentity())
    if not _watching:
        event.listen(Engine, "before_cursor_execute", _seen)
        _watching = True
