"""The message pages: ownership, CSRF, limits said plainly, cards in place, polling, the menu."""

from __future__ import annotations

from affiliate.messages.models import Conversation, Side
from affiliate.plans.models import MembershipStatus, PlanMembership
from core.accounts.models import Role
from core.extensions import db
from tests.conftest import csrf_token, post_form
from tests.factories import make_user
from tests.messages.helpers import make_world, say


def _conversation(world) -> Conversation:
    message = say(world, Side.SELLER, "Hi Cleo <3 https://glow.example")
    return db.session.get(Conversation, message.conversation_id)


def test_seller_messages_a_creator_from_the_directory(app_ctx, client, auth):
    world = make_world()
    auth.login(world.seller.email)
    page = client.get("/messages/to/cleo?from=directory")
    assert page.status_code == 200
    response = post_form(client, "/messages/to/cleo", {"body": "Hello Cleo", "origin": "directory"})
    assert response.status_code == 303
    conversation = db.session.query(Conversation).one()
    assert conversation.origin == "directory"
    thread = client.get(response.headers["Location"])
    assert "Hello Cleo" in thread.get_data(as_text=True)


def test_another_store_gets_404_on_a_conversation(app_ctx, client, auth):
    world = make_world()
    conversation = _conversation(world)
    other = make_world(seller_email="other@example.com", handle="zed")
    auth.login(other.seller.email)
    assert client.get(f"/messages/{conversation.id}").status_code == 404
    assert client.get(f"/messages/{conversation.id}/poll").status_code == 404
    response = post_form(client, f"/messages/{conversation.id}", {"body": "hi"})
    assert response.status_code == 404


def test_another_creator_gets_404(app_ctx, client, auth):
    world = make_world()
    conversation = _conversation(world)
    stranger = make_user(Role.CREATOR)
    auth.login(stranger.email)
    assert client.get(f"/messages/{conversation.id}").status_code == 404


def test_posting_without_csrf_is_refused(app_ctx, client, auth):
    world = make_world()
    conversation = _conversation(world)
    auth.login(world.creator.email)
    response = client.post(f"/messages/{conversation.id}", data={"body": "hi"})
    assert response.status_code == 400
    assert conversation.seller_unread == 0


def test_thread_escapes_text_and_makes_links_safe(app_ctx, client, auth):
    world = make_world()
    conversation = _conversation(world)
    auth.login(world.creator.email)
    html = client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    assert "Hi Cleo &lt;3" in html
    assert 'href="https://glow.example" rel="nofollow noopener noreferrer ugc"' in html


def test_sixth_message_before_a_reply_is_refused_with_a_reason(app_ctx, client, auth):
    world = make_world()
    conversation = _conversation(world)
    for n in range(4):
        say(world, Side.SELLER, f"more {n}")
    auth.login(world.seller.email)
    response = post_form(client, f"/messages/{conversation.id}", {"body": "sixth"})
    assert response.status_code == 429
    assert "wait for the creator to reply" in response.get_data(as_text=True)


def test_creator_accepts_an_invitation_in_the_thread(app_ctx, client, auth):
    world = make_world()
    auth.login(world.seller.email)
    response = post_form(
        client, "/messages/to/cleo", {"body": "Join?", "card": f"plan:{world.plan.id}"}
    )
    assert response.status_code == 303
    conversation = db.session.query(Conversation).one()
    auth.logout()
    auth.login(world.creator.email)
    page = client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    assert "Invitation: Spring launch" in page
    message_id = conversation.id  # the first message of the first conversation
    from affiliate.messages.models import Message

    card = db.session.query(Message).filter_by(card_kind="invitation").one()
    response = post_form(client, f"/messages/{conversation.id}/cards/{card.id}/invitation/accept")
    assert response.status_code == 303
    membership = db.session.get(PlanMembership, card.card_ref)
    db.session.refresh(membership)
    assert membership.status == MembershipStatus.ACCEPTED.value
    assert message_id


def test_a_malformed_card_is_a_400(app_ctx, client, auth):
    world = make_world()
    auth.login(world.seller.email)
    response = post_form(client, "/messages/to/cleo", {"body": "x", "card": "plan:abc"})
    assert response.status_code == 400


def test_poll_returns_new_messages_and_the_unread_count(app_ctx, client, auth):
    world = make_world()
    conversation = _conversation(world)
    auth.login(world.creator.email)
    first = client.get(f"/messages/{conversation.id}/poll?after=0").get_json()
    assert "Hi Cleo" in first["html"]
    assert first["unread"] == 0  # the poll read them
    say(world, Side.SELLER, "Another one")
    later = client.get(f"/messages/{conversation.id}/poll?after={first['last_id']}").get_json()
    assert "Another one" in later["html"]
    assert "Hi Cleo" not in later["html"]


