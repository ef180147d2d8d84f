"""The CRM's rules: a store's tags (at most ``MAX_TAGS_PER_STORE``), private notes, saved
segments, and bulk actions over a selection of creators.

Every function takes the store it acts for and touches nothing of another store's. They flush;
the caller commits. Bulk actions call the plans' and messages' own services, so their rules
(invitations, the limits against spam) hold exactly as one at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select

from affiliate.crm.exceptions import CrmError, InvalidNote, InvalidSegment, InvalidTag, TagLimit
from affiliate.crm.models import (
    MAX_SEGMENTS_PER_STORE,
    MAX_TAGS_PER_STORE,
    NOTE_MAX,
    SEGMENT_NAME_MAX,
    TAG_NAME_MAX,
    CreatorNote,
    CreatorSegment,
    CreatorTag,
    CreatorTagging,
)
from affiliate.messages import services as messages
from affiliate.messages.limits import Limits
from affiliate.messages.models import Origin, Side
from affiliate.plans import memberships
from affiliate.plans.models import Plan, PlanKind
from core.accounts.models import Role, User, UserRole
from core.exceptions import DomainError
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Store

#: The directory filters a segment may hold (the query string's names).
SEGMENT_FIELDS = (
    "q",
    "category",
    "min_followers",
    "max_followers",
    "min_views",
    "min_gmv",
    "tag",
    "sort",
)
MAX_BULK = 200


# ---------------------------------------------------------------------------------------------
# Tags
# ---------------------------------------------------------------------------------------------


def clean_tag_name(name: str | None) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise InvalidTag("Name the tag.")
    if len(text) > TAG_NAME_MAX:
        raise InvalidTag(f"Keep a tag under {TAG_NAME_MAX} characters.")
    return text


def _creator_ids(creator_ids: Iterable[int]) -> list[int]:
    """The ids (without repeats) that are creators' accounts; anything else is refused."""
    ids = list(dict.fromkeys(int(i) for i in creator_ids))
    if not ids:
        raise CrmError("Choose at least one creator.")
    if len(ids) > MAX_BULK:
        raise CrmError(f"Choose at most {MAX_BULK} creators at a time.")
    found = set(
        db.session.scalars(
            select(UserRole.user_id).where(
                UserRole.user_id.in_(ids), UserRole.role == Role.CREATOR.value
            )
        )
    )
    if len(found) != len(ids):
        raise CrmError("Only creators can be chosen.")
    return ids


def get_or_create_tag(store: Store, name: str) -> CreatorTag:
    """The store's tag of that name (case aside), created if new within the store's limit."""
    text = clean_tag_name(name)
    key = text.lower()
    tag = db.session.scalar(
        select(CreatorTag).where(CreatorTag.store_id == store.id, CreatorTag.key == key)
    )
    if tag is not None:
        return tag
    count = db.session.scalar(
        select(func.count()).select_from(CreatorTag).where(CreatorTag.store_id == store.id)
    )
    if (count or 0) >= MAX_TAGS_PER_STORE:
        raise TagLimit(
            f"Your store has {MAX_TAGS_PER_STORE} tags, the most it can have: reuse one or "
            "delete one you no longer need."
        )
    tag = CreatorTag(store_id=store.id, name=text, key=key)
    db.session.add(tag)
    db.session.flush()
    return tag


def store_tag(store: Store, tag_id: int) -> CreatorTag:
    tag = db.session.get(CreatorTag, tag_id)
    if tag is None or tag.store_id != store.id:
        raise InvalidTag("That tag does not exist.")
    return tag


def tag_creators(store: Store, name: str, creator_ids: Iterable[int]) -> tuple[CreatorTag, int]:
    """Put the tag (created if new) on each creator; those who have it keep it. Returns the tag
    and how many creators newly got it."""
    ids = _creator_ids(creator_ids)
    tag = get_or_create_tag(store, name)
    have = set(
        db.session.scalars(
            select(CreatorTagging.creator_id).where(
                CreatorTagging.tag_id == tag.id, CreatorTagging.creator_id.in_(ids)
            )
        )
    )
    new = [i for i in ids if i not in have]
    db.session.add_all(CreatorTagging(tag_id=tag.id, creator_id=i) for i in new)
    db.session.flush()
    return tag, len(new)


def untag(store: Store, tag_id: int, creator_id: int) -> None:
    tag = store_tag(store, tag_id)
    db.session.execute(
        delete(CreatorTagging).where(
            CreatorTagging.tag_id == tag.id, CreatorTagging.creator_id == creator_id
        )
    )
    db.session.flush()


def delete_tag(store: Store, tag_id: int) -> None:
    tag = store_tag(store, tag_id)
    db.session.execute(delete(CreatorTagging).where(CreatorTagging.tag_id == tag.id))
    db.session.delete(tag)
    db.session.flush()


