"""`flask demo seed` opens a conversation between Glow & Co and Cleo, with tags and a segment."""

from __future__ import annotations

from sqlalchemy import func, select

from affiliate.crm.models import CreatorNote, CreatorSegment, CreatorTag, CreatorTagging
from affiliate.messages.models import Conversation, Message
from core.extensions import db


def _seed(app) -> None:
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output


def _counts() -> tuple[int, ...]:
    models = (Conversation, Message, CreatorTag, CreatorTagging, CreatorNote, CreatorSegment)
    return tuple(
        db.session.scalar(select(func.count()).select_from(model)) or 0 for model in models
    )


def test_demo_conversation_tags_and_segment_once(app, app_ctx):
    _seed(app)
    conversation = db.session.scalars(select(Conversation)).one()
    assert conversation.store.name == "Glow & Co"
    assert conversation.creator_has_replied
    kinds = [m.card_kind for m in db.session.scalars(select(Message).order_by(Message.id))]
    assert kinds == ["invitation", None]
    counts = _counts()
    assert counts[2] >= 2  # tags
    assert counts[5] == 1  # the segment
    _seed(app)
    assert _counts() == counts


def test_demo_pages_render_for_the_seller_and_cleo(app, app_ctx, client):
    from demo.accounts import DEMO_PASSWORD
    from tests.conftest import Auth

    _seed(app)
    conversation = db.session.scalars(select(Conversation)).one()
    auth = Auth(client)
    auth.login("seller@example.com", DEMO_PASSWORD)
    for path in (
        "/messages",
        f"/messages/{conversation.id}",
        "/seller/crm/",
        "/seller/crm/creators/cleo",
        "/seller/creators",
        "/creators/cleo",
    ):
        assert client.get(path).status_code == 200, path
    segment = db.session.scalars(select(CreatorSegment)).one()
    assert "@cleo" in client.get(f"/seller/crm/?segment={segment.id}").get_data(as_text=True)
    auth.logout()
    auth.login("creator@example.com", DEMO_PASSWORD)
    thread = client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    assert "Invitation: Spring launch" in thread
    assert ">Accept</button>" in thread
    invitations = client.get("/creator/invitations").get_data(as_text=True)
    assert "Message Glow &amp; Co" in invitations
