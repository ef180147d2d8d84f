"""Notifications: tell users about something, count and list what they have not read yet.

Plain functions over ids. They add or change rows and flush; the caller (a view, a job, the
service whose event this announces) commits, so a notice commits or rolls back together with
the change that it tells about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, case, func, insert, select, update

from core.extensions import db
from core.notifications.models import LINK_LENGTH, MESSAGE_LENGTH, Notification
from core.types import utcnow
from core.web.pagination import Page

PER_PAGE = 20
_MAX_KEY = 2**63 - 1  # a larger id names no row (and SQLite cannot even bind it)


def safe_link(link: str | None) -> str | None:
    """The link if it is a path on this site ("/creator/samples"), else None.

    A notice must never send its reader elsewhere: "//host", "/\\host", "http://..." and
    anything with control characters are dropped, and so is a link too long to store whole.
    """
    if not link or not link.startswith("/") or link.startswith(("//", "/\\")):
        return None
    if "\\" in link or any(ord(ch) < 32 or ord(ch) == 127 for ch in link):
        return None
    if len(link) > LINK_LENGTH:
        return None
    return link


def _message(message: str) -> str:
    return message.strip()[:MESSAGE_LENGTH]


def notify(user_id: int, message: str, *, kind: str, link: str | None = None) -> Notification:
    """Add one notice for ``user_id`` and flush it; the caller commits."""
    notification = Notification(
        user_id=user_id, kind=kind, message=_message(message), link=safe_link(link)
    )
    db.session.add(notification)
    db.session.flush()
    return notification


def notify_many(
    user_ids: Iterable[int], message: str, *, kind: str, link: str | None = None
) -> int:
    """Add the same notice for each user (once each) in one bulk insert; return how many."""
    unique_ids = list(dict.fromkeys(user_ids))
    if not unique_ids:
        return 0
    row = {"kind": kind, "message": _message(message), "link": safe_link(link)}
    now = utcnow()
    db.session.execute(
        insert(Notification),
        [{**row, "user_id": user_id, "created_at": now} for user_id in unique_ids],
    )
    return len(unique_ids)


def unread_count(user_id: int) -> int:
    """How many of the user's notices are unread (one COUNT over the index)."""
    count = db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )
    return count or 0


def unread_counts(user_id: int, kind_prefixes: Iterable[str] = ()) -> tuple[int, dict[str, int]]:
    """The user's unread notices, and among them those whose kind starts with each prefix
    (a menu's own badge, such as messages): one statement over the index."""
    total, badges, _ = header_counts(user_id, kind_prefixes)
    return total, badges


def header_counts(
    user_id: int,
    kind_prefixes: Iterable[str] = (),
    extra: Mapping[str, ColumnElement[Any]] | None = None,
) -> tuple[int, dict[str, int], dict[str, int]]:
    """``unread_counts`` and, in the same statement, other counts the page header shows (each
    an uncorrelated scalar subquery, such as the cart's item count): one round trip."""
    prefixes = list(dict.fromkeys(kind_prefixes))
    extra = dict(extra or {})
    unread = (Notification.user_id == user_id, Notification.read_at.is_(None))
    columns: list[ColumnElement[Any]] = [func.count(Notification.id)]
    columns += [
        func.coalesce(
            func.sum(case((Notification.kind.startswith(prefix, autoescape=True), 1), else_=0)),
            0,
        )
        for prefix in prefixes
    ]
    columns += list(extra.values())
    row = db.session.execute(select(*columns).where(*unread)).one()
    badges = row[1 : 1 + len(prefixes)]
    extras = row[1 + len(prefixes) :]
    return (
        int(row[0] or 0),
        {p: int(n or 0) for p, n in zip(prefixes, badges, strict=True)},
        {name: int(n or 0) for name, n in zip(extra, extras, strict=True)},
    )


def mark_read_by_link(user_id: int, link: str) -> int:
    """Mark the user's unread notices that point at ``link`` read (its page was seen)."""
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.read_at.is_(None),
            Notification.link == link,
        )
        .values(read_at=utcnow())
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def recent(user_id: int, page: int, per_page: int = PER_PAGE) -> Page[Notification]:
    """One page of the user's notices, newest first."""
    total = db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user_id)
    )
    items = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total or 0)


def mark_read(user_id: int, notification_id: int) -> Notification | None:
    """Mark the user's own notice read (the first time only); None if it is not theirs."""
    if not 0 < notification_id <= _MAX_KEY:
        return None
    notification = db.session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user_id
        )
    )
    if notification is None:
        return None
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification


def mark_all_read(user_id: int) -> int:
    """Mark every unread notice of the user read; return how many changed."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
