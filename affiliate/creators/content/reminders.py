"""Reminders of scheduled lives: a signed-in viewer sets one, and gets two in-app notices.

- **Soon**: 10 minutes before the scheduled time (``SOON``), sent by the periodic job
  (``jobs.send_live_reminders``, every minute) while the live is still scheduled and its time
  has not come; a job that runs late past the time sends no "soon" (the start notice follows).
- **Started**: when the creator goes live. "When it starts" is the state change, not the
  scheduled time: a creator who starts late would otherwise send viewers to an empty page.
  ``lives.start_live`` sends them in the same transaction as the start; the periodic job sends
  any a start did not (a safety net), so a reminder never waits for the clock.

Each kind is sent once per reminder: the sent column is stamped by a guarded UPDATE (``… WHERE
soon_sent_at IS NULL RETURNING user_id``) in the transaction that adds the notices, so a job
that runs twice, or two runs at once (the second waits on the row locks, then finds the column
set), sends nothing more. Setting a reminder is idempotent; unsetting one deletes it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from affiliate.creators.content.exceptions import IllegalLiveMove
from affiliate.creators.content.models import (
    Content,
    ContentKind,
    ContentStatus,
    LiveReminder,
    LiveState,
    ReminderKind,
)
from affiliate.profiles.models import CreatorProfile
from core.extensions import db
from core.notifications.services import notify_many
from core.types import utcnow

#: How long before the scheduled time the "soon" notice goes.
SOON = timedelta(minutes=10)
NOTICE_KIND = "live.reminder"


def live_path(content_id: int) -> str:
    return f"/live/{content_id}"


# ---------------------------------------------------------------------------- viewers


def set_reminder(user_id: int, live: Content, now: datetime | None = None) -> bool:
    """Remind ``user_id`` of a scheduled live; False if they already are (nothing changes)."""
    if live.live_state != LiveState.SCHEDULED.value:
        raise IllegalLiveMove("Reminders are for lives that have not started yet.")
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    result = db.session.execute(
        insert(LiveReminder)
        .values(content_id=live.id, user_id=user_id, created_at=now or utcnow())
        .on_conflict_do_nothing(index_elements=["content_id", "user_id"])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def unset_reminder(user_id: int, live: Content) -> bool:
    """Forget ``user_id``'s reminder of the live; False if there was none."""
    result = db.session.execute(
        delete(LiveReminder).where(
            LiveReminder.content_id == live.id, LiveReminder.user_id == user_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def has_reminder(user_id: int | None, content_id: int) -> bool:
    if user_id is None:
        return False
    found = db.session.scalar(
        select(LiveReminder.id).where(
            LiveReminder.content_id == content_id, LiveReminder.user_id == user_id
        )
    )
    return found is not None


def reminded_lives(user_id: int | None, content_ids: list[int]) -> set[int]:
    """Which of these lives the user has a reminder of (one statement)."""
    if user_id is None or not content_ids:
        return set()
    return set(
        db.session.scalars(
            select(LiveReminder.content_id).where(
                LiveReminder.user_id == user_id, LiveReminder.content_id.in_(content_ids)
            )
        )
    )


# ---------------------------------------------------------------------------- sending


def _message(kind: ReminderKind, title: str, handle: str | None) -> str:
    who = f"@{handle}" if handle else "A creator you follow"
    if kind is ReminderKind.SOON:
        return f"{who} goes live in 10 minutes: “{title}”."
    return f"{who} is live now: “{title}”. Tap to watch and shop."


def _send(kind: ReminderKind, content_ids: list[int], now: datetime) -> int:
    """Stamp and notify the unsent reminders of ``kind`` of these lives; how many were sent."""
    if not content_ids:
        return 0
    soon = kind is ReminderKind.SOON
    column = LiveReminder.soon_sent_at if soon else LiveReminder.started_sent_at
    taken = db.session.execute(
        update(LiveReminder)
        .where(LiveReminder.content_id.in_(content_ids), column.is_(None))
        .values({column.key: now})
        .returning(LiveReminder.content_id, LiveReminder.user_id)
        .execution_options(synchronize_session=False)
    ).all()
    if not taken:
        return 0
    users: dict[int, list[int]] = defaultdict(list)
    for content_id, user_id in taken:
        users[content_id].append(user_id)
    rows = db.session.execute(
        select(Content.id, Content.title, CreatorProfile.handle)
        .outerjoin(CreatorProfile, CreatorProfile.user_id == Content.creator_id)
        .where(Content.id.in_(sorted(users)))
    ).all()
    sent = 0
    for content_id, title, handle in rows:
        sent += notify_many(
            sorted(users[content_id]),
            _message(kind, title, handle),
            kind=NOTICE_KIND,
            link=live_path(content_id),
        )
    return sent


def send_started(live: Content, now: datetime | None = None) -> int:
    """The live has just started: tell everyone reminded of it (once each)."""
    return _send(ReminderKind.STARTED, [live.id], now or utcnow())


def send_due(now: datetime | None = None) -> int:
    """Send every notice that is due at ``now``: "soon" for scheduled lives starting within
    ``SOON`` (and not yet at their time), "started" for lives on air. Idempotent."""
    now = now or utcnow()
    published = (
        Content.kind == ContentKind.LIVE.value,
        Content.status == ContentStatus.PUBLISHED.value,
    )

    def with_unsent(column: Any) -> Any:
        return (
            select(LiveReminder.id)
            .where(LiveReminder.content_id == Content.id, column.is_(None))
            .exists()
        )

    soon = list(
        db.session.scalars(
            select(Content.id).where(
                *published,
                Content.live_state == LiveState.SCHEDULED.value,
                Content.scheduled_at <= now + SOON,
                Content.scheduled_at > now,
                with_unsent(LiveReminder.soon_sent_at),
            )
        )
    )
    on_air = list(
        db.session.scalars(
            select(Content.id).where(
                *published,
                Content.live_state == LiveState.LIVE.value,
                with_unsent(LiveReminder.started_sent_at),
            )
        )
    )
    return _send(ReminderKind.SOON, soon, now) + _send(ReminderKind.STARTED, on_air, now)


def upcoming_lives_of(creator_id: int, limit: int = 6) -> list[Content]:
    """The creator's lives on air now, then scheduled ones, soonest first (one statement)."""
    return list(
        db.session.scalars(
            select(Content)
            .where(
                Content.creator_id == creator_id,
                Content.kind == ContentKind.LIVE.value,
                Content.status == ContentStatus.PUBLISHED.value,
                Content.live_state.in_([LiveState.LIVE.value, LiveState.SCHEDULED.value]),
            )
            .order_by(Content.live_state, Content.scheduled_at, Content.id)
            .limit(limit)
        )
    )
