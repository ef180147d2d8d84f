"""Queue a mail in the caller's transaction; the outbox sends it after the commit.

``queue_mail`` renders the mail at once (so that what was sent can be shown and resent
unchanged), writes one ``SentMail`` row per (event, recipient) and an outbox message naming it.
A second call for the same event and recipient writes nothing: one event, one mail. Nothing
is sent if the transaction rolls back. Callers commit.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from flask import current_app, has_request_context, render_template, request
from rq import Retry
from sqlalchemy import ColumnElement, SQLColumnExpression, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from core.accounts.models import User
from core.extensions import db
from core.jobs import enqueue_after_commit
from core.mail import signing
from core.mail.models import EVENT_KEY_LENGTH, MailCategory, MailOptOut, SentMail
from core.types import utcnow

log = logging.getLogger(__name__)

SEND_JOB = "core.mail.jobs.send_mail"
QUEUE_JOB = "core.mail.jobs.queue_user_mail"
#: Seconds between tries while the SMTP server is down: about three hours in all.
SEND_RETRY_INTERVALS = [10, 30, 60, 120, 300, 900, 1800, 3600, 3600]
UNSUBSCRIBE_PURPOSE = "mail-unsubscribe"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def absolute_url(path: str) -> str:
    """``path`` on this site as a full address, for links in mail."""
    base = current_app.config.get("PUBLIC_BASE_URL") or (
        request.host_url if has_request_context() else DEFAULT_BASE_URL
    )
    return base.rstrip("/") + "/" + path.lstrip("/")


def sender() -> str:
    return str(current_app.config.get("MAIL_FROM") or "Yellowcart <no-reply@yellowcart.local>")


# --- preferences ------------------------------------------------------------------------------


def opted_out(user_id: int) -> set[MailCategory]:
    rows = db.session.scalars(select(MailOptOut.category).where(MailOptOut.user_id == user_id))
    return {MailCategory(value) for value in rows if value in MailCategory.__members__.values()}


def receives(user_id: int, category: MailCategory) -> bool:
    if not category.is_optional:
        return True
    return (
        db.session.scalar(
            select(MailOptOut.id).where(
                MailOptOut.user_id == user_id, MailOptOut.category == category.value
            )
        )
        is None
    )


def set_preferences(user_id: int, wanted: set[MailCategory]) -> None:
    """Receive exactly the optional categories in ``wanted`` (security mail always comes)."""
    optional = {category for category in MailCategory if category.is_optional}
    off = optional - set(wanted)
    db.session.execute(
        delete(MailOptOut).where(
            MailOptOut.user_id == user_id,
            MailOptOut.category.not_in([category.value for category in off]),
        )
    )
    present = opted_out(user_id)
    for category in sorted(off - present):
        db.session.add(MailOptOut(user_id=user_id, category=category.value))
    db.session.flush()


def unsubscribe(user_id: int, category: MailCategory) -> bool:
    """Turn one category off; return False if it was already off (or cannot be turned off)."""
    if not category.is_optional or not receives(user_id, category):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(MailOptOut(user_id=user_id, category=category.value))
    except IntegrityError:
        return False  # a second click at the same moment
    return True


def unsubscribe_token(user_id: int, category: MailCategory) -> str:
    return signing.sign(UNSUBSCRIBE_PURPOSE, {"u": user_id, "c": category.value})


def read_unsubscribe_token(token: str) -> tuple[int, MailCategory]:
    """The user and category an unsubscribe link names; raise ``LinkInvalid``."""
    payload = signing.unsign(UNSUBSCRIBE_PURPOSE, token)
    user_id, value = payload.get("u"), payload.get("c")
    if not isinstance(user_id, int) or value not in {c.value for c in MailCategory}:
        raise signing.LinkInvalid()
    category = MailCategory(value)
    if not category.is_optional:
        raise signing.LinkInvalid()
    return user_id, category


# --- queueing ---------------------------------------------------------------------------------


def queue_mail(
    template: str,
    *,
    event_key: str,
    category: MailCategory,
    subject: str,
    user: User | None = None,
    to: str | None = None,
    **context: Any,
) -> SentMail | None:
    """Render ``mail/<template>.{txt,html}`` (else ``mail/notice.*``, which shows
    ``paragraphs``, ``details`` as label/value pairs, a ``button_label``/``button_url`` and
    ``footnotes``) for ``user`` (or the address ``to``) and queue it.

    Returns None, writing nothing, when the user turned this category off or this event
    already mailed this address.
    """
    recipient = (to or (user.email if user else "")).strip().lower()
    if not recipient:
        raise ValueError("a mail needs a user or an address")
    event_key = event_key[:EVENT_KEY_LENGTH]
    user_id = user.id if user is not None else None
    if db.session.scalar(select(_skip_condition(user_id, recipient, category, event_key))):
        return None
    return _render_and_insert(template, event_key, category, subject, user, recipient, context)


def _render_and_insert(
    template: str,
    event_key: str,
    category: MailCategory,
    subject: str,
    user: User | None,
    recipient: str,
    context: dict[str, Any],
) -> SentMail | None:
    unsubscribe_url = None
    if user is not None and not category.is_transactional:
        unsubscribe_url = absolute_url(f"/mail/unsubscribe/{unsubscribe_token(user.id, category)}")
    values = {
        "user": user,
        "subject": subject,
        "category": category,
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": absolute_url("/account/mail"),
        "site_url": absolute_url("/"),
        **context,
    }
    mail = _insert_once(
        event_key=event_key,
        recipient=recipient,
        user_id=user.id if user else None,
        template=template,
        category=category.value,
        subject=subject[:200],
        text_body=render_template([f"mail/{template}.txt", "mail/notice.txt"], **values),
        html_body=render_template([f"mail/{template}.html", "mail/notice.html"], **values),
        unsubscribe_url=unsubscribe_url,
        created_at=utcnow(),
        attempts=0,
    )
    if mail is None:
        return None  # the same event, queued at the same moment by another request
    enqueue_after_commit(
        SEND_JOB,
        mail.id,
        job_id=f"mail-{mail.id}",
        retry=Retry(max=len(SEND_RETRY_INTERVALS), interval=SEND_RETRY_INTERVALS),
    )
    return mail


def _insert_once(**values: Any) -> SentMail | None:
    """Insert the mail unless its (event, recipient) is there: one statement
    (``ON CONFLICT DO NOTHING``, no savepoint); None if another request queued it first."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(SentMail)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["event_key", "recipient"])
        .returning(SentMail)
    )
    return db.session.scalars(statement).first()


