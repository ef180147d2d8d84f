"""Posting, editing and removing videos: sources, uploads judged by their bytes, the showcase."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from affiliate.creators.content import videos
from affiliate.creators.content.exceptions import (
    InvalidUpload,
    InvalidVideo,
    NotInShowcase,
    NotYours,
    TooLarge,
    TooManyProducts,
)
from affiliate.creators.content.models import Content, ContentStatus
from affiliate.creators.content.queries import product_ids_of
from affiliate.creators.content.services import clean_product_ids
from core.accounts.models import Role, User
from core.extensions import db
from shop.catalog import images
from tests.conftest import Auth, post_form
from tests.creators.factories import make_profile, make_video, showcase, store_plan
from tests.factories import make_user
from tests.shop.factories import make_product, make_store

MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 3000
WEBM = (
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02" + b"\x00" * 3000
)


def png_bytes(size: tuple[int, int] = (90, 160)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (250, 204, 21)).save(out, format="PNG")
    return out.getvalue()


def upload(data: bytes, name: str = "clip.mp4") -> FileStorage:
    return FileStorage(stream=BytesIO(data), filename=name)


def files_under(root: str) -> set[str]:
    folder = Path(root) / videos.VIDEO_DIR
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


@pytest.fixture
def world(app_ctx: Flask) -> SimpleNamespace:
    store = make_store(make_user(Role.SELLER))
    products = [make_product(store, title=f"Glow serum {i}") for i in range(7)]
    store_plan(store, 1000)
    profile = make_profile(handle="cleo")
    creator = db.session.get(User, profile.user_id)
    for product in products:
        showcase(creator.id, product)
    outsider = make_product(make_store(make_user(Role.SELLER)), title="Not promoted")
    return SimpleNamespace(
        store=store, products=products, creator=creator, outsider=outsider, profile=profile
    )


@pytest.fixture
def signed_in(client, auth: Auth, world: SimpleNamespace):
    db.session.commit()
    auth.login(world.creator.email)
    return client


def video_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Content.id))) or 0


# ---------------------------------------------------------------------------- services


def test_an_mp4_upload_is_streamed_to_disk_with_its_products(app, world):
    first, second = world.products[:2]
    video = videos.create_video(
        world.creator.id,
        caption="  Morning   routine ",
        product_ids=[str(second.id), first.id, second.id],
        upload=upload(MP4, "anything.bin"),
        external_url=None,
        poster=None,
    )
    db.session.commit()

    assert video.title == "Morning routine"
    assert video.video_mime == "video/mp4"
    assert video.video_bytes == len(MP4)
    assert video.video_path.startswith("videos/")
    assert video.video_path.endswith(".mp4")
    assert (Path(app.config["UPLOAD_DIR"]) / video.video_path).read_bytes() == MP4
    assert product_ids_of(video.id) == [second.id, first.id]


def test_a_webm_upload_is_accepted(app, world):
    video = videos.create_video(
        world.creator.id,
        caption="Unboxing",
        product_ids=[],
        upload=upload(WEBM, "clip.mov"),
        external_url=None,
        poster=None,
    )
    assert video.video_mime == "video/webm"
    assert video.video_path.endswith(".webm")


def test_a_renamed_text_file_is_refused_and_nothing_is_kept(app, world):
    before = files_under(app.config["UPLOAD_DIR"])
    with pytest.raises(InvalidUpload):
        videos.create_video(
            world.creator.id,
            caption="Not a video",
            product_ids=[],
            upload=upload(b"just some notes\n" * 100, "notes.mp4"),
            external_url=None,
            poster=None,
        )
    assert files_under(app.config["UPLOAD_DIR"]) == before


def test_an_upload_over_the_limit_is_refused_and_its_partial_file_removed(app, world):
    before = files_under(app.config["UPLOAD_DIR"])
    with pytest.raises(TooLarge) as caught:
        videos.create_video(
            world.creator.id,
            caption="Too long",
            product_ids=[],
            upload=upload(MP4 * 400),
            external_url=None,
            poster=None,
            max_bytes=len(MP4) * 2,
        )
    assert caught.value.status_code == 413
    assert files_under(app.config["UPLOAD_DIR"]) == before


@pytest.mark.parametrize(
    ("file", "url", "message"),
    [
        (None, None, "Upload a video file or give a link to one."),
        (MP4, "https://videos.example.com/a", "not both"),
    ],
)
def test_a_video_needs_exactly_one_source(world, file, url, message):
    with pytest.raises(InvalidVideo, match=message):
        videos.create_video(
            world.creator.id,
            caption="Hello",
            product_ids=[],
            upload=upload(file) if file else None,
            external_url=url,
            poster=None,
        )


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://videos.example.com/a.mp4",
        "https://",
        "videos.example.com/a",
        "https://videos.example.com/a b",
        "https://example.com/" + "a" * 500,
    ],
)
def test_an_external_url_must_be_http_with_a_host(world, url):
    with pytest.raises(InvalidVideo) as caught:
        videos.create_video(
            world.creator.id,
            caption="Hello",
            product_ids=[],
            upload=None,
            external_url=url,
            poster=None,
        )
    assert caught.value.field == "external_url"


@pytest.mark.parametrize("caption", ["", "   ", "x" * 151])
def test_a_caption_has_1_to_150_characters(world, caption):
    with pytest.raises(InvalidVideo) as caught:
        videos.create_video(
            world.creator.id,
            caption=caption,
            product_ids=[],
            upload=None,
            external_url="https://videos.example.com/a",
            poster=None,
        )
    assert caught.value.field == "caption"


def test_products_must_be_in_the_showcase(world):
    with pytest.raises(NotInShowcase):
        videos.create_video(
            world.creator.id,
            caption="Hello",
            product_ids=[world.products[0].id, world.outsider.id],
            upload=None,
            external_url="https://videos.example.com/a",
            poster=None,
        )


def test_seven_products_are_too_many(world):
    with pytest.raises(TooManyProducts):
        videos.create_video(
            world.creator.id,
            caption="Hello",
            product_ids=[p.id for p in world.products],
            upload=None,
            external_url="https://videos.example.com/a",
            poster=None,
        )


def test_an_uploaded_poster_is_validated_and_re_encoded(app, world):
    video = videos.create_video(
        world.creator.id,
        caption="With a poster",
        product_ids=[],
        upload=None,
        external_url="https://videos.example.com/a",
        poster=upload(png_bytes(), "poster.png"),
    )
    assert video.poster_path.endswith(".webp")
    assert (Path(app.config["UPLOAD_DIR"]) / video.poster_path).is_file()

    with pytest.raises(InvalidVideo) as caught:
        videos.create_video(
            world.creator.id,
            caption="Bad poster",
            product_ids=[],
            upload=None,
            external_url="https://videos.example.com/a",
            poster=upload(b"not an image", "poster.png"),
        )
    assert caught.value.field == "poster"


def test_without_a_poster_the_first_product_cover_is_copied(app, world):
    cover = images.process_bytes(png_bytes((200, 200)))
    images.write_images([cover], app.config["UPLOAD_DIR"])
    first = world.products[0]
    first.cover_thumb_path = cover.thumb_path
    db.session.commit()

    video = videos.create_video(
        world.creator.id,
        caption="Poster from product",
        product_ids=[first.id],
        upload=None,
        external_url="https://videos.example.com/a",
        poster=None,
    )
    root = Path(app.config["UPLOAD_DIR"])
    assert video.poster_path
    assert video.poster_path != cover.thumb_path
    assert (root / video.poster_path).read_bytes() == (root / cover.thumb_path).read_bytes()


def test_without_poster_or_products_there_is_no_poster(world):
    video = videos.create_video(
        world.creator.id,
        caption="Plain",
        product_ids=[],
        upload=None,
        external_url="https://videos.example.com/a",
        poster=None,
    )
    assert video.poster_path is None


def test_update_and_remove_are_for_the_owner_only(world):
    video = make_video(world.creator.id, world.products[:1])
    other = make_user(Role.CREATOR)
    with pytest.raises(NotYours):
        videos.update_video(other.id, video.id, "Mine now", [])
    with pytest.raises(NotYours):
        videos.remove_video(other.id, video.id)

    videos.update_video(world.creator.id, video.id, "New caption", [world.products[2].id])
    db.session.commit()
    assert (video.title, product_ids_of(video.id)) == ("New caption", [world.products[2].id])


# ---------------------------------------------------------------------------- the pages


def test_posting_an_upload_through_the_form(app, signed_in, world):
    first, second = world.products[:2]
    response = post_form(
        signed_in,
        "/creator/videos/new",
        {
            "caption": "My glow routine",
            "products": [first.id, second.id],
            "file": (BytesIO(MP4), "routine.mp4"),
            "external_url": "",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    video = db.session.scalars(select(Content)).one()
    assert response.headers["Location"].endswith(f"/v/{video.id}")
    assert video.video_mime == "video/mp4"
    assert product_ids_of(video.id) == [first.id, second.id]


def test_the_upload_route_takes_bodies_above_the_app_limit(app, signed_in, world, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    response = post_form(
        signed_in,
        "/creator/videos/new",
        {"caption": "Big one", "file": (BytesIO(MP4 * 4), "big.mp4")},
    )
    assert response.status_code == 303
    assert video_count() == 1


def test_others_cannot_make_the_server_take_a_large_body(app, client, auth, world, monkeypatch):
    buyer = make_user(Role.BUYER)
    db.session.commit()
    auth.login(buyer.email)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    response = post_form(
        client, "/creator/videos/new", {"caption": "x", "file": (BytesIO(MP4 * 4), "big.mp4")}
    )
    assert response.status_code == 413
    assert video_count() == 0


def test_a_text_file_named_mp4_is_refused_on_the_form(app, signed_in, world):
    before = files_under(app.config["UPLOAD_DIR"])
    response = post_form(
        signed_in,
        "/creator/videos/new",
        {"caption": "Sneaky", "file": (BytesIO(b"hello\n" * 500), "sneaky.mp4")},
    )
    assert response.status_code == 400
    assert "not an mp4 or webm video" in response.get_data(as_text=True)
    assert video_count() == 0
    assert files_under(app.config["UPLOAD_DIR"]) == before


def test_a_too_large_upload_answers_413_and_leaves_no_file(app, signed_in, world, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_VIDEO_BYTES", 1024)
    before = files_under(app.config["UPLOAD_DIR"])
    response = post_form(
        signed_in,
        "/creator/videos/new",
        {"caption": "Too big", "file": (BytesIO(MP4), "big.mp4")},
    )
    assert response.status_code == 413
    assert "larger than 1 KB" in response.get_data(as_text=True)
    assert video_count() == 0
    assert files_under(app.config["UPLOAD_DIR"]) == before


def test_a_product_outside_the_showcase_is_refused_on_the_form(signed_in, world):
    response = post_form(
        signed_in,
        "/creator/videos/new",
        {
            "caption": "Hello",
            "external_url": "https://videos.example.com/a",
            "products": [world.outsider.id],
        },
    )
    assert response.status_code == 400
    assert "Only products in your showcase" in response.get_data(as_text=True)
    assert video_count() == 0


def test_seven_products_are_refused_on_the_form(signed_in, world):
    response = post_form(
        signed_in,
        "/creator/videos/new",
        {
            "caption": "Hello",
            "external_url": "https://videos.example.com/a",
            "products": [p.id for p in world.products],
        },
    )
    assert response.status_code == 400
    assert "at most 6 products" in response.get_data(as_text=True)
    assert video_count() == 0


def test_both_sources_are_refused_on_the_form(signed_in, world):
    response = post_form(
        signed_in,
        "/creator/videos/new",
        {
            "caption": "Hello",
            "external_url": "https://videos.example.com/a",
            "file": (BytesIO(MP4), "clip.mp4"),
        },
    )
    assert response.status_code == 400
    assert "not both" in response.get_data(as_text=True)
    assert video_count() == 0


def test_the_post_form_lists_the_showcase(signed_in, world):
    page = signed_in.get("/creator/videos/new").get_data(as_text=True)
    assert 'accept="video/mp4,video/webm"' in page
    assert 'enctype="multipart/form-data"' in page
    for product in world.products:
        assert f'value="{product.id}"' in page
    assert world.outsider.title not in page


def test_another_creators_video_is_404(client, auth, world):
    video = make_video(world.creator.id, world.products[:1])
    other = make_user(Role.CREATOR)
    db.session.commit()
    auth.login(other.email)
    assert client.get(f"/creator/videos/{video.id}/edit").status_code == 404
    edited = post_form(client, f"/creator/videos/{video.id}/edit", {"caption": "Mine"})
    removed = post_form(client, f"/creator/videos/{video.id}/remove")
    assert (edited.status_code, removed.status_code) == (404, 404)
    db.session.expire_all()
    assert (video.title, video.status) == ("My morning routine", ContentStatus.PUBLISHED.value)


def test_editing_a_video(signed_in, world):
    video = make_video(world.creator.id, world.products[:1])
    page = signed_in.get(f"/creator/videos/{video.id}/edit").get_data(as_text=True)
    assert "My morning routine" in page

    response = post_form(
        signed_in,
        f"/creator/videos/{video.id}/edit",
        {"caption": "Evening routine", "products": [world.products[3].id, world.products[1].id]},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert video.title == "Evening routine"
    assert product_ids_of(video.id) == [world.products[3].id, world.products[1].id]


def test_removing_a_video_takes_down_its_page_and_deletes_its_file(app, signed_in, world):
    video = videos.create_video(
        world.creator.id,
        caption="Short lived",
        product_ids=[],
        upload=upload(MP4),
        external_url=None,
        poster=upload(png_bytes(), "poster.png"),
    )
    db.session.commit()
    root = Path(app.config["UPLOAD_DIR"])
    paths = [root / video.video_path, root / video.poster_path]

    response = post_form(signed_in, f"/creator/videos/{video.id}/remove")
    assert response.status_code == 303
    db.session.expire_all()
    assert video.status == ContentStatus.REMOVED.value
    assert not any(path.exists() for path in paths)
    assert signed_in.get(f"/v/{video.id}").status_code == 404
    assert signed_in.get(f"/v/{video.id}/file").status_code == 404
    assert "Short lived" not in signed_in.get("/creator/videos").get_data(as_text=True)


def test_the_creator_list_shows_videos_and_their_figures(signed_in, world):
    empty = signed_in.get("/creator/videos").get_data(as_text=True)
    assert "No videos yet" in empty
    assert "/creator/videos/new" in empty

    make_video(world.creator.id, world.products[:3], title="Three products", view_count=1234)
    page = signed_in.get("/creator/videos").get_data(as_text=True)
    assert "Three products" in page
    assert "3 products" in page
    assert "1,234" in page


def test_the_creator_pages_need_the_creator_role(client, auth, app_ctx):
    buyer = make_user(Role.BUYER)
    db.session.commit()
    auth.login(buyer.email)
    assert client.get("/creator/videos").status_code == 403
    assert client.get("/creator/videos/new").status_code == 403


# ---------------------------------------------------------------------------- the demo


def test_the_demo_posts_its_clips_once(app, app_ctx, client):
    def seed() -> None:
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output

    seed()
    posted = db.session.scalars(select(Content).where(Content.kind == "video")).all()
    # Cleo's two, Maison Lumière's euro one and her flat-fee piece; Pia's, Noah's.
    assert len(posted) == 6
    cleo = db.session.scalars(select(User).where(User.email == "creator@example.com")).one()
    mine = [video for video in posted if video.creator_id == cleo.id]
    assert len(mine) == 4
    assert {video.video_mime for video in posted} == {"video/mp4", "video/webm"}
    for video in posted:
        assert video.poster_path
        assert product_ids_of(video.id)  # every demo video carries its yellow cart
    response = client.get(f"/v/{mine[0].id}/file", headers={"Range": "bytes=0-15"})
    assert response.status_code == 206
    assert response.data[4:8] == b"ftyp"
    response.close()

    seed()
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Content.id)).where(Content.kind == "video")) == 6


def test_an_out_of_range_product_id_is_refused_not_a_crash(app_ctx):
    with pytest.raises(NotInShowcase):
        clean_product_ids(1, ["99999999999999999999999"])
    with pytest.raises(NotInShowcase):
        clean_product_ids(1, ["-3"])
