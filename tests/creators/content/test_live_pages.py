"""The creator's live pages (schedule, control panel) and the public viewer page and its poll."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from affiliate.creators.content.models import (
    Content,
    ContentKind,
    ContentProduct,
    ContentStatus,
    LiveState,
)
from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from tests.conftest import Auth, csrf_token, post_form
from tests.creators.factories import make_live, make_profile, showcase
from tests.factories import make_user
from tests.shop.factories import make_product, make_store, make_voucher


@pytest.fixture
def world(app_ctx):
    """Cara (with a profile) showcases seven products; Dan is another creator."""
    profile = make_profile(user_id=make_user(Role.CREATOR, email="cara@example.com").id)
    profile.handle, profile.display_name = "cara", "Cara Creator"
    dan = make_user(Role.CREATOR, email="dan@example.com")
    store = make_store(name="Glow Lab")
    products = [make_product(store, title=f"Serum {n}", price=1000 + n) for n in range(7)]
    for product in products:
        showcase(profile.user_id, product)
    outside = make_product(store, title="Not showcased")
    db.session.commit()
    return SimpleNamespace(cara_id=profile.user_id, dan=dan, products=products, outside=outside)


@pytest.fixture
def cara(client, world):
    Auth(client).login("cara@example.com")
    return client


def _count_lives() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Content.id)))


def _form(world, **changes):
    start = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "title": "Morning routine, live",
        "scheduled_at": start,
        "stream_url": "https://stream.example.com/cara",
        "product_ids": [str(world.products[0].id), str(world.products[1].id)],
    }
    data.update(changes)
    return data


def _text(response) -> str:
    return response.get_data(as_text=True)


# ---------------------------------------------------------------------------- the creator's pages


def test_lives_page_starts_empty_and_is_in_the_creator_nav(cara):
    page = cara.get("/creator/lives")
    assert page.status_code == 200
    html = _text(page)
    assert "Schedule a live" in html
    assert 'href="/creator/lives/new"' in html
    assert re.search(r'class="nav-link[^"]* active"[^>]*href="/creator/lives"', html)


def test_schedule_form_says_times_are_utc_and_lists_the_showcase(cara, world):
    html = _text(cara.get("/creator/lives/new"))
    assert "Starts at (UTC)" in html
    assert 'type="datetime-local"' in html
    for product in world.products:
        assert f'name="product_ids" value="{product.id}"' in html
    assert world.outside.title not in html


def test_scheduling_through_the_form(cara, world):
    response = post_form(cara, "/creator/lives/new", _form(world))
    assert response.status_code == 303
    live = db.session.scalars(select(Content)).one()
    assert response.headers["Location"].endswith(f"/creator/lives/{live.id}")
    assert live.live_state == "scheduled"
    assert live.creator_id == world.cara_id
    assert [p.product_id for p in live.products] == [p.id for p in world.products[:2]]

    panel = _text(cara.get(f"/creator/lives/{live.id}"))
    assert "is scheduled" in panel
    assert "Go live" in panel
    listing = _text(cara.get("/creator/lives"))
    assert "Morning routine, live" in listing
    assert "2 products" in listing


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"stream_url": "javascript:alert(1)"}, "https://"),
        ({"stream_url": "ftp://stream.example.com/x"}, "https://"),
        ({"scheduled_at": "2020-01-01T10:00"}, "has passed"),
        ({"scheduled_at": "tomorrow"}, "Not a valid datetime"),
        ({"title": ""}, "Give the live a title"),
        ({"product_ids": []}, "at least one"),
    ],
)
def test_bad_schedule_input_answers_400_and_writes_nothing(cara, world, changes, message):
    response = post_form(cara, "/creator/lives/new", _form(world, **changes))
    assert response.status_code == 400
    assert message in _text(response)
    assert _count_lives() == 0


def test_a_product_outside_the_showcase_is_refused(cara, world):
    ids = [str(world.products[0].id), str(world.outside.id)]
    response = post_form(cara, "/creator/lives/new", _form(world, product_ids=ids))
    assert response.status_code == 400
    assert "showcase" in _text(response)
    assert _count_lives() == 0


def test_more_than_six_products_are_refused(cara, world):
    ids = [str(p.id) for p in world.products]
    response = post_form(cara, "/creator/lives/new", _form(world, product_ids=ids))
    assert response.status_code == 400
    assert "at most 6" in _text(response)
    assert _count_lives() == 0


def test_edit_a_scheduled_live(cara, world):
    live = make_live(world.cara_id, world.products[:1])
    form = _text(cara.get(f"/creator/lives/{live.id}/edit"))
    assert 'value="Morning routine, live"' in form
    changes = {"title": "Evening routine", "product_ids": [str(world.products[2].id)]}
    response = post_form(cara, f"/creator/lives/{live.id}/edit", _form(world, **changes))
    assert response.status_code == 303
    db.session.expire_all()
    assert live.title == "Evening routine"
    assert [p.product_id for p in live.products] == [world.products[2].id]


def test_the_control_panel_starts_pins_and_ends(cara, world):
    serum, cream = world.products[:2]
    live = make_live(world.cara_id, [serum, cream])
    base = f"/creator/lives/{live.id}"

    assert post_form(cara, f"{base}/start").status_code == 303
    panel = _text(cara.get(base))
    assert panel.count('class="btn btn-sm btn-outline-danger live-pin"') == 2
    assert "End the live" in panel

    assert post_form(cara, f"{base}/pin", {"product_id": cream.id}).status_code == 303
    panel = _text(cara.get(base))
    assert re.search(rf'live-pin-item-pinned" data-product-id="{cream.id}"', panel)
    assert panel.count('live-pin"') == 1  # the pinned one has a mark, not a button
    db.session.expire_all()
    assert live.pinned_product_id == cream.id

    assert post_form(cara, f"{base}/unpin").status_code == 303
    db.session.expire_all()
    assert live.pinned_product_id is None

    assert post_form(cara, f"{base}/end").status_code == 303
    db.session.expire_all()
    assert live.live_state == "ended"
    assert "has ended" in _text(cara.get(base))


@pytest.mark.parametrize(
    ("state", "action", "data", "status", "message"),
    [
        ("live", "start", {}, 409, "already started"),
        ("scheduled", "pin", {"product_id": "FIRST"}, 409, "only while the live is on"),
        ("ended", "end", {}, 409, "already ended"),
        ("live", "pin", {"product_id": "OTHER"}, 400, "not in this live"),
        ("live", "pin", {"product_id": "x"}, 400, None),
        ("live", "pin", {}, 400, None),
    ],
)
def test_control_panel_refusals(cara, world, state, action, data, status, message):
    first, other = world.products[:2]
    live = make_live(world.cara_id, [first], state=state)
    ids = {"FIRST": first.id, "OTHER": other.id}
    data = {k: ids.get(v, v) for k, v in data.items()}
    response = post_form(cara, f"/creator/lives/{live.id}/{action}", data)
    assert response.status_code == status
    if message:
        assert message in _text(response)
    db.session.expire_all()
    assert live.live_state == state
    assert live.pinned_product_id is None


@pytest.mark.parametrize("action", ["start", "end", "pin", "unpin"])
def test_another_creators_live_is_a_404(client, world, action):
    serum = world.products[0]
    live = make_live(world.cara_id, [serum], state="scheduled" if action == "start" else "live")
    Auth(client).login("dan@example.com")
    response = post_form(client, f"/creator/lives/{live.id}/{action}", {"product_id": serum.id})
    assert response.status_code == 404
    assert client.get(f"/creator/lives/{live.id}").status_code == 404
    assert client.get(f"/creator/lives/{live.id}/edit").status_code == 404
    db.session.expire_all()
    assert live.live_state == ("scheduled" if action == "start" else "live")
    assert live.pinned_product_id is None


def test_post_without_csrf_is_refused(cara, world):
    live = make_live(world.cara_id, world.products[:1])
    csrf_token(cara)  # the session has a token; the form does not send it
    assert cara.post(f"/creator/lives/{live.id}/start").status_code == 400
    bad = cara.post("/creator/lives/new", data=_form(world))
    assert bad.status_code == 400
    db.session.expire_all()
    assert live.live_state == "scheduled"
    assert _count_lives() == 1


def test_creator_pages_need_a_creator(client, world):
    assert client.get("/creator/lives").status_code in (302, 401)
    make_user(Role.BUYER, email="bea@example.com")
    Auth(client).login("bea@example.com")
    assert client.get("/creator/lives").status_code == 403
    assert client.get("/creator/lives/new").status_code == 403


# ---------------------------------------------------------------------------- the viewer's page


def test_viewer_page_while_live_shows_the_pinned_card_and_the_yellow_cart(client, world):
    serum, cream = world.products[:2]
    live = make_live(world.cara_id, [serum, cream], state="live", pinned=cream)
    response = client.get(f"/live/{live.id}")
    assert response.status_code == 200
    html = _text(response)
    assert f'data-track-view data-content-id="{live.id}"' in html
    assert 'src="/static/js/track.js"' in html
    assert 'src="/static/js/live.js"' in html
    assert "<script>" not in html
    assert " style=" not in html
    pinned = html[html.index("data-live-pinned") :]
    pinned = pinned[: pinned.index("</section>")]
    assert f'yc-card-pinned" data-product-id="{cream.id}"' in pinned
    assert serum.title not in pinned
    assert f"/c/{live.id}/p/{serum.id}" in html  # the yellow cart holds every product
    assert 'href="https://stream.example.com/cleo"' in html
    assert "Watch the stream" in html
    assert 'href="/creators/cara"' in html
    assert "Cara Creator" in html
    assert ">Live<" in html


def test_viewer_page_of_a_scheduled_live_shows_the_start_and_the_products(client, world):
    live = make_live(world.cara_id, world.products[:2])
    html = _text(client.get(f"/live/{live.id}"))
    assert live.scheduled_at.strftime("%d %b %Y, %H:%M UTC") in html
    assert "Products in this live" in html
    assert all(p.title in html for p in world.products[:2])
    assert "Watch the stream" not in html


def test_replay_page_lists_the_products_of_an_ended_live(client, world):
    live = make_live(world.cara_id, world.products[:3], state="ended")
    html = _text(client.get(f"/live/{live.id}"))
    assert "Replay: products from this live" in html
    for product in world.products[:3]:
        assert product.title in html
        assert f"/c/{live.id}/p/{product.id}" in html
    assert "live.js" not in html  # nothing more will change


def test_viewer_page_runs_a_constant_number_of_queries(client, world, count_queries):
    small = make_live(world.cara_id, world.products[:1], state="live", pinned=world.products[0])
    big = make_live(world.cara_id, world.products[:6], state="ended")
    counts = []
    for url in (f"/live/{small.id}", f"/live/{big.id}"):
        count_queries.statements.clear()
        assert client.get(url).status_code == 200
        counts.append(count_queries.count)
    assert counts[0] == counts[1]
    # the live, its cards, their offers (2), its live deals, the creator, the bell
    assert counts[0] <= 7


def test_unknown_removed_and_video_content_have_no_live_page(client, world):
    removed = make_live(world.cara_id, world.products[:1], status=ContentStatus.REMOVED.value)
    video = Content(
        creator_id=world.cara_id, kind="video", title="A video", external_url="https://v.example/1"
    )
    db.session.add(video)
    db.session.commit()
    for content_id in (removed.id, video.id, 999_999, 2**40):
        assert client.get(f"/live/{content_id}").status_code == 404
        assert client.get(f"/live/{content_id}/state.json").status_code == 404


# ---------------------------------------------------------------------------- the poll


def test_state_json_reflects_a_pin_and_is_never_cached(client, world):
    serum, cream = world.products[:2]
    live = make_live(world.cara_id, [serum, cream], state="live")
    before = client.get(f"/live/{live.id}/state.json")
    assert before.status_code == 200
    assert before.headers["Cache-Control"] == "no-store"
    assert before.json["state"] == "live"
    assert before.json["pinned"] is None

    Auth(client).login("cara@example.com")
    post_form(client, f"/creator/lives/{live.id}/pin", {"product_id": cream.id})
    after = client.get(f"/live/{live.id}/state.json")
    assert after.headers["Cache-Control"] == "no-store"
    body = after.json
    assert body["version"] != before.json["version"]
    assert body["pinned_at"]
    card = body["pinned"]
    assert card["product_id"] == cream.id
    assert card["title"] == cream.title
    assert card["open_url"] == f"/c/{live.id}/p/{cream.id}"
    assert card["cart_url"] == f"/c/{live.id}/cart"
    assert card["next_url"] == f"/live/{live.id}"
    assert card["price_text"] == "$10.01"
    assert card["variant_id"]
    assert card["in_stock"] is True


def test_state_json_after_the_end_says_ended(client, world):
    live = make_live(world.cara_id, world.products[:1], state="ended")
    body = client.get(f"/live/{live.id}/state.json").json
    assert body == {
        "state": "ended",
        "pinned": None,
        "pinned_at": None,
        "version": body["version"],
        "deals": [],
    }


# ---------------------------------------------------------------------------- pinned voucher


def _live_with_voucher():
    creator = make_user(Role.CREATOR, email="liv@example.com")
    store = make_store(make_user(Role.SELLER))
    product = make_product(store, title="Glow serum", price=2000)
    live = Content(
        creator_id=creator.id,
        kind=ContentKind.LIVE.value,
        title="Glow live",
        stream_url="https://stream.example.com/1",
        live_state=LiveState.LIVE.value,
        scheduled_at=utcnow(),
        started_at=utcnow(),
    )
    live.products = [ContentProduct(product_id=product.id, position=0)]
    db.session.add(live)
    voucher = make_voucher(store, code="LIVE5", public=True)
    db.session.commit()
    return creator, live, voucher


def test_a_creator_pins_a_public_voucher_that_viewers_collect(app_ctx, client, auth):
    creator, live, voucher = _live_with_voucher()
    auth.login(creator.email)
    response = post_form(client, f"/creator/lives/{live.id}/voucher", {"voucher_id": voucher.id})
    assert response.status_code == 303
    auth.logout()

    page = client.get(f"/live/{live.id}").get_data(as_text=True)
    assert f"/vouchers/{voucher.id}/collect" in page


def test_a_private_code_cannot_be_pinned(app_ctx, client, auth):
    creator, live, voucher = _live_with_voucher()
    voucher.public = False
    db.session.commit()
    auth.login(creator.email)
    response = post_form(client, f"/creator/lives/{live.id}/voucher", {"voucher_id": voucher.id})

    assert response.status_code == 400
    db.session.refresh(live)
    assert live.pinned_voucher_id is None


def test_another_creator_cannot_pin_a_voucher_on_my_live(app_ctx, client, auth):
    _, live, voucher = _live_with_voucher()
    make_user(Role.CREATOR, email="other@example.com")
    db.session.commit()
    auth.login("other@example.com")
    response = post_form(client, f"/creator/lives/{live.id}/voucher", {"voucher_id": voucher.id})

    assert response.status_code == 404
