"""Cached public pages: whole pages for anonymous visitors, page bodies for signed-in ones.

Freshness is explicit, never a guess:

- **Version.** Every cached entry is keyed by one catalogue version. A committed write to any
  table other than the few that no public page reads (``IGNORED_TABLES``: events, notifications,
  the ledger, mail, carts...) bumps the version after the commit, so the next request renders
  afresh. The version lives in Redis when ``REDIS_URL`` is set, else in a small file in the
  instance folder, so that every gunicorn worker of one machine sees a bump at once.
- **Clock.** An entry expires no later than the next time-based change that a page may show:
  the next start or end of a promotion (``register_time_boundaries``), or a moment a view names
  while it renders (``not_after``, e.g. the end of a review's edit window).
- **Who.** Whole pages are kept only for visitors with no user and no session state but a CSRF
  token (no flashed message, no guest cart); the token is put back per request, so no page
  carries another session's token. Signed-in visitors share nothing: their page bodies are kept
  per user, and the header (name, cart, bell) is rendered on every request.
- Only ``200`` answers to ``GET`` are kept; a page the viewer may not see is a 404 and never
  cached, and a write that hides a page (a product to draft, a store suspended) bumps the version.

Entries live in Flask-Caching: Redis when ``REDIS_URL`` is set, else in-process (SimpleCache).
``PAGE_CACHE_SECONDS`` caps every entry (0 turns caching off).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    g,
    render_template,
    request,
    session,
)
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from core.types import utcnow
from core.web import pageclock, privatepages
from core.web.pageversion import (
    bump_version,
    cache,
    current_version,
    note_version,
    request_version,
    watch_writes,
)

log = logging.getLogger(__name__)


NEUTRAL_SESSION_KEYS = frozenset({"csrf_token", "_permanent", "_fresh", "_id"})
CSRF_SENTINEL = "\x00pagecache-csrf\x00"
_MARK = "<!--pagecache:{}-->"
_BLOCKS = ("title", "content", "scripts")


def clear() -> None:
    """Forget every cached page (after writes that bypass the session, e.g. a test's wipe)."""
    bump_version()
    try:
        cache.clear()
    except Exception:
        log.exception("page cache not cleared")


# --- what may be cached -------------------------------------------------------------------------


def enabled() -> bool:
    return bool(current_app.config.get("PAGE_CACHE_SECONDS")) and request.method == "GET"


def anonymous_page_allowed() -> bool:
    """No user, and nothing in the session that a page shows (flashes, a guest cart)."""
    if current_user.is_authenticated:
        return False
    return set(session.keys()) <= NEUTRAL_SESSION_KEYS


def _timeout(now: datetime, until: datetime | None) -> int:
    cap = int(current_app.config["PAGE_CACHE_SECONDS"])
    if until is None:
        return cap
    if until.tzinfo is None:
        until = until.replace(tzinfo=now.tzinfo)
    return max(0, min(cap, int((until - now).total_seconds())))


@dataclass(frozen=True)
class Entry:
    version: str  # the catalogue version it was rendered at: any other one makes it stale
    parts: dict[str, str]
    valid_until: datetime | None
    etag: str
    value: Any = None  # for shared_value; a private page: the ignored tables it read


def _key(kind: str, user: int | None) -> str:
    return f"{kind}:{user or 0}:{request.full_path}"


def _csrf_in(text: str, token: str) -> str:
    return text.replace(token, CSRF_SENTINEL)


def _csrf_out(text: str) -> str:
    return text.replace(CSRF_SENTINEL, generate_csrf()) if CSRF_SENTINEL in text else text


def _fresh(entry: Any, version: str) -> Entry | None:
    if not isinstance(entry, Entry) or entry.version != version:
        return None
    if entry.valid_until is not None and utcnow() >= entry.valid_until:
        return None
    return entry


def _store(
    key: str,
    version: str,
    parts: dict[str, str],
    until: datetime | None,
    now: datetime,
    value: Any = None,
) -> Entry:
    digest = hashlib.sha1("".join(parts.values()).encode(), usedforsecurity=False).hexdigest()
    entry = Entry(version, parts, until, digest[:20], value)
    timeout = _timeout(now, until)
    if timeout > 0 and version:
        try:
            cache.set(key, entry, timeout=timeout)
        except Exception:
            log.exception("page cache entry not stored")
    return entry


def _lookup(key: str) -> tuple[str, Entry | None]:
    """The current version and the entry under ``key`` if it is fresh: one Redis round trip."""
    try:
        if current_app.config.get("REDIS_URL"):
            version, entry = cache.get_many("version", key)
            if version is None:
                return current_version(), None
            note_version(str(version))
            return str(version), _fresh(entry, str(version))
        version = request_version()
        return version, _fresh(cache.get(key), version)
    except Exception:
        log.exception("page cache unavailable")
        return "", None


def _conditional(entry: Entry, body: str) -> Response:
    """The page with a validator; ``304`` when the browser holds this very page."""
    token_hash = hashlib.sha1(
        str(session.get("csrf_token", "")).encode(), usedforsecurity=False
    ).hexdigest()[:8]
    hour = utcnow().strftime("%Y%m%d%H")  # a token older than the CSRF time limit is not reused
    etag = f"{entry.etag}-{token_hash}-{hour}"
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="text/html")
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    return response


