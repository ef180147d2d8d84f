"""Values that public pages share between requests while the catalogue stays the same.

A thin layer over ``pagecache.shared_value`` (kept per catalogue version: any committed write
that a public page may show makes it stale) for the read paths of cached pages: with the page
cache off (``PAGE_CACHE_SECONDS = 0``, as the statement-count tests run) or outside a request,
there is nothing to share and ``versioned`` returns None, so the caller reads live.

``fragment`` / ``keep`` hold rendered HTML (the catalogue's product cards) in this process, for
the version the request read: no round trip and nothing to unpickle, which a shared store would
cost for each of a page's 24 cards.

A value kept here must not depend on the clock by itself (the version does not change when a
promotion starts or ends); a caller that needs the clock keeps the moment it read at with the
value and checks it (see ``shop.promotions.offers.promoted_products``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app, has_request_context, request
from markupsafe import Markup

from core.web import pagecache
from core.web.pageversion import request_version

log = logging.getLogger(__name__)

T = TypeVar("T")


def sharing() -> bool:
    """True when this request may share values between requests: the page cache is on, and it
    is a read (a request that writes may render after its commit, at a version it never read)."""
    return (
        has_request_context()
        and request.method in ("GET", "HEAD")
        and bool(current_app.config.get("PAGE_CACHE_SECONDS"))
    )


def versioned(name: str, load: Callable[[], T]) -> T | None:
    """``load()`` once per catalogue version, shared by every request; None when not sharing.

    ``load`` must return plain data (or objects expunged from the session): the value outlives
    its request and is kept in the shared store for the other processes.
    """
    if not sharing():
        return None
    value: Any = pagecache.shared_value(name, load)
    return value  # type: ignore[no-any-return]


# --- rendered fragments, kept in this process -----------------------------------------------

#: Fragments kept per process for one version; past this many, the store starts afresh.
MAX_FRAGMENTS = 10_000
_LOCAL = "fragments_local"


def _local() -> dict[Hashable, Markup] | None:
    """This process's fragments for the version this request read (emptied on a new one)."""
    if not sharing():
        return None
    try:
        version = request_version()
    except Exception:
        log.exception("page cache version unavailable; fragments not shared")
        return None
    kept: tuple[str, dict[Hashable, Markup]] | None = current_app.extensions.get(_LOCAL)
    if kept is None or kept[0] != version:
        kept = (version, {})
        current_app.extensions[_LOCAL] = kept
    return kept[1]


def fragment(key: Hashable) -> Markup | None:
    """A fragment kept under ``key`` at this request's catalogue version, if any."""
    store = _local()
    return None if store is None else store.get(key)


def keep(key: Hashable, html: Markup) -> Markup:
    """Keep ``html`` under ``key`` for this catalogue version (when sharing); returns it.

    The caller vouches that ``html`` depends on nothing but the catalogue (no clock, no user,
    no session): what the version covers.
    """
    store = _local()
    if store is not None:
        if len(store) >= MAX_FRAGMENTS:
            store.clear()
        store[key] = html
    return html
