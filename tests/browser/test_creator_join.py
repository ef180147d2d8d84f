"""A creator accepts a targeted invitation, fills the showcase from the marketplace, and sees
the targeted rate win on its product and the open plan's rate on the other."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from affiliate.plans.models import MembershipStatus, PlanMembership, ShowcaseItem
from core.accounts.models import Role
from core.extensions import db
from tests.browser.test_navigation import sign_in
from tests.creators.factories import member, open_plan, targeted_plan
from tests.factories import make_user
from tests.shop.factories import make_product, make_store

pytestmark = pytest.mark.browser


def test_creator_accepts_an_invitation_and_showcases_both_products(app_ctx, page):
    creator = make_user(Role.CREATOR, email="cara@example.com", display_name="Cara")
    store = make_store(name="Glow Lab")
    serum = make_product(store, title="Spring Serum", price=4000)
    balm = make_product(store, title="Everyday Balm", price=2000)
    open_plan(store, 1500, [serum, balm], name="Everyday")
    spring = targeted_plan(store, 2500, [serum], name="Spring launch", message="Film it!")
    member(spring, creator.id)
    creator_id, serum_id, balm_id = creator.id, serum.id, balm.id
    db.session.commit()  # end the test's transaction: SQLite would lock the server out
    sign_in(page, "cara@example.com")

    nav = page.locator("nav[aria-label='Creator centre']")
    with page.expect_navigation():
        nav.get_by_role("link", name="Invitations").click()
    invitation = page.locator("section.invitation")
    assert "Spring launch" in invitation.inner_text()
    assert "Glow Lab" in invitation.inner_text()
    assert "Film it!" in invitation.inner_text()
    with page.expect_navigation():
        invitation.get_by_role("button", name="Accept").click()
    assert "You joined “Spring launch”" in page.locator(".flash-messages").inner_text()

    with page.expect_navigation():
        nav.get_by_role("link", name="Marketplace").click()
    for product_id in (serum_id, balm_id):
        card = page.locator(f"article[data-product-id='{product_id}']")
        with page.expect_navigation():
            card.get_by_role("button", name="Add to showcase").click()
        assert (
            "In your showcase"
            in page.locator(f"article[data-product-id='{product_id}']").inner_text()
        )

    with page.expect_navigation():
        nav.get_by_role("link", name="Showcase").click()
    serum_row = page.locator(f"li.showcase-item[data-product-id='{serum_id}']")
    balm_row = page.locator(f"li.showcase-item[data-product-id='{balm_id}']")
    assert serum_row.locator(".showcase-rate").inner_text() == "25%"
    assert serum_row.locator(".showcase-kind").inner_text() == "targeted plan"
    assert "beats open plan Everyday, 15%" in serum_row.inner_text()
    assert balm_row.locator(".showcase-rate").inner_text() == "15%"
    assert balm_row.locator(".showcase-kind").inner_text() == "open plan"
    assert page.watcher.errors == []

    db.session.rollback()
    statuses = {
        m.plan.name: m.status
        for m in db.session.scalars(
            select(PlanMembership).where(PlanMembership.creator_id == creator_id)
        )
    }
    assert statuses == {
        "Spring launch": MembershipStatus.ACCEPTED.value,
        "Everyday": MembershipStatus.JOINED.value,
    }
    showcased = db.session.scalars(
        select(ShowcaseItem.product_id).where(ShowcaseItem.creator_id == creator_id)
    )
    assert set(showcased) == {serum_id, balm_id}
