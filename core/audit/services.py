"""Record and read audit events; the caller's transaction commits the event with the change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, select

from core.audit.models import AuditEvent
from core.extensions import db

Q = TypeVar("Q", bound=Select[Any])


def record(
    *,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: int | str,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Add one audit event to the current transaction."""
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )
    db.session.add(event)
    return event


@dataclass(frozen=True)
class AuditFilter:
    subject_type: str | None = None
    subject_id: str | None = None
    action: str | None = None
    actor_id: int | None = None


def _filtered(query: Q, f: AuditFilter) -> Q:
    if f.subject_type:
        query = query.where(AuditEvent.subject_type == f.subject_type)
    if f.subject_id:
        query = query.where(AuditEvent.subject_id == f.subject_id)
    if f.action:
        query = query.where(AuditEvent.action == f.action)
    if f.actor_id:
        query = query.where(AuditEvent.actor_id == f.actor_id)
    return query


def list_events(f: AuditFilter, *, page: int, per_page: int) -> tuple[list[AuditEvent], int]:
    """Return one page of events, newest first, and the total count."""
    total = db.session.scalar(_filtered(select(func.count(AuditEvent.id)), f)) or 0
    query = _filtered(select(AuditEvent), f).order_by(AuditEvent.id.desc())
    events = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return list(events), total


def known_actions() -> list[str]:
    return list(
        db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )


def known_subject_types() -> list[str]:
    query = select(AuditEvent.subject_type).distinct().order_by(AuditEvent.subject_type)
    return list(db.session.scalars(query))