def test_menu_shows_the_unread_count(app_ctx, client, auth):
    world = make_world()
    _conversation(world)
    auth.login(world.creator.email)
    html = client.get("/messages").get_data(as_text=True)
    assert 'messages-badge">1<' in html


def test_block_and_report_from_the_thread(app_ctx, client, auth):
    world = make_world()
    conversation = _conversation(world)
    admin = make_user(Role.ADMIN)
    auth.login(world.creator.email)
    response = post_form(
        client, f"/messages/{conversation.id}/report", {"reason": "Spam links", "block": "y"}
    )
    assert response.status_code == 303
    db.session.refresh(conversation)
    assert conversation.blocked_by_creator_at is not None
    auth.logout()
    auth.login(admin.email)
    page = client.get("/admin/message-reports")
    assert page.status_code == 200
    assert "Spam links" in page.get_data(as_text=True)


def test_reports_page_is_for_admins_only(app_ctx, client, auth):
    world = make_world()
    auth.login(world.seller.email)
    assert client.get("/admin/message-reports").status_code == 403


def test_inbox_lists_the_conversation(app_ctx, client, auth):
    world = make_world()
    _conversation(world)
    auth.login(world.seller.email)
    html = client.get("/messages").get_data(as_text=True)
    assert "@cleo" in html
    assert csrf_token(client)


def test_thread_statements_do_not_grow_with_messages_and_cards(
    app_ctx, client, auth, count_queries
):
    from affiliate.messages.models import CardKind
    from affiliate.messages.services import CardRequest

    world = make_world()
    conversation = _conversation(world)
    auth.login(world.creator.email)
    client.get(f"/messages/{conversation.id}")
    before = count_queries.count
    client.get(f"/messages/{conversation.id}")
    few = count_queries.count - before
    say(world, Side.CREATOR, "Hi back")
    say(world, Side.SELLER, card=CardRequest(CardKind.INVITATION, world.plan.id))
    say(world, Side.SELLER, card=CardRequest(CardKind.PRODUCT, world.product.id))
    say(world, Side.SELLER, "and more")
    client.get(f"/messages/{conversation.id}")  # reads them
    before = count_queries.count
    client.get(f"/messages/{conversation.id}")
    # Two more at most: one per card kind now on the page (invitations, products).
    assert count_queries.count - before <= few + 2


def test_reading_the_thread_clears_its_bell_notice(app_ctx, client, auth):
    world = make_world()
    conversation = _conversation(world)
    auth.login(world.creator.email)
    client.get(f"/messages/{conversation.id}")
    html = client.get("/messages").get_data(as_text=True)
    assert 'messages-badge" hidden>0<' in html
    assert "notification-badge" not in html


def test_first_contact_allowance_on_the_page_from_a_frozen_clock(
    app, app_ctx, client, auth, monkeypatch
):
    from datetime import timedelta

    from freezegun import freeze_time

    from core.types import utcnow
    from tests.messages.helpers import a_creator

    monkeypatch.setitem(app.config, "MESSAGES_FIRST_CONTACTS_BASE", 1)
    world = make_world()
    a_creator("ana")
    late = (utcnow() + timedelta(days=1)).replace(hour=23, minute=0, second=0, microsecond=0)
    with freeze_time(late):
        auth.login(world.seller.email)
        assert post_form(client, "/messages/to/cleo", {"body": "Hi"}).status_code == 303
        refused = post_form(client, "/messages/to/ana", {"body": "Hi"})
        assert refused.status_code == 429
        assert "allowance of 1 new conversations" in refused.get_data(as_text=True)
    with freeze_time(late + timedelta(hours=1, minutes=30)):  # the next UTC day
        assert post_form(client, "/messages/to/ana", {"body": "Hi"}).status_code == 303


def test_inbox_statements_do_not_grow_with_conversations(app_ctx, client, auth, count_queries):
    from tests.messages.helpers import a_creator

    world = make_world()
    _conversation(world)
    auth.login(world.seller.email)
    client.get("/messages")
    before = count_queries.count
    client.get("/messages")
    few = count_queries.count - before
    for n in range(5):
        say(world, Side.SELLER, "hello", creator=a_creator(f"more{n}"))
    before = count_queries.count
    client.get("/messages")
    assert count_queries.count - before == few
