"""A creator adds a product whose better plan needs the seller's approval: the marketplace says
that a request was sent, shows the rate now and what the plan would make it, and the product
waits outside the showcase until the seller approves."""

from __future__ import annotations

import os

import pytest

from affiliate.plans.models import MembershipStatus
from core.accounts.models import Role
from core.extensions import db
from tests.browser.test_accessibility import SIZES, violations
from tests.browser.test_navigation import sign_in
from tests.creators.factories import member, open_plan, store_plan, targeted_plan
from tests.factories import make_user
from tests.shop.factories import make_product, make_store

pytestmark = pytest.mark.browser

#: Set to a folder to keep a screenshot of each page the test visits (for a reviewer's eyes).
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def _snap(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def _world() -> tuple[int, int]:
    """Glow Lab: store plan 10%, "Launch week" open at 30% on the serum with approval, and
    Cara invited to "Spring launch", targeted at 25% on the balm."""
    creator = make_user(Role.CREATOR, email="cara@example.com", display_name="Cara")
    store = make_store(name="Glow Lab")
    serum = make_product(store, title="Launch Serum", price=4000)
    balm = make_product(store, title="Everyday Balm", price=2000)
    store_plan(store, 1000)
    open_plan(store, 3000, [serum], name="Launch week", manual_approval=True)
    spring = targeted_plan(store, 2500, [balm], name="Spring launch", message="Film it!")
    member(spring, creator.id, MembershipStatus.INVITED)
    ids = serum.id, balm.id
    db.session.commit()  # end the test's transaction: SQLite would lock the server out
    return ids


def test_adding_through_an_approval_plan_sends_a_request(app_ctx, page):
    serum_id, balm_id = _world()
    sign_in(page, "cara@example.com")

    nav = page.locator("nav[aria-label='Creator centre']")
    with page.expect_navigation():
        nav.get_by_role("link", name="Marketplace").click()
    card = page.locator(f"article[data-product-id='{serum_id}']")
    assert card.locator(".market-rate").count() == 0  # adding asks: nothing until approved
    assert "Earns nothing until the seller approves you" in card.inner_text()
    assert card.locator(".market-next-rate").inner_text() == "30% if the seller approves you"
    balm_card = page.locator(f"article[data-product-id='{balm_id}']")
    assert balm_card.locator(".market-rate").inner_text() == "10%"
    assert balm_card.locator(".market-next-rate").inner_text() == "25% if you accept"
    _snap(page, "1-marketplace")

    with page.expect_navigation():
        card.get_by_role("button", name="Add to showcase").click()
    flash = page.locator(".flash-messages").inner_text()
    assert "Request sent to join “Launch week” (30% once approved)" in flash
    assert "joins your showcase once the seller approves you" in flash
    card = page.locator(f"article[data-product-id='{serum_id}']")
    assert "Request sent — awaiting approval" in card.inner_text()
    assert "In your showcase" not in card.inner_text()
    assert card.locator(".market-next-rate").inner_text() == "30% once approved"
    _snap(page, "2-marketplace-request-sent")

    with page.expect_navigation():
        nav.get_by_role("link", name="Showcase").click()
    assert page.locator("li.showcase-item").count() == 0
    waiting = page.locator(f"li.showcase-waiting[data-product-id='{serum_id}']")
    assert "Request sent — awaiting approval" in waiting.inner_text()
    assert "30% once approved" in waiting.inner_text()
    _snap(page, "3-showcase")

    with page.expect_navigation():
        nav.get_by_role("link", name="Invitations").click()
    assert "25% if you accept" in page.locator("section.invitation").inner_text()
    _snap(page, "4-invitations")
    assert page.watcher.errors == []


@pytest.mark.parametrize("size", list(SIZES))
def test_the_pages_of_a_waiting_request_have_no_serious_accessibility_violations(
    app_ctx, browser, live_server, size
):
    serum_id, _ = _world()
    context = browser.new_context(base_url=live_server, viewport=SIZES[size], bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, "cara@example.com")
        page.goto("/creator/marketplace")
        problems = {"/creator/marketplace (asking)": violations(page)}
        card = page.locator(f"article[data-product-id='{serum_id}']")
        with page.expect_navigation():
            card.get_by_role("button", name="Add to showcase").click()
        problems["/creator/marketplace (request sent)"] = violations(page)
        for path in ("/creator/showcase", "/creator/invitations"):
            page.goto(path)
            problems[path] = violations(page)
            width = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if width > 1:
                problems[path].append(f"the page scrolls sideways by {width}px")
    finally:
        context.close()
    assert {path: found for path, found in problems.items() if found} == {}
