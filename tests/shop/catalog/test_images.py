"""Product images: validated by content, resized, reordered, deleted, and served."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import select

from core.extensions import db
from shop.catalog import images
from shop.catalog.exceptions import ImageTooLarge, NotAnImage
from shop.catalog.models import Product
from tests.conftest import post_form
from tests.shop.catalog.helpers import counts, files_in, noisy_png, png, product_form, upload

MULTIPART = {"content_type": "multipart/form-data"}
COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]


def the_product() -> Product:
    db.session.expire_all()
    return db.session.scalars(select(Product)).one()


@pytest.fixture
def product_with_three_images(seller, client) -> int:
    files = [upload(png(colour=c), f"{i}.png") for i, c in enumerate(COLOURS)]
    response = post_form(client, "/seller/products/new", product_form(images=files), **MULTIPART)
    assert response.status_code == 302
    return the_product().id


def image_ids(product_id: int) -> list[int]:
    db.session.expire_all()
    return [image.id for image in db.session.get(Product, product_id).images]


def test_first_uploaded_image_is_the_cover(product_with_three_images):
    product = the_product()

    assert [i.position for i in product.images] == [0, 1, 2]
    assert product.cover_thumb_path == product.images[0].thumb_path


def test_moving_an_image_up_makes_it_the_cover(product_with_three_images, client):
    pid = product_with_three_images
    first, second, third = image_ids(pid)

    response = post_form(client, f"/seller/products/{pid}/images/{second}/up")

    assert response.status_code == 302
    assert image_ids(pid) == [second, first, third]
    product = the_product()
    assert product.cover_thumb_path == product.images[0].thumb_path


def test_moving_an_image_down(product_with_three_images, client):
    pid = product_with_three_images
    first, second, third = image_ids(pid)

    post_form(client, f"/seller/products/{pid}/images/{first}/down")

    assert image_ids(pid) == [second, first, third]


def test_deleting_an_image_removes_its_files(product_with_three_images, client, uploads):
    pid = product_with_three_images
    first, second, third = image_ids(pid)
    cover = the_product().images[0]
    gone = {cover.path, cover.thumb_path}

    response = post_form(client, f"/seller/products/{pid}/images/{first}/delete")

    assert response.status_code == 302
    assert image_ids(pid) == [second, third]
    left = {p.relative_to(uploads).as_posix() for p in files_in(uploads)}
    assert len(left) == 4
    assert not gone & left
    product = the_product()
    assert product.cover_thumb_path == product.images[0].thumb_path


def test_deleting_the_last_image_clears_the_cover(seller, client):
    post_form(client, "/seller/products/new", product_form(images=[upload(png())]), **MULTIPART)
    product = the_product()

    post_form(client, f"/seller/products/{product.id}/images/{product.images[0].id}/delete")

    assert the_product().cover_thumb_path is None


def test_edit_adds_images_after_the_existing_ones(product_with_three_images, client):
    pid = product_with_three_images
    before = image_ids(pid)
    ids = tuple(v.id for v in the_product().variants)

    response = post_form(
        client,
        f"/seller/products/{pid}",
        product_form(ids=ids, images=[upload(png())]),
        **MULTIPART,
    )

    assert response.status_code == 302
    assert len(image_ids(pid)) == 4
    assert image_ids(pid)[:3] == before


def test_non_image_upload_is_refused_and_nothing_is_written(seller, client, uploads):
    response = post_form(
        client,
        "/seller/products/new",
        product_form(images=[upload(png()), upload(b"%PDF-1.4 not an image", "photo.png")]),
        **MULTIPART,
    )

    assert response.status_code == 400
    assert "not an image we accept" in response.get_data(as_text=True)
    assert counts()["product"] == 0
    assert files_in(uploads) == []


def test_oversized_upload_is_refused_and_nothing_is_written(
    seller, client, uploads, app, monkeypatch
):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_IMAGE_BYTES", 20_000)

    response = post_form(
        client,
        "/seller/products/new",
        product_form(images=[upload(noisy_png((100, 100)))]),
        **MULTIPART,
    )

    assert response.status_code == 400
    assert "larger than" in response.get_data(as_text=True)
    assert counts()["product"] == 0
    assert files_in(uploads) == []


def test_images_over_5_mb_are_refused_by_default():
    big = png() + b"\0" * images.DEFAULT_MAX_BYTES

    with pytest.raises(ImageTooLarge, match="larger than 5 MB"):
        images.process_bytes(big)


def test_bad_image_on_edit_changes_nothing(product_with_three_images, client, uploads):
    pid = product_with_three_images
    before = files_in(uploads)
    ids = tuple(v.id for v in the_product().variants)

    response = post_form(
        client,
        f"/seller/products/{pid}",
        product_form(title="Changed", ids=ids, images=[upload(b"GIF89a broken")]),
        **MULTIPART,
    )

    assert response.status_code == 400
    assert the_product().title == "Everyday tee"
    assert files_in(uploads) == before


def test_media_is_served_with_long_cache_and_nosniff(product_with_three_images, client):
    thumb = the_product().cover_thumb_path

    response = client.get(f"/media/{thumb}")
    body = response.get_data()
    response.close()

    assert response.status_code == 200
    assert response.mimetype == "image/webp"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(BytesIO(body)).size == (400, 400)


@pytest.mark.parametrize(
    "path", ["../secret_key", "ab/cd/notes.txt", "ab/cd/" + "0" * 32 + ".csv", "x.webp"]
)
def test_media_serves_only_image_names(client, path):
    assert client.get(f"/media/{path}").status_code == 404


# --- the image pipeline itself ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_accepted_formats_are_reencoded_as_webp(fmt):
    out = BytesIO()
    Image.new("RGB", (50, 40), (10, 20, 30)).save(out, format=fmt)

    processed = images.process_bytes(out.getvalue())

    assert processed.path.endswith(".webp")
    assert processed.thumb_path.endswith("-thumb.webp")
    assert (processed.width, processed.height) == (50, 40)
    assert all(Image.open(BytesIO(data)).format == "WEBP" for data in processed.files.values())


def test_other_image_formats_are_refused():
    out = BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="BMP")

    with pytest.raises(NotAnImage):
        images.process_bytes(out.getvalue())


def test_truncated_image_is_refused():
    with pytest.raises(NotAnImage):
        images.process_bytes(png((300, 300))[:200])


def test_large_images_are_resized_to_1600_pixels():
    processed = images.process_bytes(png((3200, 1000)))

    assert (processed.width, processed.height) == (1600, 500)


def test_exif_orientation_is_applied():
    out = BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    Image.new("RGB", (80, 40)).save(out, format="JPEG", exif=exif)

    processed = images.process_bytes(out.getvalue())

    assert (processed.width, processed.height) == (40, 80)


def test_decompression_bomb_is_refused():
    out = BytesIO()
    Image.new("1", (8000, 6000)).save(out, format="PNG")  # 48 Mpx, a few KB on disk

    with pytest.raises(ImageTooLarge):
        images.process_bytes(out.getvalue())


def test_names_are_random_and_sharded():
    first, second = images.process_bytes(png()), images.process_bytes(png())

    assert first.path != second.path
    shard1, shard2, name = first.path.split("/")
    assert name.startswith(shard1 + shard2)
