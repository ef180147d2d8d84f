"""Messages between a store and a creator: sending (with the limits against spam), cards that
act in place, reading, blocking and reporting.

Plain functions over ids and objects; they flush, the caller commits. The limits come in a
``Limits`` (built from the configuration by the view), the moment as ``now``, so tests freeze
neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from affiliate.messages.exceptions import (
    CannotMessage,
    CardError,
    ConversationBlocked,
    FirstContactLimit,
    InvalidMessage,
    WaitForReply,
)
from affiliate.messages.limits import (
    DEFAULT_LIMITS,
    Limits,
    first_contact_allowance,
    first_contacts_today,
)
from affiliate.messages.models import (
    BODY_MAX,
    CardKind,
    Conversation,
    Message,
    Origin,
    Side,
)
from affiliate.plans import memberships
from affiliate.plans.exceptions import NotFound
from affiliate.plans.models import Plan, PlanKind, PlanMembership
from affiliate.plans.samples import services as samples
from affiliate.plans.samples.models import SampleRequest
from affiliate.profiles.models import CreatorProfile
from core.accounts.models import Role, User, UserRole
from core.extensions import db
from core.notifications.services import mark_read_by_link, notify
from core.types import utcnow
from shop.catalog.models import Product, Store

#: A conversation with unread messages has one unread notice of this kind for its reader:
#: the bell counts it, and so does the menu's Messages badge.
NOTICE_KIND = "message.new"
NOTICE_KIND_PREFIX = "message."


# ---------------------------------------------------------------------------------------------
# Who may write to whom
# ---------------------------------------------------------------------------------------------


def store_of(user_id: int) -> Store | None:
    return db.session.scalar(select(Store).where(Store.owner_id == user_id))


def is_creator(user_id: int) -> bool:
    found = db.session.scalar(
        select(UserRole.user_id).where(
            UserRole.user_id == user_id, UserRole.role == Role.CREATOR.value
        )
    )
    return found is not None


def conversation_between(store_id: int, creator_id: int) -> Conversation | None:
    return db.session.scalar(
        select(Conversation).where(
            Conversation.store_id == store_id, Conversation.creator_id == creator_id
        )
    )


def side_of(conversation: Conversation, user_id: int) -> Side | None:
    """The side ``user_id`` writes on in ``conversation``, or None (not theirs)."""
    if conversation.store.owner_id == user_id:
        return Side.SELLER
    if conversation.creator_id == user_id:
        return Side.CREATOR
    return None


def _check_parties(store: Store, creator_id: int) -> None:
    if store.owner_id == creator_id:
        raise CannotMessage("You cannot message yourself.")
    if not is_creator(creator_id):
        raise CannotMessage("Only creators can be messaged.")


# ---------------------------------------------------------------------------------------------
# Cards
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardRequest:
    """A card to attach, as the sender chose it: a plan (an invitation is sent), a product or a
    sample request."""

    kind: CardKind
    ref: int


def _resolve_card(
    card: CardRequest, store: Store, creator_id: int, side: Side, actor_id: int
) -> int:
    """Check (and for an invitation, send) the card; the id the message refers to."""
    if card.kind is CardKind.INVITATION:
        if side is not Side.SELLER:
            raise InvalidMessage("Only the seller can send a plan invitation.")
        plan = db.session.get(Plan, card.ref)
        if plan is None or plan.store_id != store.id or plan.kind != PlanKind.TARGETED.value:
            raise InvalidMessage("Choose one of your targeted plans.", field="card")
        membership = memberships.invite(plan, [creator_id], actor_id=actor_id)[0]
        return membership.id
    if card.kind is CardKind.PRODUCT:
        product = db.session.get(Product, card.ref)
        if product is None or product.store_id != store.id:
            raise InvalidMessage("Choose one of the store's products.", field="card")
        return product.id
    sample = db.session.get(SampleRequest, card.ref)
    if sample is None or sample.store_id != store.id or sample.creator_id != creator_id:
        raise InvalidMessage("Choose a sample request between you two.", field="card")
    return sample.id


# ---------------------------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------------------------


def clean_body(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if len(text) > BODY_MAX:
        raise InvalidMessage(f"Keep a message under {BODY_MAX:,} characters.")
    return text


def _lock(conversation: Conversation) -> Conversation:
    """Re-read the conversation under its row lock (PostgreSQL) before changing counters."""
    locked = db.session.scalar(
        select(Conversation)
        .where(Conversation.id == conversation.id)
        .options(lazyload(Conversation.store))
        .with_for_update(of=Conversation)
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    return locked


def _recipient_id(conversation: Conversation, side: Side) -> int:
    return conversation.creator_id if side is Side.SELLER else conversation.store.owner_id


def _sender_name(conversation: Conversation, side: Side) -> str:
    if side is Side.SELLER:
        return conversation.store.name
    handle = db.session.scalar(
        select(CreatorProfile.display_name).where(CreatorProfile.user_id == conversation.creator_id)
    )
    user = db.session.get(User, conversation.creator_id)
    return handle or (user.display_name if user else "A creator")


def _post(
    conversation: Conversation,
    side: Side,
    sender_id: int,
    body: str,
    card: tuple[CardKind, int] | None,
    now: datetime,
    *,
    counts_as_unanswered: bool = True,
) -> Message:
    """Add the message and move the counters; tell the recipient on their first unread one."""
    message = Message(
        conversation_id=conversation.id,
        sender_side=side.value,
        sender_id=sender_id,
        body=body,
        card_kind=card[0].value if card else None,
        card_ref=card[1] if card else None,
        created_at=now,
    )
    db.session.add(message)
    conversation.last_message_at = now
    if side is Side.SELLER:
        if counts_as_unanswered:
            conversation.seller_unanswered += 1
        first_unread = conversation.creator_unread == 0
        conversation.creator_unread += 1
    else:
        conversation.seller_unanswered = 0
        conversation.creator_has_replied = True
        first_unread = conversation.seller_unread == 0
        conversation.seller_unread += 1
    db.session.flush()
    if first_unread:
        notify(
            _recipient_id(conversation, side),
            f"New message from {_sender_name(conversation, side)}",
            kind=NOTICE_KIND,
            link=thread_link(conversation),
        )
    return message


def send(
    *,
    store: Store,
    creator_id: int,
    side: Side,
    sender: User,
    body: str | None,
    card: CardRequest | None = None,
    origin: Origin = Origin.MESSAGES,
    limits: Limits = DEFAULT_LIMITS,
    now: datetime | None = None,
) -> Message:
    """Send a message (with an optional card) between ``store`` and the creator, opening their
    conversation if it is the first; refused past the limits or when either side blocked."""
    now = now or utcnow()
    text = clean_body(body)
    if not text and card is None:
        raise InvalidMessage("Write a message (or attach a card).")
    expected = store.owner_id if side is Side.SELLER else creator_id
    if sender.id != expected:
        raise CannotMessage("You cannot write on that side of this conversation.")
    _check_parties(store, creator_id)
    conversation = conversation_between(store.id, creator_id)
    if conversation is None:
        if side is Side.SELLER:
            used = first_contacts_today(store.id, now)
            allowed = first_contact_allowance(store.id, limits, now)
            if used >= allowed:
                raise FirstContactLimit(
                    f"Your store has used today's allowance of {allowed} new conversations "
                    "(it grows with your affiliate sales). Try again tomorrow, or write to "
                    "creators you already talk to."
                )
        conversation = Conversation(
            store_id=store.id,
            creator_id=creator_id,
            opened_by=side.value,
            origin=origin.value,
            created_at=now,
            last_message_at=now,
            seller_unanswered=0,
            seller_unread=0,
            creator_unread=0,
            creator_has_replied=False,
        )
        try:
            with db.session.begin_nested():
                db.session.add(conversation)
                db.session.flush()
        except IntegrityError:
            # Another request opened this conversation a moment ago: write in that one.
            found = conversation_between(store.id, creator_id)
            if found is None:
                raise
            conversation = _lock(found)
    else:
        conversation = _lock(conversation)
    _check_open(conversation)
    if side is Side.SELLER and conversation.seller_unanswered >= limits.before_reply:
        raise WaitForReply(
            f"You have sent {limits.before_reply} messages in a row without an answer: wait "
            "for the creator to reply before you write again."
        )
    resolved = None
    if card is not None:
        resolved = (card.kind, _resolve_card(card, store, creator_id, side, sender.id))
    return _post(conversation, side, sender.id, text, resolved, now)


def _check_open(conversation: Conversation) -> None:
    if conversation.blocked_by_seller_at is not None:
        raise ConversationBlocked("The store blocked this conversation; no messages can be sent.")
    if conversation.blocked_by_creator_at is not None:
        raise ConversationBlocked("The creator blocked this conversation; no messages can be sent.")


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def thread_link(conversation: Conversation) -> str:
    return f"/messages/{conversation.id}"


def mark_read(conversation: Conversation, side: Side) -> None:
    """The side has seen everything in the thread (and its notice about it)."""
    if conversation.unread_for(side) == 0:
        return
    if side is Side.SELLER:
        conversation.seller_unread = 0
    else:
        conversation.creator_unread = 0
    reader = conversation.store.owner_id if side is Side.SELLER else conversation.creator_id
    mark_read_by_link(reader, thread_link(conversation))
    db.session.flush()


def unread_total(user_id: int) -> int:
    """Unread messages for the user, as a creator and as a store owner: one statement."""
    as_creator = select(func.coalesce(func.sum(Conversation.creator_unread), 0)).where(
        Conversation.creator_id == user_id
    )
    as_seller = (
        select(func.coalesce(func.sum(Conversation.seller_unread), 0))
        .join(Store, Store.id == Conversation.store_id)
        .where(Store.owner_id == user_id)
    )
    total = db.session.scalar(select(as_creator.scalar_subquery() + as_seller.scalar_subquery()))
    return int(total or 0)


# ---------------------------------------------------------------------------------------------
# Cards acting in place
# ---------------------------------------------------------------------------------------------


def _card_message(conversation: Conversation, message_id: int, kind: CardKind) -> Message:
    message = db.session.get(Message, message_id)
    if message is None or message.conversation_id != conversation.id:
        raise NotFound("That message is not in this conversation.")
    if message.card_kind != kind.value or message.card_ref is None:
        raise CardError("That message carries no such card.")
    return message


def answer_invitation(
    conversation: Conversation,
    message_id: int,
    creator: User,
    *,
    accept: bool,
    now: datetime | None = None,
) -> PlanMembership:
    """The creator accepts or declines the plan invitation of a card, and the thread says so
    (which counts as the creator's answer)."""
    now = now or utcnow()
    if conversation.creator_id != creator.id:
        raise CardError("Only the invited creator answers an invitation.")
    message = _card_message(conversation, message_id, CardKind.INVITATION)
    assert message.card_ref is not None
    conversation = _lock(conversation)
    _check_open(conversation)
    membership = memberships.respond_to_invitation(message.card_ref, creator.id, accept=accept)
    word = "Accepted" if accept else "Declined"
    _post(
        conversation,
        Side.CREATOR,
        creator.id,
        f"{word} the invitation to “{membership.plan.name}”.",
        None,
        now,
    )
    return membership


def decide_sample(
    conversation: Conversation,
    message_id: int,
    seller: User,
    *,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> SampleRequest:
    """The seller approves or declines the sample request of a card (the samples' own rules
    apply), and the thread says so without counting against the seller's limit."""
    now = now or utcnow()
    if conversation.store.owner_id != seller.id:
        raise CardError("Only the store answers a sample request.")
    message = _card_message(conversation, message_id, CardKind.SAMPLE)
    assert message.card_ref is not None
    conversation = _lock(conversation)
    if approve:
        sample = samples.approve_sample(seller, message.card_ref)
        note = "Approved the sample request: it ships as a free order."
    else:
        sample = samples.decline_sample(seller, message.card_ref, reason)
        note = f"Declined the sample request: {sample.decline_reason}"
    if not conversation.is_blocked:
        _post(conversation, Side.SELLER, seller.id, note, None, now, counts_as_unanswered=False)
    return sample
