"""The public video page, its file (range requests), its yellow cart, and the profile's list."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import select

from affiliate.creators.content.models import ContentStatus
from core.accounts.models import Role, User
from core.extensions import db
from shop.orders.models import CartLine
from tests.creators.factories import make_live, make_profile, make_video, store_plan
from tests.factories import make_user
from tests.shop.factories import make_product, make_store

CLIP = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + bytes(range(256)) * 8
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36"}
FORM = re.compile(r"<form[^>]*action=\"([^\"]+)\"[^>]*>(.*?)</form>", re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def stored_clip(app: Flask) -> str:
    relative = f"videos/{secrets.token_hex(16)}.mp4"
    target = Path(app.config["UPLOAD_DIR"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(CLIP)
    return relative


@pytest.fixture
def world(app: Flask, app_ctx: Flask) -> SimpleNamespace:
    store = make_store(make_user(Role.SELLER), name="Glow & Co")
    store_plan(store, 1000)
    single = make_product(store, title="Vitamin C Serum", price=2400, compare_at_price=3000)
    options = make_product(store, title="Silk Scarf", variants=3, price=1500)
    sold_out = make_product(store, title="Sold Out Balm", stock=0)
    profile = make_profile(handle="cleo", display_name="Cleo Creator")
    creator = db.session.get(User, profile.user_id)
    video = make_video(
        creator.id,
        [single, options, sold_out],
        title="Five-minute glow routine",
        video_path=stored_clip(app),
        video_mime="video/mp4",
        video_bytes=len(CLIP),
    )
    return SimpleNamespace(
        creator=creator, video=video, single=single, options=options, sold_out=sold_out
    )


def forms_of(page: str) -> list[tuple[str, dict[str, str]]]:
    return [(action, dict(HIDDEN.findall(body))) for action, body in FORM.findall(page)]


def test_the_video_page_plays_the_file_and_shows_the_yellow_cart(client, world):
    video = world.video
    response = client.get(f"/v/{video.id}", headers=BROWSER)
    assert response.status_code == 200
    page = response.get_data(as_text=True)

    assert re.search(r"<video[^>]*controls[^>]*playsinline[^>]*preload=\"metadata\"", page)
    assert f'src="/v/{video.id}/file" type="video/mp4"' in page
    assert f'data-track-view data-content-id="{video.id}"' in page
    assert f'data-track="cart_open" data-content-id="{video.id}"' in page
    assert "Five-minute glow routine" in page
    assert 'href="/creators/cleo"' in page
    assert "@cleo" in page
    assert "js/track.js" in page
    assert "js/yellow-cart.js" in page
    # One card per product: a single option buys at once, several open the product, none is out.
    for product in (world.single, world.options, world.sold_out):
        assert f'href="/c/{video.id}/p/{product.id}"' in page
    assert "$24.00" in page
    assert "<s" in page
    assert "$30.00" in page
    assert "Choose options" in page
    assert re.search(r"<button[^>]*disabled>Sold out</button>", page)


def test_the_card_forms_buy_with_attribution(client, world):
    video, product = world.video, world.single
    db.session.commit()
    page = client.get(f"/v/{video.id}", headers=BROWSER).get_data(as_text=True)
    forms = [(a, f) for a, f in forms_of(page) if a == f"/c/{video.id}/cart"]
    assert len(forms) == 2
    variant_id = str(product.variants[0].id)
    for _, fields in forms:
        assert fields["product_id"] == str(product.id)
        assert fields["variant_id"] == variant_id
        assert fields["next"] == f"/v/{video.id}"
        assert fields["csrf_token"]
    buy_now = next(fields for _, fields in forms if fields.get("buy_now") == "1")

    response = client.post(f"/c/{video.id}/cart", data=buy_now, headers=BROWSER)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/checkout")
    db.session.expire_all()
    line = db.session.scalars(select(CartLine)).one()
    assert (line.creator_id, line.content_id) == (world.creator.id, video.id)

    add = next(fields for _, fields in forms if "buy_now" not in fields)
    response = client.post(f"/c/{video.id}/cart", data=add, headers=BROWSER)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/v/{video.id}")


def test_the_file_is_served_with_range_requests(client, world):
    url = f"/v/{world.video.id}/file"
    whole = client.get(url)
    assert whole.status_code == 200
    assert whole.mimetype == "video/mp4"
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.data == CLIP
    whole.close()

    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(CLIP)}"
    assert part.data == CLIP[100:200]
    part.close()

    tail = client.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206
    assert tail.data == CLIP[-10:]
    tail.close()


def test_a_removed_video_and_its_file_are_404(client, world):
    world.video.status = ContentStatus.REMOVED.value
    db.session.commit()
    assert client.get(f"/v/{world.video.id}").status_code == 404
    assert client.get(f"/v/{world.video.id}/file").status_code == 404


def test_an_external_video_links_out_and_has_no_file(client, world):
    video = make_video(
        world.creator.id, [world.single], external_url="https://www.tiktok.com/@cleo/1"
    )
    page = client.get(f"/v/{video.id}").get_data(as_text=True)
    assert "Watch on tiktok.com" in page
    assert 'href="https://www.tiktok.com/@cleo/1"' in page
    assert "<video" not in page
    assert client.get(f"/v/{video.id}/file").status_code == 404
    assert client.get("/v/999999").status_code == 404
    assert client.get(f"/v/{2**40}").status_code == 404


def test_a_live_is_not_a_video_page(client, world):
    live = make_live(world.creator.id, [world.single])
    assert client.get(f"/v/{live.id}").status_code == 404


def test_the_video_page_costs_the_same_whatever_its_products(app, client, world, count_queries):
    store = make_store(make_user(Role.SELLER))
    few = make_video(world.creator.id, [make_product(store)])
    many = make_video(world.creator.id, [make_product(store, variants=2) for _ in range(6)])
    db.session.commit()

    counts = []
    for video in (few, many):
        before = count_queries.count
        assert client.get(f"/v/{video.id}").status_code == 200
        counts.append(count_queries.count - before)
    assert counts[0] == counts[1], count_queries.statements


def test_the_profile_lists_the_creators_videos(client, world):
    make_video(world.creator.id, [], title="Second video", view_count=5)
    removed = make_video(world.creator.id, [], title="Taken down")
    removed.status = ContentStatus.REMOVED.value
    db.session.commit()
    page = client.get("/creators/cleo").get_data(as_text=True)
    assert "Videos" in page
    assert "Five-minute glow routine" in page
    assert "Second video" in page
    assert f'href="/v/{world.video.id}"' in page
    assert "Taken down" not in page


def test_the_creator_nav_has_videos(client, auth, world):
    db.session.commit()
    auth.login(world.creator.email)
    page = client.get("/creator/videos").get_data(as_text=True)
    assert 'href="/creator/videos" aria-current="page">Videos' in page