def render_page(template: str, context: Callable[[], Mapping[str, Any]]) -> Response | str:
    """Render ``template`` with ``context()``, from the page cache when it may be.

    ``context`` is called only when the page is rendered; it must read everything the page
    shows (the version covers the database, ``not_after`` and the promotion windows the clock).
    """
    if not enabled():
        return render_template(template, **context())
    if anonymous_page_allowed():
        return _anonymous_page(template, context)
    return _signed_in_page(template, context)


def _render_fresh(
    template: str,
    context: Callable[[], Mapping[str, Any]],
    capture: bool,
    private: bool = False,
) -> tuple[str, datetime | None, datetime]:
    from core.extensions import db

    db.session.rollback()  # read the data in a snapshot newer than the version just read
    now = utcnow()
    g.pagecache_not_after = pageclock.next_boundary(now)
    if private:
        pageclock.not_after(privatepages.expires(now))
    html = render_template(template, pagecache_capture=capture, **context())
    return html, g.pop("pagecache_not_after", None), now


def _anonymous_page(template: str, context: Callable[[], Mapping[str, Any]]) -> Response:
    key = _key("page", None)
    version, entry = _lookup(key)
    if entry is None:
        html, until, now = _render_fresh(template, context, capture=False)
        entry = _store(key, version, {"page": _csrf_in(html, generate_csrf())}, until, now)
        return _conditional(entry, html)
    return _conditional(entry, _csrf_out(entry.parts["page"]))


def render_private_page(template: str, context: Callable[[], Mapping[str, Any]]) -> Response | str:
    """A signed-in user's own page (a centre), kept per user while nothing it read changed
    (``core.web.privatepages``). Call it after the role and ownership checks: ``context``
    must read everything the page shows, and is called only when the page is rendered."""
    if not enabled() or not privatepages.enabled():
        return render_template(template, **context())
    return _signed_in_page(template, context, private=True)


def _private_lookup(key: str) -> tuple[str, Entry | None]:
    """The catalogue version and the kept private page if all its stamps still hold."""
    try:
        if current_app.config.get("REDIS_URL"):
            version, entry, epochs = privatepages.lookup_with_epochs(key)
            if version is None:
                return current_version(), None
            note_version(str(version))
        else:
            version, entry, epochs = request_version(), cache.get(key), None
        if not isinstance(entry, Entry):
            return str(version), None
        current = privatepages.current_stamp(str(version), tuple(entry.value or ()), epochs)
        return str(version), _fresh(entry, current)
    except Exception:
        log.exception("page cache unavailable")
        return "", None


