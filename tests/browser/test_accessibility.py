"""The demo's pages, as each role, at desktop and phone width, pass axe-core's checks and
never scroll sideways.

axe-core (vendored under ``tests/browser/axe``) is injected into each page; any violation of
impact serious or critical fails the test with the rule, the element and the page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.extensions import db
from tests.two_factor import remember_this_browser

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "axe" / "axe.min.js"
DEMO_PASSWORD = "demo-pass-123"
PAGES = {
    None: [
        "/",
        "/feed",
        "/p/{product}",
        "/s/glow-and-co",
        "/creators/cleo",
        "/live/{live}",
        "/login",
    ],
    "buyer@example.com": [
        "/cart",
        "/orders",
        "/account/vouchers",
        "/notifications/",
        "/account",
        "/account/two-factor/setup",
    ],
    "creator@example.com": [
        "/creator/",
        "/creator/marketplace",
        "/creator/videos/new",
        "/creator/lives/{live}",
        "/creator/samples",
        "/creator/wallet",
        "/creator/disputes",
        "/creator/disputes/claim",
    ],
    "seller@example.com": [
        "/seller/",
        "/seller/plans/",
        "/seller/samples",
        "/seller/affiliates",
        "/seller/marketing",
        "/seller/creators",
        "/seller/disputes",
    ],
    "finance@example.com": [
        "/finance/",
        "/finance/withdrawals",
        "/finance/payouts",
        "/finance/disputes",
    ],
}
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def seed_demo(app) -> dict[str, int]:
    """Seed the demo; the ids the pages need (a product with a flash deal, Cleo's live)."""
    from sqlalchemy import select

    from affiliate.creators.content.models import Content
    from shop.catalog.models import Product

    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    ids = {
        "product": db.session.scalar(
            select(Product.id).where(Product.title == "Velvet Matte Lipstick")
        ),
        "live": db.session.scalar(
            select(Content.id).where(Content.title == "Morning glow routine, live")
        ),
    }
    db.session.commit()  # SQLite: the live server must be able to write (sessions, events)
    return ids


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))"""
    )
    return list(found)


def problems_as(
    browser, live_server: str, email: str | None, size: str, ids: dict[str, int]
) -> dict[str, list[str]]:
    context = browser.new_context(base_url=live_server, viewport=SIZES[size], bypass_csp=True)
    page = context.new_page()
    try:
        if email:
            page.goto("/login")
            remember_this_browser(page, email)
            page.fill("#email", email)
            page.fill("#password", DEMO_PASSWORD)
            with page.expect_navigation():
                page.click("main button[type=submit]")
            assert "/login" not in page.url, f"could not sign in as {email}"
        problems = {}
        for pattern in PAGES[email]:
            path = pattern.format(**ids)
            answer = page.goto(path)
            assert answer is not None, path
            assert answer.status == 200, (email, path, answer.status)
            found = violations(page)
            width = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if width > 1:
                found.append(f"the page scrolls sideways by {width}px")
            if found:
                problems[f"{email or 'visitor'} {path}"] = found
        return problems
    finally:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_demo_pages_have_no_serious_accessibility_violations(
    app, app_ctx, browser, live_server, size
):
    ids = seed_demo(app)
    problems = {}
    for email in PAGES:
        problems |= problems_as(browser, live_server, email, size, ids)
    assert problems == {}
