"""The content loaders: a video or live by id for its owner or for viewers, else a 404; and
what a live's pages may offer in each state."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from werkzeug.exceptions import NotFound

from affiliate.creators.content.loaders import get_card_or_404, get_live_or_404, get_video_or_404
from affiliate.creators.content.models import ContentStatus
from affiliate.creators.content.queries import live_status
from core.accounts.models import Role
from core.extensions import db
from tests.creators.factories import make_live, make_video
from tests.factories import make_user
from tests.shop.factories import make_product


@pytest.fixture
def world(app_ctx):
    cara = make_user(Role.CREATOR)
    dan = make_user(Role.CREATOR)
    serum, cream = make_product(title="Serum"), make_product(title="Cream")
    video = make_video(cara.id, [serum])
    live = make_live(cara.id, [serum], state="live", pinned=serum)
    return SimpleNamespace(cara=cara, dan=dan, serum=serum, cream=cream, video=video, live=live)


def test_the_owner_loads_their_video_and_live(world):
    assert get_video_or_404(world.video.id, owner=world.cara.id) is world.video
    assert get_live_or_404(world.live.id, owner=world.cara.id) is world.live


def test_another_creators_content_is_a_404_not_a_403(world):
    with pytest.raises(NotFound):
        get_video_or_404(world.video.id, owner=world.dan.id)
    with pytest.raises(NotFound):
        get_live_or_404(world.live.id, owner=world.dan.id)


def test_viewers_load_any_published_content_of_the_kind_asked(world):
    assert get_video_or_404(world.video.id) is world.video
    assert get_live_or_404(world.live.id) is world.live
    with pytest.raises(NotFound):
        get_video_or_404(world.live.id)
    with pytest.raises(NotFound):
        get_live_or_404(world.video.id)


@pytest.mark.parametrize("content_id", [0, -1, 2**31, 2**63])
def test_ids_out_of_range_are_a_404(world, content_id):
    with pytest.raises(NotFound):
        get_video_or_404(content_id)
    with pytest.raises(NotFound):
        get_live_or_404(content_id, owner=world.cara.id)


def test_removed_content_is_a_404_even_for_its_owner(world):
    world.video.status = ContentStatus.REMOVED.value
    db.session.commit()
    with pytest.raises(NotFound):
        get_video_or_404(world.video.id, owner=world.cara.id)
    with pytest.raises(NotFound):
        get_card_or_404(world.video.id, world.serum.id)


def test_a_card_loads_only_for_a_product_in_the_contents_yellow_cart(world):
    assert get_card_or_404(world.video.id, world.serum.id) is world.video
    assert get_card_or_404(world.live.id, world.serum.id) is world.live
    with pytest.raises(NotFound):
        get_card_or_404(world.video.id, world.cream.id)


@pytest.mark.parametrize(
    ("state", "started", "label", "allowed"),
    [
        ("scheduled", False, "Scheduled", {"can_start", "can_end", "can_edit", "can_pin_voucher"}),
        ("live", True, "Live", {"can_end", "can_pin", "can_unpin", "can_pin_voucher"}),
        ("ended", True, "Ended", set()),
        ("ended", False, "Cancelled", set()),
    ],
)
def test_a_lives_status_says_what_its_creator_may_do(world, state, started, label, allowed):
    live = make_live(world.cara.id, [world.serum], state=state)
    if not started:
        live.started_at = None
    if state == "live":
        live.pinned_product_id = world.serum.id
    status = live_status(live)

    assert status.label == label
    actions = ("can_start", "can_end", "can_edit", "can_pin", "can_unpin", "can_pin_voucher")
    assert {name for name in actions if getattr(status, name)} == allowed
    assert status.is_over is (state == "ended")


def test_nothing_to_unpin_offers_no_unpin(world):
    live = make_live(world.cara.id, [world.serum], state="live")
    assert live_status(live).can_pin
    assert not live_status(live).can_unpin