def _skip_condition(
    user_id: int | SQLColumnExpression[int] | None,
    recipient: str | SQLColumnExpression[str],
    category: MailCategory,
    event_key: str,
) -> ColumnElement[bool]:
    """Whether this event already mailed this address, or the user turned the category off
    (one condition for both; the user and address may be columns of the same query)."""
    queued = (
        select(SentMail.id)
        .where(SentMail.event_key == event_key, SentMail.recipient == recipient)
        .exists()
    )
    if user_id is None or not category.is_optional:
        return queued
    opted_out = (
        select(MailOptOut.id)
        .where(MailOptOut.user_id == user_id, MailOptOut.category == category.value)
        .exists()
    )
    return or_(queued, opted_out)


def user_mail(
    user_id: int,
    template: str,
    *,
    event_key: str,
    category: MailCategory,
    subject: str,
    **context: Any,
) -> SentMail | None:
    """``queue_mail`` for a user known by id (nothing if the user is gone)."""
    # One query: the user (address and name, not the roles, which load eagerly) and whether
    # to skip. A SQL lower(trim()) that missed a match only costs the render: the insert
    # still writes nothing for a (event, address) that is there.
    event_key = event_key[:EVENT_KEY_LENGTH]
    address = func.lower(func.trim(User.email))
    row = db.session.execute(
        select(User, _skip_condition(User.id, address, category, event_key))
        .where(User.id == user_id)
        .options(lazyload(User.roles))
    ).first()
    if row is None:
        return None
    user, skipped = cast("tuple[User, bool]", row)
    recipient = user.email.strip().lower()
    if not recipient:
        raise ValueError("a mail needs a user or an address")
    if skipped:
        return None
    return _render_and_insert(template, event_key, category, subject, user, recipient, context)


def user_mail_after_commit(
    user_id: int,
    template: str,
    *,
    event_key: str,
    category: MailCategory,
    subject: str,
    **context: Any,
) -> None:
    """``user_mail`` run by a job once the caller's transaction commits.

    The caller's transaction writes one outbox row: reading the user, rendering both bodies and
    writing the mail are left to the mail job, off a hot path such as the payout job. The
    result is the same as ``user_mail``: one mail per (event, address), nothing if the user
    turned the category off, nothing at all if the caller rolls back. ``context`` goes through
    JSON (pairs become two-item lists, which the templates unpack the same way).
    """
    enqueue_after_commit(
        QUEUE_JOB,
        user_id,
        template,
        event_key=event_key[:EVENT_KEY_LENGTH],
        category=category.value,
        subject=subject,
        context=context,
        retry=Retry(max=len(SEND_RETRY_INTERVALS), interval=SEND_RETRY_INTERVALS),
    )
