"""A buyer finds a product by search, buys two variants with the test card, sees the order."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.accounts.models import Role
from core.extensions import db
from shop.orders.models import Order, OrderStatus
from tests.browser.test_navigation import sign_in
from tests.factories import make_user
from tests.shop.factories import make_product

pytestmark = pytest.mark.browser


def test_buyer_finds_a_product_buys_two_variants_and_sees_the_paid_order(app_ctx, page):
    make_user(Role.BUYER, email="buyer@example.com")
    product = make_product(variants=2, price=2500, stock=5, title="Aurora Silk Scarf")
    first, second = (v.id for v in product.variants)
    db.session.commit()
    sign_in(page, "buyer@example.com")

    page.fill("input[name=q]", "silk scarf")
    page.keyboard.press("Enter")
    page.click("text=Aurora Silk Scarf")
    for variant_id in (first, second):
        page.check(f"#variant-{variant_id}")
        with page.expect_navigation():
            page.click("main button:has-text('Add to cart')")
        if variant_id == first:
            page.go_back()
            page.wait_for_load_state()

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

    assert "Aurora Silk Scarf" in page.locator("main").inner_text()
    assert page.watcher.errors == []
    db.session.rollback()
    order = db.session.scalars(select(Order)).one()
    assert order.status == OrderStatus.PAID.value
    assert order.total == 5000
    assert sorted(line.variant_id for line in order.lines) == sorted([first, second])
