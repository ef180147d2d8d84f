"""Live sessions: scheduling, the state machine, pins and the state viewers poll."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from affiliate.creators.content import lives, queries
from affiliate.creators.content.exceptions import (
    ContentError,
    ContentNotFound,
    IllegalLiveMove,
    InvalidLive,
    NotInShowcase,
    NotOnLive,
    NotYours,
    TooManyProducts,
)
from affiliate.creators.content.models import (
    Content,
    ContentProduct,
    ContentStatus,
    LiveState,
)
from core.accounts.models import Role
from core.accounts.services import find_by_email
from core.extensions import db
from core.types import utcnow
from demo.live_deals import QA_TITLE
from shop.catalog.models import ProductStatus
from tests.clock import now_to_the_minute
from tests.creators.factories import make_live, showcase
from tests.factories import make_user
from tests.shop.factories import make_product, make_store

NOW = now_to_the_minute()  # the clock handed to every call
STREAM = "https://stream.example.com/cara"


@pytest.fixture
def world(app_ctx):
    """Cara with seven products in her showcase, one product outside it, and Dan, a creator."""
    cara = make_user(Role.CREATOR, email="cara@example.com")
    dan = make_user(Role.CREATOR, email="dan@example.com")
    store = make_store(name="Glow Lab")
    products = [make_product(store, title=f"Serum {n}", price=1000 + n) for n in range(7)]
    for product in products:
        showcase(cara.id, product)
    outside = make_product(store, title="Not showcased")
    return SimpleNamespace(cara=cara, dan=dan, store=store, products=products, outside=outside)


def _schedule(world, **changes):
    fields = {
        "title": "  Morning   routine, live ",
        "scheduled_at": NOW + timedelta(days=1),
        "stream_url": STREAM,
        "product_ids": [world.products[1].id, world.products[0].id],
        "now": NOW,
    }
    fields.update(changes)
    return lives.schedule_live(world.cara.id, **fields)


def _live_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Content.id)))


def test_scheduling_keeps_title_time_url_and_products_in_order(world):
    live = _schedule(world)
    db.session.commit()

    assert live.live_state == LiveState.SCHEDULED.value
    assert live.kind == "live"
    assert live.title == "Morning routine, live"
    assert live.scheduled_at == NOW + timedelta(days=1)
    assert live.stream_url == STREAM
    assert [p.product_id for p in live.products] == [world.products[1].id, world.products[0].id]
    assert live.started_at is None
    assert live.pinned_product_id is None


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"title": "   "}, InvalidLive, "title"),
        ({"title": "x" * 151}, InvalidLive, "too long"),
        ({"scheduled_at": NOW - timedelta(minutes=6)}, InvalidLive, "has passed"),
        ({"scheduled_at": NOW + timedelta(days=366)}, InvalidLive, "a year"),
        ({"scheduled_at": (NOW + timedelta(days=1)).replace(tzinfo=None)}, InvalidLive, "UTC"),
        ({"stream_url": "ftp://stream.example.com/x"}, InvalidLive, "https://"),
        ({"stream_url": "javascript:alert(1)"}, InvalidLive, "https://"),
        ({"stream_url": "https://"}, InvalidLive, "https://"),
        ({"stream_url": "stream.example.com/x"}, InvalidLive, "https://"),
        ({"stream_url": "https://exa mple.com/"}, InvalidLive, "spaces"),
        ({"stream_url": "https://me:secret@example.com/"}, InvalidLive, "password"),
        ({"stream_url": "https://example.com/" + "a" * 481}, InvalidLive, "too long"),
        ({"stream_url": "https://[::1/"}, InvalidLive, "web address"),
        ({"product_ids": []}, InvalidLive, "at least one"),
        ({"product_ids": ["seven"]}, NotInShowcase, "showcase"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(world, changes, error, message):
    with pytest.raises(error, match=message) as raised:
        _schedule(world, **changes)
    assert raised.value.status_code == 400
    assert _live_count() == 0


def test_a_start_a_few_minutes_ago_is_accepted(world):
    live = _schedule(world, scheduled_at=NOW - timedelta(minutes=4))
    assert live.scheduled_at == NOW - timedelta(minutes=4)


def test_a_product_outside_the_showcase_is_refused(world):
    with pytest.raises(NotInShowcase):
        _schedule(world, product_ids=[world.products[0].id, world.outside.id])
    assert _live_count() == 0


def test_more_than_six_products_are_refused(world):
    with pytest.raises(TooManyProducts):
        _schedule(world, product_ids=[p.id for p in world.products])
    assert _live_count() == 0


def test_six_products_are_fine_and_repeats_count_once(world):
    ids = [p.id for p in world.products[:6]]
    live = _schedule(world, product_ids=[*ids, ids[0]])
    assert [p.product_id for p in live.products] == ids


def test_update_changes_a_scheduled_live_only(world):
    live = _schedule(world)
    db.session.commit()
    lives.update_live(
        world.cara.id,
        live.id,
        title="Evening routine",
        scheduled_at=NOW + timedelta(days=2),
        stream_url="https://stream.example.com/evening",
        product_ids=[world.products[3].id],
        now=NOW,
    )
    db.session.commit()
    assert live.title == "Evening routine"
    assert [p.product_id for p in live.products] == [world.products[3].id]

    lives.start_live(world.cara.id, live.id, now=NOW + timedelta(days=2))
    with pytest.raises(IllegalLiveMove) as raised:
        lives.update_live(
            world.cara.id,
            live.id,
            title="Too late",
            scheduled_at=NOW + timedelta(days=2),
            stream_url=STREAM,
            product_ids=[world.products[3].id],
            now=NOW + timedelta(days=2),
        )
    assert raised.value.status_code == 409


def test_an_overdue_live_can_be_edited_without_moving_its_time(world):
    live = _schedule(world)
    db.session.commit()
    later = NOW + timedelta(days=3)  # the live was due two days ago and never started
    lives.update_live(
        world.cara.id,
        live.id,
        title="Still coming",
        scheduled_at=live.scheduled_at,
        stream_url=STREAM,
        product_ids=[world.products[0].id],
        now=later,
    )
    assert live.title == "Still coming"


# ---------------------------------------------------------------------------- state machine


def test_a_live_starts_takes_pins_and_ends(world):
    live = _schedule(world)
    db.session.commit()
    serum = world.products[0]

    lives.start_live(world.cara.id, live.id, now=NOW + timedelta(days=1))
    assert live.live_state == "live"
    assert live.started_at == NOW + timedelta(days=1)

    lives.pin_product(world.cara.id, live.id, serum.id, now=NOW + timedelta(days=1, minutes=5))
    assert live.pinned_product_id == serum.id
    assert live.pinned_at == NOW + timedelta(days=1, minutes=5)

    lives.unpin(world.cara.id, live.id, now=NOW + timedelta(days=1, minutes=6))
    assert live.pinned_product_id is None

    lives.pin_product(world.cara.id, live.id, serum.id, now=NOW + timedelta(days=1, minutes=7))
    lives.end_live(world.cara.id, live.id, now=NOW + timedelta(days=1, hours=1))
    db.session.commit()
    assert live.live_state == "ended"
    assert live.ended_at == NOW + timedelta(days=1, hours=1)
    assert live.pinned_product_id is None
    assert live.pinned_at is None
    assert not queries.is_cancelled(live)


def test_ending_a_live_that_never_started_cancels_it(world):
    live = _schedule(world)
    lives.end_live(world.cara.id, live.id, now=NOW)
    assert live.live_state == "ended"
    assert queries.is_cancelled(live)
    with pytest.raises(IllegalLiveMove, match="ended"):
        lives.start_live(world.cara.id, live.id, now=NOW)


@pytest.mark.parametrize(
    ("state", "move", "message"),
    [
        ("live", "start", "already started"),
        ("ended", "start", "has ended"),
        ("ended", "end", "already ended"),
        ("scheduled", "pin", "only while the live is on"),
        ("ended", "pin", "only while the live is on"),
        ("scheduled", "unpin", "only while the live is on"),
        ("ended", "unpin", "only while the live is on"),
    ],
)
def test_illegal_moves_answer_409_and_change_nothing(world, state, move, message):
    product = world.products[0]
    live = make_live(world.cara.id, [product], state=state)
    before = (live.live_state, live.started_at, live.ended_at, live.pinned_product_id)
    actions = {
        "start": lambda: lives.start_live(world.cara.id, live.id),
        "end": lambda: lives.end_live(world.cara.id, live.id),
        "pin": lambda: lives.pin_product(world.cara.id, live.id, product.id),
        "unpin": lambda: lives.unpin(world.cara.id, live.id),
    }
    with pytest.raises(IllegalLiveMove, match=message) as raised:
        actions[move]()
    assert raised.value.status_code == 409
    db.session.rollback()
    db.session.refresh(live)
    assert (live.live_state, live.started_at, live.ended_at, live.pinned_product_id) == before


def test_a_product_not_on_the_live_cannot_be_pinned(world):
    live = make_live(world.cara.id, [world.products[0]], state="live")
    with pytest.raises(NotOnLive) as raised:
        lives.pin_product(world.cara.id, live.id, world.products[1].id)
    assert raised.value.status_code == 400
    with pytest.raises(NotOnLive):
        lives.pin_product(world.cara.id, live.id, 2**31 - 1)


def test_a_product_taken_off_sale_cannot_be_pinned(world):
    serum = world.products[0]
    live = make_live(world.cara.id, [serum], state="live")
    serum.status = ProductStatus.ARCHIVED.value
    db.session.commit()
    with pytest.raises(NotOnLive, match="not on sale"):
        lives.pin_product(world.cara.id, live.id, serum.id)


@pytest.mark.parametrize("move", ["start", "end", "pin", "unpin", "update"])
def test_another_creators_live_reads_as_missing(world, move):
    product = world.products[0]
    live = make_live(world.cara.id, [product], state="live" if move != "start" else "scheduled")
    dan = world.dan.id
    actions = {
        "start": lambda: lives.start_live(dan, live.id),
        "end": lambda: lives.end_live(dan, live.id),
        "pin": lambda: lives.pin_product(dan, live.id, product.id),
        "unpin": lambda: lives.unpin(dan, live.id),
        "update": lambda: lives.update_live(
            dan,
            live.id,
            title="Mine now",
            scheduled_at=utcnow() + timedelta(days=1),
            stream_url=STREAM,
            product_ids=[],
        ),
    }
    with pytest.raises(NotYours) as raised:
        actions[move]()
    assert raised.value.status_code == 404


def test_a_removed_live_reads_as_missing(world):
    live = make_live(world.cara.id, [world.products[0]], status=ContentStatus.REMOVED.value)
    with pytest.raises(NotYours):
        lives.start_live(world.cara.id, live.id)
    with pytest.raises(ContentNotFound):
        queries.pinned_state(live.id)


def test_a_creator_is_live_in_one_session_at_a_time(world):
    make_live(world.cara.id, [world.products[0]], state="live")
    second = make_live(world.cara.id, [world.products[1]], title="Second")
    with pytest.raises(IllegalLiveMove, match="another session"):
        lives.start_live(world.cara.id, second.id)


def test_pinning_the_pinned_product_again_changes_nothing(world):
    serum = world.products[0]
    live = make_live(world.cara.id, [serum], state="live", pinned=serum)
    version = queries.version_of(live)
    lives.pin_product(world.cara.id, live.id, serum.id)
    assert queries.version_of(live) == version


def test_state_changes_lock_the_live_row(world, count_queries, is_postgres):
    live = make_live(world.cara.id, [world.products[0]], state="live")
    count_queries.statements.clear()
    lives.pin_product(world.cara.id, live.id, world.products[0].id)
    locking = [s for s in count_queries.statements if "FROM content" in s and "FOR UPDATE" in s]
    # SQLite has no row locks (its writers are serialized at BEGIN IMMEDIATE instead).
    assert len(locking) == (1 if is_postgres else 0)
    assert any("FROM content" in s for s in count_queries.statements)


# ---------------------------------------------------------------------------- what viewers poll


def test_pinned_state_follows_the_pin_and_moves_its_version(world, count_queries):
    serum, cream = world.products[0], world.products[1]
    live = make_live(world.cara.id, [serum, cream], state="live")
    db.session.expire_all()

    count_queries.statements.clear()
    first = queries.pinned_state(live.id)
    assert count_queries.count == 1  # nothing pinned: no cards to read
    assert first["state"] == "live"
    assert first["pinned"] is None
    assert first["pinned_at"] is None

    lives.pin_product(world.cara.id, live.id, cream.id)
    db.session.commit()
    db.session.expire_all()
    count_queries.statements.clear()
    pinned = queries.pinned_state(live.id)
    assert count_queries.count == 4  # the live, its pinned card, and the offers on it (2)
    assert pinned["pinned"]["product_id"] == cream.id
    assert pinned["pinned"]["title"] == cream.title
    assert pinned["pinned"]["content_id"] == live.id
    assert datetime.fromisoformat(pinned["pinned_at"]) == live.pinned_at
    assert pinned["version"] > first["version"]

    lives.unpin(world.cara.id, live.id)
    unpinned = queries.pinned_state(live.id)
    assert unpinned["pinned"] is None
    assert unpinned["version"] > pinned["version"]

    lives.end_live(world.cara.id, live.id)
    ended = queries.pinned_state(live.id)
    assert ended["state"] == "ended"
    assert ended["version"] > unpinned["version"]


def test_versions_never_go_backwards_even_when_the_clock_does(world):
    serum, cream = world.products[0], world.products[1]
    live = make_live(world.cara.id, [serum, cream], state="live")
    lives.pin_product(world.cara.id, live.id, serum.id, now=NOW + timedelta(days=400))
    ahead = queries.version_of(live)
    lives.pin_product(world.cara.id, live.id, cream.id, now=NOW)
    assert queries.version_of(live) > ahead


def test_unknown_content_and_videos_have_no_live_state(world):
    with pytest.raises(ContentNotFound):
        queries.pinned_state(2**31 - 1)
    video = Content(
        creator_id=world.cara.id,
        kind="video",
        title="A video",
        external_url="https://videos.example.com/1",
    )
    db.session.add(video)
    db.session.commit()
    with pytest.raises(ContentError):
        queries.pinned_state(video.id)


def test_lives_of_groups_a_creators_lives_by_state(world):
    serum = world.products[0]
    on_air = make_live(world.cara.id, [serum], state="live", title="On air")
    soon = make_live(world.cara.id, [serum], title="Soon", scheduled_at=NOW + timedelta(days=1))
    sooner = make_live(world.cara.id, [serum], title="Sooner", scheduled_at=NOW)
    past = make_live(world.cara.id, [serum, world.products[1]], state="ended", title="Past")
    make_live(world.dan.id, [serum], title="Dan's")
    make_live(world.cara.id, [serum], title="Gone", status=ContentStatus.REMOVED.value)

    found = queries.lives_of(world.cara.id)
    assert [live.id for live in found.live] == [on_air.id]
    assert [live.id for live in found.scheduled] == [sooner.id, soon.id]
    assert [live.id for live in found.ended] == [past.id]
    assert found.product_counts[past.id] == 2


def test_set_products_of_a_live_are_content_products(world):
    live = _schedule(world, product_ids=[world.products[2].id])
    db.session.commit()
    rows = db.session.scalars(
        select(ContentProduct.product_id).where(ContentProduct.content_id == live.id)
    ).all()
    assert rows == [world.products[2].id]


# ---------------------------------------------------------------------------- demo


def test_demo_has_cleo_on_air_with_a_pin_and_a_live_scheduled_tomorrow(app, app_ctx, client):
    for _ in range(2):  # the seed is idempotent
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
    assert "demo lives ready" in result.output
    db.session.rollback()
    # Cleo's evening Q&A (demo.live_deals) is tested with the live deals' demo.
    others = select(Content).where(Content.kind == "live", Content.title != QA_TITLE)
    found = db.session.scalars(others).all()
    assert len(found) == 2
    by_state = {live.live_state: live for live in found}
    on_air, coming = by_state["live"], by_state["scheduled"]
    assert on_air.creator_id == find_by_email("creator@example.com").id
    assert on_air.pinned_product_id == on_air.products[0].product_id
    assert len(on_air.products) >= 2
    assert coming.creator_id != on_air.creator_id
    assert coming.products
    assert timedelta(hours=20) < coming.scheduled_at - utcnow() < timedelta(days=1, hours=1)
    state = client.get(f"/live/{on_air.id}/state.json").json
    assert state["pinned"]["product_id"] == on_air.pinned_product_id
