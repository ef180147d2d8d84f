"""The CRM pages: filters by tag, segments, bulk actions, ownership, statement counts."""

from __future__ import annotations

from affiliate.crm import services
from affiliate.crm.models import CreatorNote, CreatorSegment, CreatorTagging
from core.extensions import db
from tests.conftest import post_form
from tests.messages.helpers import a_creator, make_world


def test_directory_filters_by_the_stores_tag(app_ctx, client, auth):
    world = make_world()
    ana = a_creator("ana")
    tag, _ = services.tag_creators(world.store, "VIP", [world.creator.id])
    db.session.commit()
    auth.login(world.seller.email)
    html = client.get(f"/seller/crm/?tag={tag.id}").get_data(as_text=True)
    assert "@cleo" in html
    assert "@ana" not in html
    assert ana.id


def test_another_stores_tag_is_an_ignored_filter(app_ctx, client, auth):
    world = make_world()
    other = make_world(seller_email="other@example.com", handle="zed")
    tag, _ = services.tag_creators(other.store, "Theirs", [other.creator.id])
    db.session.commit()
    auth.login(world.seller.email)
    response = client.get(f"/seller/crm/?tag={tag.id}")
    assert response.status_code == 400
    assert "Theirs" not in response.get_data(as_text=True)


def test_tag_and_note_appear_on_the_creators_row(app_ctx, client, auth):
    world = make_world()
    auth.login(world.seller.email)
    assert (
        post_form(client, "/seller/crm/creators/cleo/tags", {"tag": "Skincare"}).status_code == 303
    )
    assert (
        post_form(client, "/seller/crm/creators/cleo/notes", {"body": "Loves serums"}).status_code
        == 303
    )
    row = client.get("/seller/crm/").get_data(as_text=True)
    assert "Skincare" in row
    assert "1 note" in row
    page = client.get("/seller/crm/creators/cleo").get_data(as_text=True)
    assert "Loves serums" in page


def test_another_store_never_sees_notes(app_ctx, client, auth):
    world = make_world()
    services.add_note(world.store, world.creator.id, world.seller, "Secret plan")
    db.session.commit()
    other = make_world(seller_email="other@example.com", handle="zed")
    auth.login(other.seller.email)
    page = client.get("/seller/crm/creators/cleo").get_data(as_text=True)
    assert "Secret plan" not in page
    note = db.session.query(CreatorNote).one()
    response = post_form(client, f"/seller/crm/creators/cleo/notes/{note.id}/delete")
    assert response.status_code == 404


def test_save_and_open_a_segment(app_ctx, client, auth):
    world = make_world()
    auth.login(world.seller.email)
    response = post_form(client, "/seller/crm/segments", {"name": "Cleo-ish", "q": "cleo"})
    assert response.status_code == 303
    segment = db.session.query(CreatorSegment).one()
    html = client.get(f"/seller/crm/?segment={segment.id}").get_data(as_text=True)
    assert "@cleo" in html


def test_another_stores_segment_is_404(app_ctx, client, auth):
    world = make_world()
    other = make_world(seller_email="other@example.com", handle="zed")
    segment = services.save_segment(other.store, "Theirs", {"q": "zed"})
    db.session.commit()
    auth.login(world.seller.email)
    assert client.get(f"/seller/crm/?segment={segment.id}").status_code == 404


def test_bulk_tag_on_a_selection(app_ctx, client, auth):
    world = make_world()
    ana = a_creator("ana")
    auth.login(world.seller.email)
    response = post_form(
        client,
        "/seller/crm/bulk",
        {"action": "tag", "tag": "Spring", "creator_ids": [world.creator.id, ana.id]},
    )
    assert response.status_code == 303
    assert db.session.query(CreatorTagging).count() == 2


def test_bulk_invite_on_a_segment(app_ctx, client, auth):
    world = make_world()
    a_creator("cleo_two")
    segment = services.save_segment(world.store, "Cleos", {"q": "cleo"})
    db.session.commit()
    auth.login(world.seller.email)
    response = post_form(
        client,
        "/seller/crm/bulk",
        {"action": "invite", "plan_id": str(world.plan.id), "segment_id": str(segment.id)},
    )
    assert response.status_code == 303
    from affiliate.plans.models import PlanMembership

    assert db.session.query(PlanMembership).count() == 2


def test_bulk_without_a_selection_says_so(app_ctx, client, auth):
    world = make_world()
    auth.login(world.seller.email)
    response = post_form(client, "/seller/crm/bulk", {"action": "tag", "tag": "x"})
    assert response.status_code == 303  # back to the list, which says why
    assert "at least one creator" in client.get("/seller/crm/").get_data(as_text=True)
    assert db.session.query(CreatorTagging).count() == 0


def test_crm_page_statements_are_constant(app_ctx, client, auth, count_queries):
    world = make_world()
    services.tag_creators(world.store, "VIP", [world.creator.id])
    db.session.commit()
    auth.login(world.seller.email)
    client.get("/seller/crm/")
    before = count_queries.count
    client.get("/seller/crm/")
    few = count_queries.count - before
    creators = [a_creator(f"more{n}") for n in range(6)]
    services.tag_creators(world.store, "VIP", [c.id for c in creators])
    services.add_note(world.store, creators[0].id, world.seller, "hi")
    db.session.commit()
    before = count_queries.count
    client.get("/seller/crm/")
    assert count_queries.count - before == few
