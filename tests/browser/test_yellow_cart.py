"""A signed-out visitor opens a video, taps the yellow cart, buys a product with the test card."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.accounts.models import Role, User
from core.extensions import db
from shop.orders.models import Order, OrderStatus
from tests.creators.factories import make_profile, make_video, showcase, store_plan
from tests.factories import PASSWORD, make_user
from tests.shop.factories import make_product, make_store

pytestmark = pytest.mark.browser

DEMO_CLIP = Path(__file__).resolve().parents[2] / "demo/media/glow-serum.mp4"


def _clip(upload_dir: str) -> tuple[str, str, int] | tuple[None, None, None]:
    """A real (tiny) mp4 in the uploads, when the demo clips are in the tree."""
    if not DEMO_CLIP.exists():
        return None, None, None
    relative = f"videos/{secrets.token_hex(16)}.mp4"
    target = Path(upload_dir) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(DEMO_CLIP.read_bytes())
    return relative, "video/mp4", target.stat().st_size


def test_a_visitor_buys_from_a_videos_yellow_cart(app, app_ctx, page):
    make_user(Role.BUYER, email="buyer@example.com")
    store = make_store(make_user(Role.SELLER), name="Glow & Co")
    store_plan(store, 1000)
    serum = make_product(store, title="Vitamin C Serum", price=2400, stock=5)
    balm = make_product(store, title="Lip Balm", price=900, stock=5)
    creator = db.session.get(User, make_profile(handle="cleo").user_id)
    for product in (serum, balm):
        showcase(creator.id, product)
    path, mime, size = _clip(app.config["UPLOAD_DIR"])
    video = make_video(
        creator.id,
        [serum, balm],
        title="My five-minute glow routine",
        video_path=path,
        video_mime=mime,
        video_bytes=size,
    )
    video_id, creator_id, serum_id = video.id, creator.id, serum.id
    db.session.commit()  # end the test's transaction: SQLite holds its write lock until then

    page.goto(f"/v/{video_id}")
    assert page.locator("main h1").inner_text() == "My five-minute glow routine"
    cart_button = page.locator("button[data-track='cart_open']")
    assert cart_button.get_attribute("aria-expanded") == "false"
    cart_button.click()
    sheet = page.locator(f"#yellow-cart-{video_id}")
    sheet.wait_for(state="visible")
    expect(cart_button).to_have_attribute("aria-expanded", "true")
    assert sheet.locator("article").count() == 2
    card = sheet.locator("article", has_text="Vitamin C Serum")
    with page.expect_navigation():
        card.locator("button:has-text('Buy now')").click()

    # Checkout needs an account: the visitor signs in, and the cart follows them.
    assert "/login" in page.url
    page.fill("#email", "buyer@example.com")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.wait_for_load_state()
    if "/checkout" not in page.url:
        page.goto("/checkout")
    page.fill("#full_name", "Bea Buyer")
    page.fill("#line1", "1 Main Street")
    page.fill("#city", "Springfield")
    page.fill("#postal_code", "12345")
    page.fill("#country", "US")
    with page.expect_navigation():
        page.click("main button:has-text('Place order and pay')")
    page.fill("#number", "4242 4242 4242 4242")
    page.fill("#expiry", "12/39")
    page.fill("#cvc", "123")
    with page.expect_navigation():
        page.click("main button:has-text('Pay')")
    page.wait_for_load_state()

    main = page.locator("main").inner_text()
    assert "Vitamin C Serum" in main
    assert "Paid" in main or "paid" in main
    assert page.watcher.errors == []
    db.session.rollback()
    order = db.session.scalars(select(Order)).one()
    assert order.status == OrderStatus.PAID.value
    assert order.total == 2400
    (line,) = order.lines
    assert (line.product_id, line.creator_id, line.content_id) == (serum_id, creator_id, video_id)
