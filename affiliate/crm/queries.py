"""What the CRM pages read, each in a constant number of statements whatever the page size.

The relationship of creators with a store: plans joined, samples received, content posted with
the store's products, GMV and commission through the store, and the last message between them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, literal, select, union_all

from affiliate.creators.attribution.models import Commission
from affiliate.creators.attribution.queries import net_base
from affiliate.creators.content.models import Content, ContentProduct, ContentStatus
from affiliate.crm.models import CreatorNote, CreatorSegment, CreatorTag, CreatorTagging
from affiliate.messages.models import Conversation
from affiliate.plans.models import EARNING_STATUSES, Plan, PlanMembership
from affiliate.plans.samples.models import SampleRequest, SampleStatus
from core.extensions import db
from shop.catalog.models import Product


@dataclass(frozen=True)
class Relationship:
    plans_joined: int = 0
    samples_received: int = 0
    content_posted: int = 0
    gmv: int = 0
    commission: int = 0
    last_contact: datetime | None = None
    conversation_id: int | None = None


def relationships(store_id: int, creator_ids: Sequence[int]) -> dict[int, Relationship]:
    """The relationship of each creator (by user id) with the store: two statements (the
    figures in one union, the conversation in another)."""
    ids = list(dict.fromkeys(creator_ids))
    if not ids:
        return {}
    zero = literal(0)
    plans = (
        select(
            PlanMembership.creator_id.label("creator_id"),
            func.count().label("plans"),
            zero.label("samples"),
            zero.label("content"),
            zero.label("gmv"),
            zero.label("commission"),
        )
        .join(Plan, Plan.id == PlanMembership.plan_id)
        .where(
            Plan.store_id == store_id,
            PlanMembership.creator_id.in_(ids),
            PlanMembership.status.in_(EARNING_STATUSES),
        )
        .group_by(PlanMembership.creator_id)
    )
    samples = (
        select(SampleRequest.creator_id, zero, func.count(), zero, zero, zero)
        .where(
            SampleRequest.store_id == store_id,
            SampleRequest.creator_id.in_(ids),
            SampleRequest.status == SampleStatus.APPROVED.value,
        )
        .group_by(SampleRequest.creator_id)
    )
    content = (
        select(Content.creator_id, zero, zero, func.count(func.distinct(Content.id)), zero, zero)
        .join(ContentProduct, ContentProduct.content_id == Content.id)
        .join(Product, Product.id == ContentProduct.product_id)
        .where(
            Product.store_id == store_id,
            Content.creator_id.in_(ids),
            Content.status == ContentStatus.PUBLISHED.value,
        )
        .group_by(Content.creator_id)
    )
    money = (
        select(
            Commission.creator_id,
            zero,
            zero,
            zero,
            func.sum(net_base()),
            func.sum(Commission.amount - Commission.reversed_amount),
        )
        .where(Commission.store_id == store_id, Commission.creator_id.in_(ids))
        .group_by(Commission.creator_id)
    )
    both = union_all(plans, samples, content, money).subquery("relationship")
    rows = db.session.execute(
        select(
            both.c.creator_id,
            func.sum(both.c.plans),
            func.sum(both.c.samples),
            func.sum(both.c.content),
            func.sum(both.c.gmv),
            func.sum(both.c.commission),
        ).group_by(both.c.creator_id)
    ).all()
    figures = {row[0]: [int(v or 0) for v in row[1:]] for row in rows}
    contacts = {
        creator_id: (conversation_id, last)
        for creator_id, conversation_id, last in db.session.execute(
            select(Conversation.creator_id, Conversation.id, Conversation.last_message_at).where(
                Conversation.store_id == store_id, Conversation.creator_id.in_(ids)
            )
        )
    }
    result = {}
    for creator_id in ids:
        p, s, c, g, m = figures.get(creator_id, [0, 0, 0, 0, 0])
        conversation_id, last = contacts.get(creator_id, (None, None))
        result[creator_id] = Relationship(p, s, c, g, m, last, conversation_id)
    return result


def store_tags(store_id: int) -> list[CreatorTag]:
    return list(
        db.session.scalars(
            select(CreatorTag).where(CreatorTag.store_id == store_id).order_by(CreatorTag.key)
        )
    )


def tags_of(store_id: int, creator_ids: Sequence[int]) -> dict[int, list[CreatorTag]]:
    """The store's tags on each creator: one statement."""
    if not creator_ids:
        return {}
    found: dict[int, list[CreatorTag]] = {}
    for creator_id, tag in db.session.execute(
        select(CreatorTagging.creator_id, CreatorTag)
        .join(CreatorTag, CreatorTag.id == CreatorTagging.tag_id)
        .where(CreatorTag.store_id == store_id, CreatorTagging.creator_id.in_(creator_ids))
        .order_by(CreatorTag.key)
    ):
        found.setdefault(creator_id, []).append(tag)
    return found


def tagged_with(store_id: int, tag_id: int) -> Select[Any]:
    """A SELECT of the creators carrying the store's tag (the directory's ``among``)."""
    return (
        select(CreatorTagging.creator_id)
        .join(CreatorTag, CreatorTag.id == CreatorTagging.tag_id)
        .where(CreatorTag.store_id == store_id, CreatorTag.id == tag_id)
    )


def notes_on(store_id: int, creator_id: int, limit: int = 100) -> list[CreatorNote]:
    return list(
        db.session.scalars(
            select(CreatorNote)
            .where(CreatorNote.store_id == store_id, CreatorNote.creator_id == creator_id)
            .order_by(CreatorNote.id.desc())
            .limit(limit)
        )
    )


def note_counts(store_id: int, creator_ids: Sequence[int]) -> dict[int, int]:
    if not creator_ids:
        return {}
    return {
        creator_id: int(count)
        for creator_id, count in db.session.execute(
            select(CreatorNote.creator_id, func.count())
            .where(CreatorNote.store_id == store_id, CreatorNote.creator_id.in_(creator_ids))
            .group_by(CreatorNote.creator_id)
        )
    }


def segments(store_id: int) -> list[CreatorSegment]:
    return list(
        db.session.scalars(
            select(CreatorSegment)
            .where(CreatorSegment.store_id == store_id)
            .order_by(CreatorSegment.name)
        )
    )
