"""Cards acting in place through the pages, and their refusals."""

from __future__ import annotations

from affiliate.messages import services
from affiliate.messages.models import CardKind, Conversation, Message, Side
from affiliate.plans.samples.models import SampleRequest, SampleStatus
from core.extensions import db
from tests.conftest import post_form
from tests.messages.helpers import make_world, say
from tests.plans.helpers_samples import ask
from tests.plans.helpers_samples import make_world as sample_world


def _sample_thread(world) -> tuple[Conversation, Message, SampleRequest]:
    sample = ask(world)
    message = services.send(
        store=world.store,
        creator_id=world.creator.id,
        side=Side.CREATOR,
        sender=world.creator,
        body="About my sample",
        card=services.CardRequest(CardKind.SAMPLE, sample.id),
    )
    db.session.commit()
    return db.session.get(Conversation, message.conversation_id), message, sample


def test_creator_writes_to_a_store_with_a_sample_card(app_ctx, client, auth):
    world = sample_world()
    sample = ask(world)
    auth.login(world.creator.email)
    page = client.get(f"/messages/store/{world.store.id}?from=sample&card=sample:{sample.id}")
    assert page.status_code == 200
    response = post_form(
        client,
        f"/messages/store/{world.store.id}",
        {"body": "Hi!", "card": f"sample:{sample.id}", "origin": "sample"},
    )
    assert response.status_code == 303
    conversation = db.session.query(Conversation).one()
    assert (conversation.opened_by, conversation.origin) == ("creator", "sample")


def test_seller_approves_the_sample_on_the_thread_page(app_ctx, client, auth):
    world = sample_world()
    conversation, message, sample = _sample_thread(world)
    auth.login(world.seller.email)
    page = client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    assert "Sample request #" in page
    response = post_form(client, f"/messages/{conversation.id}/cards/{message.id}/sample/approve")
    assert response.status_code == 303
    db.session.refresh(sample)
    assert sample.status == SampleStatus.APPROVED.value


def test_declining_a_sample_needs_a_reason(app_ctx, client, auth):
    world = sample_world()
    conversation, message, sample = _sample_thread(world)
    auth.login(world.seller.email)
    response = post_form(
        client, f"/messages/{conversation.id}/cards/{message.id}/sample/decline", {"reason": ""}
    )
    assert response.status_code == 303
    db.session.refresh(sample)
    assert sample.status == SampleStatus.REQUESTED.value


def test_creator_cannot_approve_their_own_sample(app_ctx, client, auth):
    world = sample_world()
    conversation, message, sample = _sample_thread(world)
    auth.login(world.creator.email)
    post_form(client, f"/messages/{conversation.id}/cards/{message.id}/sample/approve")
    db.session.refresh(sample)
    assert sample.status == SampleStatus.REQUESTED.value


def test_a_card_of_another_conversation_is_refused(app_ctx, client, auth):
    world = make_world()
    other = make_world(seller_email="other@example.com", handle="zed")
    mine = say(world, Side.SELLER, "hi")
    theirs = say(
        other,
        Side.SELLER,
        card=services.CardRequest(CardKind.INVITATION, other.plan.id),
    )
    auth.login(world.creator.email)
    response = post_form(
        client,
        f"/messages/{mine.conversation_id}/cards/{theirs.id}/invitation/accept",
    )
    assert response.status_code == 303
    assert "not in this conversation" in client.get("/messages").get_data(as_text=True)


def test_a_report_without_a_reason_is_refused(app_ctx, client, auth):
    world = make_world()
    message = say(world, Side.SELLER, "hi")
    auth.login(world.creator.email)
    post_form(client, f"/messages/{message.conversation_id}/report", {"reason": ""})
    conversation = db.session.get(Conversation, message.conversation_id)
    db.session.refresh(conversation)
    assert conversation.blocked_by_creator_at is None


def test_blocked_thread_refuses_a_message_with_a_reason(app_ctx, client, auth):
    world = make_world()
    message = say(world, Side.SELLER, "hi")
    auth.login(world.creator.email)
    post_form(client, f"/messages/{message.conversation_id}/block")
    auth.logout()
    auth.login(world.seller.email)
    response = post_form(client, f"/messages/{message.conversation_id}", {"body": "hello?"})
    assert response.status_code == 403
    assert "creator blocked" in response.get_data(as_text=True)
