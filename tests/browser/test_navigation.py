"""Signing in as each role in a real browser shows that role's navigation."""

from __future__ import annotations

import pytest

from core.accounts.models import Role
from tests.factories import PASSWORD, make_user
from tests.two_factor import remember_this_browser

pytestmark = pytest.mark.browser

ROLE_NAV = {
    Role.BUYER: ("Shop", set()),
    Role.CREATOR: ("Creator centre", {"Creator centre"}),
    Role.SELLER: ("Seller centre", {"Seller centre"}),
    Role.FINANCE: ("Finance centre", {"Finance"}),
    Role.ADMIN: ("Users", {"Admin"}),
}
ALL_CENTRES = {"Creator centre", "Seller centre", "Finance", "Admin"}


def sign_in(page, email: str) -> None:
    page.goto("/login")
    remember_this_browser(page, email)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("role", list(ROLE_NAV), ids=lambda r: r.value)
def test_each_role_lands_on_its_page_with_its_navigation(app_ctx, page, role):
    make_user(role, email=f"{role.value}@example.com")
    sign_in(page, f"{role.value}@example.com")
    heading, centres = ROLE_NAV[role]
    assert heading in page.locator("main").inner_text()
    nav = set(page.locator("#nav-main .navbar-nav").first.locator("a.nav-link").all_inner_texts())
    assert "Shop" in nav
    assert nav & ALL_CENTRES == centres
    assert page.watcher.errors == []


def test_signup_in_the_browser_creates_a_creator(app_ctx, page):
    page.goto("/signup")
    page.fill("#email", "New.Creator@Example.com")
    page.fill("#display_name", "New Creator")
    page.fill("#password", "a-long-enough-password")
    page.fill("#confirm", "a-long-enough-password")
    page.check("input[value=creator]")
    page.click("main button[type=submit]")
    assert "Welcome, New Creator" in page.locator(".flash-messages").inner_text()
    assert "Creator centre" in page.locator("main h1").inner_text()
    assert page.watcher.errors == []


def test_phone_menu_opens_under_the_content_security_policy(app_ctx, phone_page):
    make_user(Role.SELLER, email="seller@example.com")
    sign_in(phone_page, "seller@example.com")
    seller_link = phone_page.locator("#nav-main a.nav-link", has_text="Seller centre")
    assert not seller_link.is_visible()
    phone_page.click("button.navbar-toggler")
    seller_link.wait_for(state="visible")
    assert phone_page.watcher.errors == []


def test_sign_out_from_the_account_menu(app_ctx, page):
    make_user(Role.BUYER, email="buyer@example.com")
    sign_in(page, "buyer@example.com")
    page.click("#account-menu")
    page.click("text=Sign out")
    assert "You are signed out." in page.locator(".flash-messages").inner_text()
    assert page.locator("#nav-main", has_text="Sign in").count() == 1
