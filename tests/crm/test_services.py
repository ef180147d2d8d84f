"""Tags, notes, segments and bulk actions: each store's own."""

from __future__ import annotations

import pytest

from affiliate.crm import queries, services
from affiliate.crm.exceptions import CrmError, InvalidNote, InvalidSegment, InvalidTag, TagLimit
from affiliate.crm.models import MAX_TAGS_PER_STORE, CreatorTag
from affiliate.messages.limits import Limits
from affiliate.messages.models import Conversation
from affiliate.plans.models import MembershipStatus, PlanMembership
from core.accounts.models import Role
from core.extensions import db
from tests.factories import make_user
from tests.messages.helpers import a_creator, make_world


def test_tags_are_per_store_and_case_insensitive(app_ctx):
    world = make_world()
    tag, added = services.tag_creators(world.store, "VIP", [world.creator.id])
    again, added_again = services.tag_creators(world.store, " vip ", [world.creator.id])
    db.session.commit()
    assert again.id == tag.id
    assert (added, added_again) == (1, 0)
    other = make_world(seller_email="other@example.com", handle="zed")
    theirs, _ = services.tag_creators(other.store, "VIP", [world.creator.id])
    assert theirs.id != tag.id
    assert [
        t.name for t in queries.tags_of(world.store.id, [world.creator.id])[world.creator.id]
    ] == ["VIP"]


def test_a_store_has_at_most_100_tags(app_ctx):
    world = make_world()
    db.session.add_all(
        CreatorTag(store_id=world.store.id, name=f"t{n}", key=f"t{n}")
        for n in range(MAX_TAGS_PER_STORE)
    )
    db.session.commit()
    services.tag_creators(world.store, "t5", [world.creator.id])  # an existing one is fine
    with pytest.raises(TagLimit, match="100 tags"):
        services.tag_creators(world.store, "one more", [world.creator.id])


def test_a_tag_needs_a_name_of_at_most_40_characters(app_ctx):
    world = make_world()
    with pytest.raises(InvalidTag):
        services.tag_creators(world.store, "  ", [world.creator.id])
    with pytest.raises(InvalidTag):
        services.tag_creators(world.store, "x" * 41, [world.creator.id])


def test_only_creators_can_be_tagged(app_ctx):
    world = make_world()
    buyer = make_user(Role.BUYER)
    with pytest.raises(CrmError, match="Only creators"):
        services.tag_creators(world.store, "VIP", [buyer.id])


def test_another_stores_tag_cannot_be_removed_or_deleted(app_ctx):
    world = make_world()
    other = make_world(seller_email="other@example.com", handle="zed")
    tag, _ = services.tag_creators(other.store, "Theirs", [other.creator.id])
    with pytest.raises(InvalidTag):
        services.untag(world.store, tag.id, other.creator.id)
    with pytest.raises(InvalidTag):
        services.delete_tag(world.store, tag.id)


def test_notes_are_private_to_the_store(app_ctx):
    world = make_world()
    other = make_world(seller_email="other@example.com", handle="zed")
    services.add_note(world.store, world.creator.id, world.seller, "Great on camera")
    db.session.commit()
    assert [n.body for n in queries.notes_on(world.store.id, world.creator.id)] == [
        "Great on camera"
    ]
    assert queries.notes_on(other.store.id, world.creator.id) == []
    with pytest.raises(InvalidNote):
        services.delete_note(other.store, queries.notes_on(world.store.id, world.creator.id)[0].id)


def test_a_note_needs_text(app_ctx):
    world = make_world()
    with pytest.raises(InvalidNote):
        services.add_note(world.store, world.creator.id, world.seller, "   ")


def test_segments_keep_known_filters_and_overwrite_by_name(app_ctx):
    world = make_world()
    segment = services.save_segment(world.store, "Big", {"min_followers": "1000", "evil": "x"})
    again = services.save_segment(world.store, "Big", {"min_followers": "5000"})
    db.session.commit()
    assert again.id == segment.id
    assert services.segment_filters(again) == {"min_followers": "5000"}


def test_a_segment_needs_a_name_and_a_filter(app_ctx):
    world = make_world()
    with pytest.raises(InvalidSegment):
        services.save_segment(world.store, "", {"q": "x"})
    with pytest.raises(InvalidSegment):
        services.save_segment(world.store, "Empty", {})


def test_bulk_invite_uses_the_plans_invitations(app_ctx):
    world = make_world()
    second = a_creator("ana")
    invited = services.bulk_invite(
        world.store, world.plan.id, [world.creator.id, second.id], world.seller
    )
    db.session.commit()
    assert invited == 2
    statuses = {m.status for m in db.session.query(PlanMembership).all()}
    assert statuses == {MembershipStatus.INVITED.value}


def test_bulk_invite_refuses_another_stores_plan(app_ctx):
    world = make_world()
    other = make_world(seller_email="other@example.com", handle="zed")
    with pytest.raises(CrmError):
        services.bulk_invite(world.store, other.plan.id, [world.creator.id], world.seller)


def test_bulk_message_respects_the_first_contact_limit(app_ctx):
    world = make_world()
    others = [a_creator(h) for h in ("ana", "bea", "cai")]
    limits = Limits(first_contacts_base=2)
    result = services.bulk_message(
        world.store, [c.id for c in others], world.seller, "Hello from Glow", limits
    )
    db.session.commit()
    assert result.done == 2
    assert len(result.refused) == 1
    assert "new conversations" in result.refused[0][1]
    assert db.session.query(Conversation).count() == 2
