"""Tracking what viewers do with creators' content, and folding it into daily rollups.

Recording is one ``INSERT … ON CONFLICT (dedup_key) DO NOTHING``: no lookup first, no lock, no
counter row to update, so a page view costs one insert whatever the traffic. Views, yellow-cart
opens and product-card clicks carry a ``dedup_key`` (kind, content, product, visitor and a fixed
time bucket of ``EVENT_DEDUP_SECONDS``, hashed): the same visitor repeating them within a bucket
counts once, and the unique index drops the repeat. Add-to-cart and order events have no key
(NULL never conflicts): each is counted.

``roll_up`` folds the events past a cursor into ``content_daily_stat``; the dashboards read the
rollups plus the events past the cursor (the *tail*), so their figures are exact at every
moment, whether the job ran a second or an hour ago.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, session
from flask_login import current_user
from sqlalchemy import Integer, and_, case, cast, func, literal, literal_column, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from affiliate.creators.attribution.models import (
    ContentDailyStat,
    ContentEvent,
    EventKind,
    RollupCursor,
)
from affiliate.creators.content.models import Content
from core.extensions import db
from core.types import utcnow

#: The cursor of ``roll_up`` in ``rollup_cursor``.
CURSOR_NAME = "content_event"
#: Kinds a browser may report; add-to-cart and orders are recorded by the cart and order services.
BEACON_KINDS = (EventKind.VIEW, EventKind.CART_OPEN, EventKind.CLICK)
#: Kinds that a visitor repeating within the dedup window counts once.
DEDUPED_KINDS = frozenset(BEACON_KINDS)
DEFAULT_DEDUP_SECONDS = 30 * 60
#: On PostgreSQL an event's id is taken before its transaction commits, so a later id can be
#: visible before an earlier one: ``roll_up`` leaves events younger than this in the tail
#: (for events written directly; buffered batches are covered by ``INGEST_LOCK``).
DEFAULT_SETTLE_SECONDS_POSTGRES = 30
#: PostgreSQL advisory lock: a batch of buffered events is written under it shared
#: (``ingest.write_encoded``), and ``roll_up`` takes it exclusively for the moment it reads the
#: highest id (waiting for batches in flight), not while it folds.
INGEST_LOCK = 0x59_43_45_56

_BOT = re.compile(
    r"bot|crawl|spider|slurp|headless|phantomjs|puppeteer|playwright|selenium|lighthouse"
    r"|curl/|wget/|python-requests|python-urllib|aiohttp|httpx|go-http-client|java/|okhttp"
    r"|libwww|scrapy|facebookexternalhit|preview|monitor|pingdom|uptime",
    re.IGNORECASE,
)


# ---------------------------------------------------------------------------- visitors


def visitor_key(user_id: int | None, session_id: str) -> str:
    """A 32-character key for a visitor: by user id when signed in, else by a session id.

    Hashed, so the events table holds neither user ids of viewers nor session secrets.
    """
    stable = f"user:{user_id}" if user_id is not None else f"guest:{session_id}"
    return hashlib.sha256(stable.encode()).hexdigest()[:32]


def current_visitor() -> str:
    """The key of the visitor of this request (creating the guest's random id in the session).

    The one request-bound helper here: the beacon view and the cart call it, and pass its
    answer to ``record_event``.
    """
    if current_user.is_authenticated:
        return visitor_key(current_user.id, "")
    guest = session.get("visitor")
    if not isinstance(guest, str) or not guest:
        guest = secrets.token_urlsafe(16)
        session["visitor"] = guest
    return visitor_key(None, guest)


def is_bot(user_agent: str) -> bool:
    """Whether a User-Agent is a crawler, a script or a headless browser (or missing)."""
    agent = (user_agent or "").strip()
    return not agent or _BOT.search(agent) is not None


# ---------------------------------------------------------------------------- recording


def _dedup_seconds() -> int:
    return int(current_app.config.get("EVENT_DEDUP_SECONDS") or DEFAULT_DEDUP_SECONDS)


def dedup_key(
    kind: EventKind, content_id: int, product_id: int | None, visitor: str, at: datetime
) -> str | None:
    """The key that makes repeats within one time bucket collide; None for counted kinds."""
    if kind not in DEDUPED_KINDS:
        return None
    bucket = int(at.timestamp()) // _dedup_seconds()
    raw = f"{kind.value}|{content_id}|{product_id or 0}|{visitor}|{bucket}"
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()


def insert_for(table: Any) -> Any:
    """The dialect's INSERT, which knows ``ON CONFLICT``."""
    if db.engine.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def record_event(
    kind: EventKind,
    content_id: int,
    creator_id: int,
    *,
    visitor: str,
    product_id: int | None = None,
    amount: int = 0,
    at: datetime | None = None,
) -> bool:
    """Record one event in one statement; return whether it counted (False: a repeat).

    ``amount`` is the GMV of an order event (minor units). The caller commits.
    """
    kind = EventKind(kind)
    at = at or utcnow()
    statement = (
        insert_for(ContentEvent)
        .values(
            kind=kind.value,
            content_id=content_id,
            creator_id=creator_id,
            product_id=product_id,
            visitor=visitor,
            amount=amount,
            occurred_at=at,
            dedup_key=dedup_key(kind, content_id, product_id, visitor, at),
        )
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(ContentEvent.id)
    )
    # RETURNING says whether a row went in (rowcount is not reliable for ON CONFLICT on
    # every driver); a repeat returns no row.
    return db.session.execute(statement).first() is not None


# ---------------------------------------------------------------------------- rolling up


def utc_day(column: Any) -> Any:
    """The UTC calendar day of a timestamp column, in SQL."""
    if db.engine.dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)  # SQLite stores UTC text: 'YYYY-MM-DD HH:MM:SS…'


