"""What the message pages read: an inbox page and a thread with its cards, each in a constant
number of statements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import lazyload
from wtforms.fields.choices import SelectChoice

from affiliate.messages.models import CardKind, Conversation, Message, MessageReport, Side
from affiliate.plans.models import Plan, PlanKind, PlanMembership, PlanStatus
from affiliate.plans.samples.models import SampleRequest, SampleStatus
from affiliate.profiles.models import CreatorProfile
from core.extensions import db
from core.web.pagination import Page
from shop.catalog.models import Product, ProductStatus, Store

INBOX_PER_PAGE = 20
#: A product card shows the product's own columns: none of its relationships are loaded.
_PRODUCT_ALONE = (
    lazyload(Product.store),
    lazyload(Product.category),
    lazyload(Product.variants),
    lazyload(Product.images),
)
THREAD_LIMIT = 200


@dataclass(frozen=True)
class InboxRow:
    conversation: Conversation
    last: Message | None
    creator: CreatorProfile | None


def inbox(side: Side, owner_id: int, page: int, per_page: int = INBOX_PER_PAGE) -> Page[InboxRow]:
    """The user's conversations on ``side``, most recent first: four statements."""
    if side is Side.CREATOR:
        where = Conversation.creator_id == owner_id
    else:
        where = Conversation.store_id.in_(select(Store.id).where(Store.owner_id == owner_id))
    total = db.session.scalar(select(func.count()).select_from(Conversation).where(where)) or 0
    page = min(max(page, 1), max(1, -(-total // per_page)))
    conversations = list(
        db.session.scalars(
            select(Conversation)
            .where(where)
            .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    ids = [c.id for c in conversations]
    last: dict[int, Message] = {}
    profiles: dict[int, CreatorProfile] = {}
    if ids:
        newest = (
            select(func.max(Message.id))
            .where(Message.conversation_id.in_(ids))
            .group_by(Message.conversation_id)
        )
        last = {
            m.conversation_id: m
            for m in db.session.scalars(select(Message).where(Message.id.in_(newest)))
        }
        profiles = {
            p.user_id: p
            for p in db.session.scalars(
                select(CreatorProfile).where(
                    CreatorProfile.user_id.in_({c.creator_id for c in conversations})
                )
            )
        }
    rows = [InboxRow(c, last.get(c.id), profiles.get(c.creator_id)) for c in conversations]
    return Page(items=rows, page=page, per_page=per_page, total=total)


@dataclass
class Thread:
    conversation: Conversation
    side: Side
    messages: list[Message]
    creator: CreatorProfile | None
    invitations: dict[int, PlanMembership] = field(default_factory=dict)
    products: dict[int, Product] = field(default_factory=dict)
    samples: dict[int, SampleRequest] = field(default_factory=dict)

    def card(self, message: Message) -> Any:
        if message.card_kind == CardKind.INVITATION.value:
            return self.invitations.get(message.card_ref or 0)
        if message.card_kind == CardKind.PRODUCT.value:
            return self.products.get(message.card_ref or 0)
        if message.card_kind == CardKind.SAMPLE.value:
            return self.samples.get(message.card_ref or 0)
        return None

    @property
    def last_id(self) -> int:
        return self.messages[-1].id if self.messages else 0


def thread(
    conversation: Conversation, side: Side, *, after_id: int = 0, limit: int = THREAD_LIMIT
) -> Thread:
    """The thread's messages (the newest ``limit``, or those after ``after_id``) and what their
    cards show: at most five statements, whatever the number of messages and cards."""
    query = select(Message).where(Message.conversation_id == conversation.id)
    if after_id:
        query = query.where(Message.id > after_id)
    recent = list(db.session.scalars(query.order_by(Message.id.desc()).limit(limit)))
    recent.reverse()
    by_kind: dict[str, set[int]] = {}
    for message in recent:
        if message.card_kind and message.card_ref is not None:
            by_kind.setdefault(message.card_kind, set()).add(message.card_ref)
    result = Thread(
        conversation,
        side,
        recent,
        db.session.scalar(
            select(CreatorProfile).where(CreatorProfile.user_id == conversation.creator_id)
        ),
    )
    if ids := by_kind.get(CardKind.INVITATION.value):
        result.invitations = {
            m.id: m
            for m in db.session.scalars(select(PlanMembership).where(PlanMembership.id.in_(ids)))
        }
    if ids := by_kind.get(CardKind.PRODUCT.value):
        result.products = {
            p.id: p
            for p in db.session.scalars(
                select(Product)
                .where(Product.id.in_(ids), Product.store_id == conversation.store_id)
                .options(*_PRODUCT_ALONE)
            )
        }
    if ids := by_kind.get(CardKind.SAMPLE.value):
        result.samples = {
            s.id: s
            for s in db.session.scalars(
                select(SampleRequest).where(
                    SampleRequest.id.in_(ids), SampleRequest.store_id == conversation.store_id
                )
            )
        }
    return result


@dataclass(frozen=True)
class CardChoices:
    """What the seller may attach to a message to this creator."""

    plans: list[Plan]
    products: list[Product]
    samples: list[SampleRequest]

    def options(self) -> list[SelectChoice]:
        choices = [SelectChoice("", "No card")]
        choices += [SelectChoice(f"plan:{p.id}", f"Invite to plan: {p.name}") for p in self.plans]
        choices += [SelectChoice(f"product:{p.id}", f"Product: {p.title}") for p in self.products]
        choices += [
            SelectChoice(f"sample:{s.id}", f"Sample request #{s.id} ({s.status})")
            for s in self.samples
        ]
        return choices


def card_choices(store_id: int, creator_id: int, side: Side) -> CardChoices:
    """The seller's running targeted plans and active products, and the sample requests
    between the two (the creator may attach their own requests): three statements."""
    samples = list(
        db.session.scalars(
            select(SampleRequest)
            .where(
                SampleRequest.store_id == store_id,
                SampleRequest.creator_id == creator_id,
                SampleRequest.status == SampleStatus.REQUESTED.value,
            )
            .order_by(SampleRequest.id.desc())
            .limit(20)
        )
    )
    if side is Side.CREATOR:
        return CardChoices([], [], samples)
    plans = list(
        db.session.scalars(
            select(Plan)
            .where(
                Plan.store_id == store_id,
                Plan.kind == PlanKind.TARGETED.value,
                Plan.status.in_((PlanStatus.ACTIVE.value, PlanStatus.PAUSED.value)),
            )
            .order_by(Plan.id.desc())
            .limit(50)
        )
    )
    products = list(
        db.session.scalars(
            select(Product)
            .where(Product.store_id == store_id, Product.status == ProductStatus.ACTIVE.value)
            .options(*_PRODUCT_ALONE)
            .order_by(Product.id.desc())
            .limit(50)
        )
    )
    return CardChoices(plans, products, samples)


REPORTS_PER_PAGE = 50


def reports(page: int, per_page: int = REPORTS_PER_PAGE) -> Page[MessageReport]:
    """The admins' list of reports, newest first (two statements; the conversation and its
    store come joined)."""
    total = db.session.scalar(select(func.count()).select_from(MessageReport)) or 0
    page = min(max(page, 1), max(1, -(-total // per_page)))
    items = list(
        db.session.scalars(
            select(MessageReport)
            .order_by(MessageReport.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return Page(items=items, page=page, per_page=per_page, total=total)
