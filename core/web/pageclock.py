"""The page cache's clock: the moments at which a cached page must be rendered afresh although
nothing was written (``core.web.pagecache``).

A promotion that starts or ends changes prices, badges and countdowns by the clock alone, so an
entry expires no later than the next start or end of any registered window
(``register_time_boundaries``), or a moment a view names while it renders (``not_after``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import current_app, g
from sqlalchemy import func, select, union_all
from sqlalchemy.orm import InstrumentedAttribute

from core.web.pageversion import request_version

log = logging.getLogger(__name__)

BOUNDARY_COMMENT = "/* page cache: next promotion start or end */"
_time_boundaries: list[InstrumentedAttribute[Any]] = []


def register_time_boundaries(*columns: InstrumentedAttribute[Any]) -> None:
    """Columns holding moments at which public pages change by the clock (promotion windows)."""
    for column in columns:
        if column not in _time_boundaries:
            _time_boundaries.append(column)


def not_after(moment: datetime | None) -> None:
    """While rendering a cached page: the page must not be served from the cache after this."""
    if moment is None or "pagecache_not_after" not in g:
        return
    current = g.pagecache_not_after
    g.pagecache_not_after = moment if current is None else min(current, moment)


def next_time_boundary(now: datetime) -> datetime | None:
    """The next moment, after ``now``, at which a promotion starts or ends (one statement)."""
    from core.extensions import db

    if not _time_boundaries:
        return None
    moments = union_all(
        *(
            select(func.min(column).label("moment")).where(column > now)
            for column in _time_boundaries
        )
    ).subquery()
    statement = select(func.min(moments.c.moment)).prefix_with(BOUNDARY_COMMENT)
    raw: object = db.session.scalar(statement)
    if raw is None:
        return None
    # SQLite may hand back the text of a min() over a union.
    found = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def next_boundary(now: datetime) -> datetime | None:
    """``next_time_boundary(now)``, remembered in this process for the catalogue version this
    request read: the answer changes only by a write (a new version) or when the clock reaches
    it, so it holds from the moment it was read until the boundary it names."""
    try:
        version = request_version()
    except Exception:  # the store is down: read the moment, keep nothing
        log.warning("page cache version unavailable", exc_info=True)
        return next_time_boundary(now)
    kept = current_app.extensions.get("pagecache_boundary")
    if kept is not None:
        kept_version, read_at, boundary = kept
        if kept_version == version and read_at <= now and (boundary is None or now < boundary):
            return boundary  # type: ignore[no-any-return]
    found = next_time_boundary(now)
    if version:
        current_app.extensions["pagecache_boundary"] = (version, now, found)
    return found