def kind_count(kind: EventKind, column: Any = ContentEvent.kind) -> Any:
    """1 for an event of ``kind``, else 0 (to sum)."""
    return case((column == kind.value, 1), else_=0)


def order_amount(kind_column: Any = ContentEvent.kind, amount_column: Any = ContentEvent.amount):
    """An order event's GMV, else 0 (to sum)."""
    return case((kind_column == EventKind.ORDER.value, amount_column), else_=0)


def _lock_cursor() -> RollupCursor:
    """The roll-up's cursor row, created if missing and locked (PostgreSQL) until commit.

    On SQLite the session's ``BEGIN IMMEDIATE`` already makes writers take turns.
    """
    db.session.execute(
        insert_for(RollupCursor)
        .values(name=CURSOR_NAME, last_id=0, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return db.session.scalars(
        select(RollupCursor)
        .where(RollupCursor.name == CURSOR_NAME)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _settle_seconds(settle_seconds: int | None) -> int:
    if settle_seconds is not None:
        return settle_seconds
    configured = current_app.config.get("ROLLUP_SETTLE_SECONDS")
    if configured is not None:
        return int(configured)
    # SQLite serializes writers (BEGIN IMMEDIATE), so its ids become visible in order.
    return DEFAULT_SETTLE_SECONDS_POSTGRES if db.engine.dialect.name == "postgresql" else 0


def roll_up(limit: int = 50_000, *, settle_seconds: int | None = None) -> int:
    """Fold up to ``limit`` events past the cursor into the daily rollups; return how many.

    **It commits** (in two transactions on PostgreSQL): call it outside a unit of work, as the
    periodic job does. Then:

    1. PostgreSQL: read the bound, the highest id written so far, under the ingest advisory
       lock taken exclusively, and commit. Holding that lock means no batch of buffered events
       (``ingest``) is being written, so every id up to the bound is committed, and every later
       batch takes higher ids from the sequence: a batch in flight is never skipped. Batches
       wait only for that short transaction, never for the fold (step 2 on). SQLite has no
       bound: its ``BEGIN IMMEDIATE`` makes writers take turns, so ids become visible in order;
    2. under the cursor's row lock (so two runs never fold the same events), take the next
       ``limit`` events past the cursor (and up to the bound), stopping before the first one
       younger than ``settle_seconds`` (PostgreSQL: an event written directly, not through the
       buffer, takes its id before its transaction commits, so a young one may yet have an
       older id appear before it; SQLite needs no wait);
    3. add them, grouped in SQL by UTC day, content and product, into ``content_daily_stat``
       with one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` (counts are added to the row).
       **Every event counts once in its content's row (``product_id`` 0) and, when it names a
       product, once more in that product's row.** So a content row holds the content's
       complete totals (views, cart opens, clicks, add-to-carts, orders, GMV) and a product
       row the share of that product; never add the two together;
    4. add the views and clicks to ``content.view_count`` / ``click_count`` (feed sorting);
    5. move the cursor to the last event folded, and commit.

    Running it again folds nothing twice: the cursor moved in the same transaction as the
    counts. The dashboards (rollups plus the events past the cursor) stay exact throughout.
    """
    settle = _settle_seconds(settle_seconds)
    bound = _ingested_bound()
    cursor = _lock_cursor()
    last_id = cursor.last_id

    pending = ContentEvent.id > last_id
    if bound is not None:
        pending = and_(pending, ContentEvent.id <= bound)
    batch = (
        select(ContentEvent.id, ContentEvent.occurred_at)
        .where(pending)
        .order_by(ContentEvent.id)
        .limit(limit)
        .subquery("batch")
    )
    extent = select(func.count(), func.max(batch.c.id))
    if settle > 0:
        cutoff = utcnow() - timedelta(seconds=settle)
        first_fresh = (
            select(func.min(batch.c.id)).where(batch.c.occurred_at > cutoff).scalar_subquery()
        )
        extent = extent.where(batch.c.id < func.coalesce(first_fresh, 2**62))
    count, upper = db.session.execute(extent).one()
    if not count:
        db.session.commit()
        return 0

    in_batch = and_(ContentEvent.id > last_id, ContentEvent.id <= upper)
    _fold_into_daily_stats(in_batch)
    _bump_content_counters(in_batch)
    cursor.last_id = upper
    cursor.updated_at = utcnow()
    db.session.commit()
    return int(count)


def _ingested_bound() -> int | None:
    """PostgreSQL: the highest event id, read with no batch being written; committed at once.

    Two statements, in this order: the read must take its snapshot after the lock is granted
    (each statement takes its own under READ COMMITTED), so that it sees every batch that was
    committing while the lock waited. None on SQLite (no bound needed: see ``roll_up``).
    """
    if db.engine.dialect.name != "postgresql":
        return None
    db.session.execute(select(func.pg_advisory_xact_lock(INGEST_LOCK)))
    bound = db.session.scalar(select(func.coalesce(func.max(ContentEvent.id), 0)))
    db.session.commit()  # lets the batches waiting behind the lock go on
    return int(bound or 0)


def _fold_into_daily_stats(in_batch: ColumnElement[bool]) -> None:
    day = utc_day(ContentEvent.occurred_at)
    columns = (ContentEvent.content_id, ContentEvent.creator_id, ContentEvent.kind)
    # Each event once for its content (product 0), and once more for its product if any.
    by_content = select(day.label("day"), *columns, literal(0).label("product_id"))
    by_product = select(
        day.label("day"), *columns, ContentEvent.product_id.label("product_id")
    ).where(ContentEvent.product_id.is_not(None))
    amount = ContentEvent.amount
    rows = (
        by_content.add_columns(amount)
        .where(in_batch)
        .union_all(by_product.add_columns(amount).where(in_batch))
        .subquery("folded")
    )
    kind = rows.c.kind
    totals = (
        select(
            rows.c.day,
            rows.c.content_id,
            cast(rows.c.product_id, Integer),
            func.max(rows.c.creator_id),
            func.sum(kind_count(EventKind.VIEW, kind)),
            func.sum(kind_count(EventKind.CART_OPEN, kind)),
            func.sum(kind_count(EventKind.CLICK, kind)),
            func.sum(kind_count(EventKind.ADD_TO_CART, kind)),
            func.sum(kind_count(EventKind.ORDER, kind)),
            func.sum(order_amount(kind, rows.c.amount)),
        )
        # SQLite parses "INSERT … SELECT … ON CONFLICT" only with a WHERE in the SELECT.
        .where(literal_column("1") == 1)
        .group_by(rows.c.day, rows.c.content_id, rows.c.product_id)
    )
    counted = ("views", "cart_opens", "clicks", "add_to_carts", "orders", "gmv")
    insert = insert_for(ContentDailyStat).from_select(
        ["day", "content_id", "product_id", "creator_id", *counted], totals
    )
    table = ContentDailyStat.__table__
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=["day", "content_id", "product_id"],
            set_={name: table.c[name] + insert.excluded[name] for name in counted},
        )
    )


def _bump_content_counters(in_batch: ColumnElement[bool]) -> None:
    per_content = (
        select(
            ContentEvent.content_id.label("content_id"),
            func.sum(kind_count(EventKind.VIEW)).label("views"),
            func.sum(kind_count(EventKind.CLICK)).label("clicks"),
        )
        .where(in_batch, ContentEvent.kind.in_([EventKind.VIEW.value, EventKind.CLICK.value]))
        .group_by(ContentEvent.content_id)
        .subquery("per_content")
    )
    db.session.execute(
        update(Content)
        .where(Content.id == per_content.c.content_id)
        .values(
            view_count=Content.view_count + per_content.c.views,
            click_count=Content.click_count + per_content.c.clicks,
        )
        .execution_options(synchronize_session=False)
    )


def cursor_position() -> int:
    """The id of the last event folded into the rollups (0 before the first run)."""
    return (
        db.session.scalar(select(RollupCursor.last_id).where(RollupCursor.name == CURSOR_NAME)) or 0
    )


def cursor_subquery() -> Any:
    """The cursor as a scalar subquery, read in the same statement (snapshot) as the rollups."""
    return func.coalesce(
        select(RollupCursor.last_id).where(RollupCursor.name == CURSOR_NAME).scalar_subquery(), 0
    )
