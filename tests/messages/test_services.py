"""Sending, limits, cards, unread counts, block and report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from affiliate.messages import limits as limits_rules
from affiliate.messages import moderation, services
from affiliate.messages.exceptions import (
    CannotMessage,
    ConversationBlocked,
    FirstContactLimit,
    InvalidMessage,
    InvalidReport,
    WaitForReply,
)
from affiliate.messages.models import CardKind, Conversation, MessageReport, Side
from affiliate.plans.models import MembershipStatus, PlanMembership
from affiliate.plans.samples.models import SampleStatus
from core.accounts.models import Role
from core.extensions import db
from core.notifications.models import Notification
from tests.creators.factories import make_commission
from tests.factories import make_user
from tests.messages.helpers import a_creator, make_world, say
from tests.plans.helpers_samples import ask
from tests.plans.helpers_samples import make_world as sample_world

NOON = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def test_first_message_opens_one_conversation_per_store_and_creator(app_ctx):
    world = make_world()
    say(world, Side.SELLER, "Hi Cleo")
    say(world, Side.CREATOR, "Hi!")
    say(world, Side.SELLER, "Great")
    conversations = db.session.query(Conversation).all()
    assert len(conversations) == 1
    assert conversations[0].opened_by == "seller"


def test_a_conversation_opened_by_a_concurrent_request_is_written_in_not_a_500(
    app_ctx, monkeypatch
):
    world = make_world()
    say(world, Side.SELLER, "Hi Cleo")
    db.session.commit()
    # The second request looked before the first one committed: it saw no conversation.
    real = services.conversation_between
    calls = iter([None])
    monkeypatch.setattr(
        services, "conversation_between", lambda *args: next(calls, None) or real(*args)
    )
    say(world, Side.SELLER, "Hi again")
    conversations = db.session.query(Conversation).all()
    assert len(conversations) == 1
    assert conversations[0].seller_unanswered == 2


def test_seller_may_send_five_messages_before_the_creator_answers(app_ctx):
    world = make_world()
    for n in range(5):
        say(world, Side.SELLER, f"Message {n}")
    with pytest.raises(WaitForReply, match="5 messages in a row"):
        say(world, Side.SELLER, "A sixth")
    db.session.rollback()
    say(world, Side.CREATOR, "Hello back")
    say(world, Side.SELLER, "Thanks!")  # the reply resets the count


def test_messages_before_reply_is_configurable(app_ctx):
    world = make_world()
    limits = limits_rules.Limits(before_reply=2)
    say(world, Side.SELLER, limits=limits)
    say(world, Side.SELLER, limits=limits)
    with pytest.raises(WaitForReply):
        say(world, Side.SELLER, limits=limits)


def test_first_contacts_are_limited_per_day(app_ctx):
    world = make_world()
    limits = limits_rules.Limits(first_contacts_base=2)
    say(world, Side.SELLER, limits=limits, now=NOON - timedelta(days=1))  # yesterday: Cleo
    say(world, Side.SELLER, creator=a_creator("ana"), limits=limits, now=NOON)
    say(world, Side.SELLER, creator=a_creator("bea"), limits=limits, now=NOON)
    say(world, Side.SELLER, "Still here", limits=limits, now=NOON)  # not a first contact
    with pytest.raises(FirstContactLimit, match="allowance of 2 new conversations"):
        say(world, Side.SELLER, creator=a_creator("cai"), limits=limits, now=NOON)
    db.session.rollback()
    # The next UTC day brings a fresh allowance.
    cai = db.session.get(type(world.creator), world.creator.id + 3)
    say(world, Side.SELLER, creator=cai, limits=limits, now=NOON + timedelta(hours=12))


def test_first_contact_allowance_grows_with_affiliate_gmv_and_is_capped(app_ctx):
    world = make_world()
    limits = limits_rules.Limits(
        first_contacts_base=20, first_contacts_per_gmv=1000, first_contacts_cap=22
    )
    now = services.utcnow()
    assert limits_rules.first_contact_allowance(world.store.id, limits, now) == 20
    make_commission(world.creator, world.product, quantity=1)  # a $25.00 attributed line
    # make_commission's order has no paid_at: count it as paid now.
    from shop.orders.models import Order

    for order in db.session.query(Order).all():
        order.paid_at = now - timedelta(days=1)
        for line in order.lines:
            line.creator_id = world.creator.id
    db.session.commit()
    assert limits_rules.store_affiliate_gmv(world.store.id, now) == 2500
    assert limits_rules.first_contact_allowance(world.store.id, limits, now) == 22  # 20 + 2, capped


def test_empty_or_too_long_message_is_refused(app_ctx):
    world = make_world()
    with pytest.raises(InvalidMessage):
        say(world, Side.SELLER, "   ")
    db.session.rollback()
    with pytest.raises(InvalidMessage):
        say(world, Side.SELLER, "x" * 2001)


def test_only_creators_can_be_messaged_and_nobody_messages_themselves(app_ctx):
    world = make_world()
    buyer = make_user(Role.BUYER)
    with pytest.raises(CannotMessage):
        services.send(
            store=world.store, creator_id=buyer.id, side=Side.SELLER, sender=world.seller, body="hi"
        )
    db.session.rollback()
    world.seller.roles  # noqa: B018 (loaded)
    with pytest.raises(CannotMessage):
        services.send(
            store=world.store,
            creator_id=world.seller.id,
            side=Side.SELLER,
            sender=world.seller,
            body="hi",
        )


def test_sender_must_be_the_side_they_write_on(app_ctx):
    world = make_world()
    with pytest.raises(CannotMessage):
        services.send(
            store=world.store,
            creator_id=world.creator.id,
            side=Side.SELLER,
            sender=world.creator,
            body="hi",
        )


def test_unread_counts_follow_messages_and_reading(app_ctx):
    world = make_world()
    message = say(world, Side.SELLER, "one")
    say(world, Side.SELLER, "two")
    assert services.unread_total(world.creator.id) == 2
    assert services.unread_total(world.seller.id) == 0
    conversation = db.session.get(Conversation, message.conversation_id)
    services.mark_read(conversation, Side.CREATOR)
    db.session.commit()
    assert services.unread_total(world.creator.id) == 0
    say(world, Side.CREATOR, "three")
    assert services.unread_total(world.seller.id) == 1


def test_recipient_is_notified_once_per_unread_run(app_ctx):
    world = make_world()
    say(world, Side.SELLER, "one")
    say(world, Side.SELLER, "two")
    notices = (
        db.session.query(Notification).filter_by(user_id=world.creator.id, kind="message.new").all()
    )
    assert len(notices) == 1
    assert notices[0].message == "New message from Glow & Co"


def test_blocking_stops_both_sides_until_lifted(app_ctx):
    world = make_world()
    message = say(world, Side.SELLER, "one")
    conversation = db.session.get(Conversation, message.conversation_id)
    moderation.set_blocked(conversation, Side.CREATOR, True)
    db.session.commit()
    with pytest.raises(ConversationBlocked, match="creator blocked"):
        say(world, Side.SELLER, "two")
    db.session.rollback()
    with pytest.raises(ConversationBlocked):
        say(world, Side.CREATOR, "hm")
    db.session.rollback()
    moderation.set_blocked(db.session.get(Conversation, conversation.id), Side.CREATOR, False)
    db.session.commit()
    say(world, Side.CREATOR, "ok again")


def test_report_reaches_admins_and_blocks(app_ctx):
    world = make_world()
    admin = make_user(Role.ADMIN)
    message = say(world, Side.SELLER, "buy followers at http://spam.example")
    conversation = db.session.get(Conversation, message.conversation_id)
    moderation.report(conversation, Side.CREATOR, world.creator, "Spam about followers")
    db.session.commit()
    assert db.session.query(MessageReport).count() == 1
    assert conversation.blocked_by_creator_at is not None
    assert (
        db.session.query(Notification).filter_by(user_id=admin.id, kind="moderation.report").count()
        == 1
    )


def test_report_needs_a_reason(app_ctx):
    world = make_world()
    message = say(world, Side.SELLER)
    conversation = db.session.get(Conversation, message.conversation_id)
    with pytest.raises(InvalidReport):
        moderation.report(conversation, Side.CREATOR, world.creator, "  ")


def test_invitation_card_invites_and_creator_accepts_in_the_thread(app_ctx):
    world = make_world()
    card = services.CardRequest(CardKind.INVITATION, world.plan.id)
    message = say(world, Side.SELLER, "Join us?", card=card)
    membership = db.session.get(PlanMembership, message.card_ref)
    assert membership.status == MembershipStatus.INVITED.value
    for n in range(4):
        say(world, Side.SELLER, f"nudge {n}")
    conversation = db.session.get(Conversation, message.conversation_id)
    services.answer_invitation(conversation, message.id, world.creator, accept=True)
    db.session.commit()
    assert db.session.get(PlanMembership, membership.id).status == MembershipStatus.ACCEPTED.value
    # Accepting in the thread is the creator's answer: the seller may write again.
    assert conversation.seller_unanswered == 0
    say(world, Side.SELLER, "Welcome aboard")


def test_invitation_card_needs_the_stores_own_targeted_plan(app_ctx):
    world = make_world()
    other = make_world(seller_email="other@example.com", handle="zed")
    with pytest.raises(InvalidMessage):
        say(world, Side.SELLER, card=services.CardRequest(CardKind.INVITATION, other.plan.id))


def test_only_the_creator_answers_an_invitation_card(app_ctx):
    world = make_world()
    message = say(world, Side.SELLER, card=services.CardRequest(CardKind.INVITATION, world.plan.id))
    conversation = db.session.get(Conversation, message.conversation_id)
    with pytest.raises(Exception, match="Only the invited creator"):
        services.answer_invitation(conversation, message.id, world.seller, accept=True)


def test_seller_approves_a_sample_from_the_thread(app_ctx):
    world = sample_world()
    sample = ask(world)
    message = services.send(
        store=world.store,
        creator_id=world.creator.id,
        side=Side.CREATOR,
        sender=world.creator,
        body="Could I get a sample?",
        card=services.CardRequest(CardKind.SAMPLE, sample.id),
    )
    db.session.commit()
    conversation = db.session.get(Conversation, message.conversation_id)
    decided = services.decide_sample(conversation, message.id, world.seller, approve=True)
    db.session.commit()
    assert decided.status == SampleStatus.APPROVED.value
    assert decided.order_id is not None
    assert conversation.seller_unanswered == 0  # the answer is not a message against the limit


def test_seller_declines_a_sample_from_the_thread_with_a_reason(app_ctx):
    world = sample_world()
    sample = ask(world)
    message = services.send(
        store=world.store,
        creator_id=world.creator.id,
        side=Side.CREATOR,
        sender=world.creator,
        body="",
        card=services.CardRequest(CardKind.SAMPLE, sample.id),
    )
    db.session.commit()
    conversation = db.session.get(Conversation, message.conversation_id)
    decided = services.decide_sample(
        conversation, message.id, world.seller, approve=False, reason="Out of budget"
    )
    db.session.commit()
    assert decided.status == SampleStatus.DECLINED.value


def test_a_sample_card_must_be_between_the_two(app_ctx):
    world = sample_world()
    sample = ask(world)
    other_creator = a_creator("ivy")
    with pytest.raises(InvalidMessage):
        services.send(
            store=world.store,
            creator_id=other_creator.id,
            side=Side.SELLER,
            sender=world.seller,
            body="",
            card=services.CardRequest(CardKind.SAMPLE, sample.id),
        )