# ---------------------------------------------------------------------------------------------
# Notes
# ---------------------------------------------------------------------------------------------


def add_note(store: Store, creator_id: int, author: User, body: str | None) -> CreatorNote:
    """A private note of the store's on a creator."""
    text = (body or "").strip()
    if not text:
        raise InvalidNote("Write the note.")
    if len(text) > NOTE_MAX:
        raise InvalidNote(f"Keep a note under {NOTE_MAX:,} characters.")
    _creator_ids([creator_id])
    note = CreatorNote(store_id=store.id, creator_id=creator_id, author_id=author.id, body=text)
    db.session.add(note)
    db.session.flush()
    return note


def delete_note(store: Store, note_id: int) -> None:
    note = db.session.get(CreatorNote, note_id)
    if note is None or note.store_id != store.id:
        raise InvalidNote("That note does not exist.")
    db.session.delete(note)
    db.session.flush()


# ---------------------------------------------------------------------------------------------
# Segments
# ---------------------------------------------------------------------------------------------


def clean_filters(filters: Mapping[str, Any]) -> dict[str, str]:
    """The segment-worthy filters, as short strings; empty ones are left out."""
    kept: dict[str, str] = {}
    for name in SEGMENT_FIELDS:
        value = str(filters.get(name) or "").strip()[:80]
        if value and value != "0":
            kept[name] = value
    return kept


def save_segment(store: Store, name: str | None, filters: Mapping[str, Any]) -> CreatorSegment:
    """Save (or overwrite, by name) a named set of filters."""
    text = " ".join((name or "").split())
    if not text or len(text) > SEGMENT_NAME_MAX:
        raise InvalidSegment(f"Name the segment in 1 to {SEGMENT_NAME_MAX} characters.")
    kept = clean_filters(filters)
    if not kept:
        raise InvalidSegment("Set at least one filter before saving a segment.")
    segment = db.session.scalar(
        select(CreatorSegment).where(
            CreatorSegment.store_id == store.id, CreatorSegment.name == text
        )
    )
    if segment is None:
        count = db.session.scalar(
            select(func.count())
            .select_from(CreatorSegment)
            .where(CreatorSegment.store_id == store.id)
        )
        if (count or 0) >= MAX_SEGMENTS_PER_STORE:
            raise InvalidSegment(f"A store keeps at most {MAX_SEGMENTS_PER_STORE} segments.")
        segment = CreatorSegment(store_id=store.id, name=text)
        db.session.add(segment)
    segment.filters = json.dumps(kept, sort_keys=True)
    db.session.flush()
    return segment


def store_segment(store: Store, segment_id: int) -> CreatorSegment:
    segment = db.session.get(CreatorSegment, segment_id)
    if segment is None or segment.store_id != store.id:
        raise InvalidSegment("That segment does not exist.")
    return segment


def segment_filters(segment: CreatorSegment) -> dict[str, str]:
    try:
        loaded = json.loads(segment.filters or "{}")
    except ValueError:
        return {}
    return clean_filters(loaded) if isinstance(loaded, dict) else {}


def delete_segment(store: Store, segment_id: int) -> None:
    db.session.delete(store_segment(store, segment_id))
    db.session.flush()


# ---------------------------------------------------------------------------------------------
# Bulk actions
# ---------------------------------------------------------------------------------------------


@dataclass
class BulkResult:
    done: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)


def bulk_invite(store: Store, plan_id: int, creator_ids: Iterable[int], actor: User) -> int:
    """Invite the creators to one of the store's targeted plans (the plans' own rules)."""
    ids = _creator_ids(creator_ids)
    plan = db.session.get(Plan, plan_id)
    if plan is None or plan.store_id != store.id or plan.kind != PlanKind.TARGETED.value:
        raise CrmError("Choose one of your targeted plans.")
    return len(memberships.invite(plan, ids, actor_id=actor.id))


def bulk_message(
    store: Store,
    creator_ids: Iterable[int],
    sender: User,
    body: str | None,
    limits: Limits,
    now: datetime | None = None,
) -> BulkResult:
    """Send the message to each creator, each under the messages' limits: a creator the limits
    refuse is skipped with the reason, the others get it."""
    ids = _creator_ids(creator_ids)
    now = now or utcnow()
    result = BulkResult()
    for creator_id in ids:
        savepoint = db.session.begin_nested()
        try:
            messages.send(
                store=store,
                creator_id=creator_id,
                side=Side.SELLER,
                sender=sender,
                body=body,
                origin=Origin.BULK,
                limits=limits,
                now=now,
            )
        except DomainError as error:
            savepoint.rollback()
            result.refused.append((creator_id, str(error)))
            continue
        savepoint.commit()
        result.done += 1
    return result
