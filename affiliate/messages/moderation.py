"""Blocking and reporting in a conversation: either side may block the other (and lift its own
block); a report goes to the admins, blocks unless asked not to, and is audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from affiliate.messages.exceptions import InvalidReport
from affiliate.messages.models import (
    REPORT_REASON_MAX,
    REPORT_REASON_MIN,
    Conversation,
    MessageReport,
    Side,
)
from core.accounts.models import Role, User, UserRole
from core.audit import services as audit
from core.extensions import db
from core.notifications.services import notify_many
from core.types import utcnow


def set_blocked(
    conversation: Conversation, side: Side, blocked: bool, *, now: datetime | None = None
) -> Conversation:
    """Block (or lift one's own block on) the other side of the conversation."""
    moment = (now or utcnow()) if blocked else None
    if side is Side.SELLER:
        conversation.blocked_by_seller_at = moment
    else:
        conversation.blocked_by_creator_at = moment
    db.session.flush()
    return conversation


def report(
    conversation: Conversation,
    side: Side,
    reporter: User,
    reason: str | None,
    *,
    block: bool = True,
    now: datetime | None = None,
) -> MessageReport:
    """Report the other side to the admins (and block them, unless asked not to)."""
    now = now or utcnow()
    text = (reason or "").strip()
    if not REPORT_REASON_MIN <= len(text) <= REPORT_REASON_MAX:
        raise InvalidReport(
            f"Say what happened in {REPORT_REASON_MIN} to {REPORT_REASON_MAX:,} characters."
        )
    entry = MessageReport(
        conversation_id=conversation.id,
        reporter_id=reporter.id,
        reporter_side=side.value,
        reason=text,
        created_at=now,
    )
    db.session.add(entry)
    if block:
        set_blocked(conversation, side, True, now=now)
    db.session.flush()
    audit.record(
        actor_id=reporter.id,
        action="message.report",
        subject_type="conversation",
        subject_id=conversation.id,
        reason=text[:200],
    )
    admins = db.session.scalars(
        select(UserRole.user_id).where(UserRole.role == Role.ADMIN.value)
    ).all()
    notify_many(
        admins,
        f"A {side.value} reported a conversation (#{conversation.id}).",
        kind="moderation.report",
        link="/admin/message-reports",
    )
    return entry