def _signed_in_page(
    template: str, context: Callable[[], Mapping[str, Any]], *, private: bool = False
) -> Response | str:
    """The user's own copy: the whole page while the header reads the same, else the kept body
    inside a header rendered afresh (a new count, a flashed message)."""
    user = current_user.id if current_user.is_authenticated else None
    key = privatepages.page_key(user) if private and user else _key("body", user)
    version, entry = _private_lookup(key) if private else _lookup(key)
    header = header_fingerprint()
    if entry is not None:
        if header and entry.parts.get("header") == header:
            return _csrf_out(entry.parts["page"])
        # The kept parts are this app's own rendered (escaped) HTML.
        kept = {name: _csrf_out(entry.parts[name]) for name in _BLOCKS if name in entry.parts}
        blocks = {name: Markup(text) for name, text in kept.items()}  # noqa: S704
        html = render_template("_pagecache_body.html", pagecache_blocks=blocks)
        if header:
            parts = {**entry.parts, "header": header, "page": _csrf_in(html, generate_csrf())}
            _store(key, entry.version, parts, entry.valid_until, utcnow(), entry.value)
        return html
    tables: tuple[str, ...] = ()
    if private and version:
        try:
            epochs = privatepages.all_epochs()  # before the render reads anything
        except Exception:
            log.exception("page cache unavailable")
            version = ""
        with privatepages.reads() as read:
            html, until, now = _render_fresh(template, context, capture=True, private=True)
        tables = tuple(sorted(read))
        privatepages.note_reads(tables)
        if version:
            version = privatepages.stamp(version, {name: epochs[name] for name in tables})
    else:
        html, until, now = _render_fresh(template, context, capture=True)
    token = generate_csrf()
    parts = {}
    for name in _BLOCKS:
        start, end = _MARK.format(name), _MARK.format("/" + name)
        if start in html and end in html:
            parts[name] = _csrf_in(html.split(start, 1)[1].split(end, 1)[0], token)
    for name in _BLOCKS:
        html = html.replace(_MARK.format(name), "").replace(_MARK.format("/" + name), "")
    if "content" in parts and version:
        if header:
            parts |= {"header": header, "page": _csrf_in(html, token)}
        _store(key, version, parts, until, now, tables)
    return html


def header_fingerprint() -> str:
    """What the layout around a page shows this signed-in user, read for this request: the same
    fingerprint means the same header, so a kept whole page may be served. Empty (never equal)
    while a flashed message waits: it is shown once, on a page rendered for it."""
    if not current_user.is_authenticated or "_flashes" in session:
        return ""
    from core.web.templating import header_state

    return hashlib.sha1(repr(header_state()).encode(), usedforsecurity=False).hexdigest()


def shared_value(name: str, load: Callable[[], Any]) -> Any:
    """A value every request may share until the next write (e.g. the navbar's category menu).

    Kept in this process for the version the request read (no round trip, nothing to unpickle)
    and in the shared store for the other processes. ``load`` must return something that
    outlives its request: plain data or markup, or ORM objects expunged from the session.
    Loaded afresh when the cache is off.
    """
    if not current_app.config.get("PAGE_CACHE_SECONDS"):
        return load()
    try:
        version = request_version()
    except Exception:
        log.exception("page cache unavailable")
        return load()
    shared: dict[str, tuple[str, Any]] = current_app.extensions.setdefault("pagecache_shared", {})
    local = shared.get(name)
    if local is not None and local[0] == version:
        return local[1]
    key = f"value:{name}"
    _, entry = _lookup(key)
    if entry is not None and entry.version == version:
        value = entry.value
    else:
        value = load()
        if version:
            try:
                cache.set(key, Entry(version, {}, None, "", value))
            except Exception:
                log.exception("page cache value not stored")
    if version:
        shared[name] = (version, value)
    return value


def init_app(app: Flask) -> None:
    app.config.setdefault("PAGE_CACHE_SECONDS", 300)
    redis_url = app.config.get("REDIS_URL")
    settings: dict[str, Any] = {
        "CACHE_DEFAULT_TIMEOUT": app.config["PAGE_CACHE_SECONDS"],
        "CACHE_KEY_PREFIX": app.config.get("CACHE_KEY_PREFIX") or "yc-pages:",
    }
    if redis_url:
        settings |= {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": redis_url,
            "CACHE_OPTIONS": {"socket_timeout": app.config.get("REDIS_SOCKET_TIMEOUT", 2)},
        }
    else:
        settings |= {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}
    cache.init_app(app, config=settings)
    watch_writes()
    privatepages.watch_reads()
