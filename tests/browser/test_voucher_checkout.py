"""A buyer adds two products, applies a voucher code at checkout, pays with the test card and
sees the discount of each line on the order."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.accounts.models import Role
from core.extensions import db
from shop.orders.models import Order, OrderStatus
from tests.browser.test_navigation import sign_in
from tests.factories import make_user
from tests.shop.factories import make_product, make_store, make_voucher

pytestmark = pytest.mark.browser


def test_buyer_applies_a_voucher_at_checkout_and_sees_it_on_each_line(app_ctx, page):
    make_user(Role.BUYER, email="buyer@example.com")
    store = make_store(name="Aurora Home")
    vase = make_product(store, title="Glass vase", price=3000, stock=5)
    lamp = make_product(store, title="Brass lamp", price=6000, stock=5)
    make_voucher(store, code="HOME10", percent_bps=1000, min_spend=5000)
    store_id, product_ids = store.id, (vase.id, lamp.id)
    db.session.commit()  # and read nothing more: on SQLite a read would hold the write lock
    sign_in(page, "buyer@example.com")

    for product_id in product_ids:
        page.goto(f"/p/{product_id}")
        with page.expect_navigation():
            page.click("main button:has-text('Add to cart')")

    page.goto("/checkout")
    page.fill(f"#voucher-code-{store_id}", " home10 ")
    with page.expect_navigation():
        page.click(f".voucher-box[data-store='{store_id}'] button:has-text('Apply')")
    main = page.locator("main")
    assert "HOME10 applied" in main.inner_text()
    assert page.locator(".checkout-discount").inner_text() == "−$9.00"
    assert "Place order and pay $81.00" in main.inner_text()

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

    text = page.locator("main").inner_text()
    assert "Voucher HOME10: −$3.00" in text  # the vase's share
    assert "Voucher HOME10: −$6.00" in text  # the lamp's share
    assert "$27.00" in text
    assert "$54.00" in text
    assert page.watcher.errors == []
    db.session.rollback()
    order = db.session.scalars(select(Order)).one()
    assert order.status == OrderStatus.PAID.value
    assert (order.subtotal, order.discount, order.total, order.voucher_code) == (
        9000,
        900,
        8100,
        "HOME10",
    )
    assert sorted(line.voucher_discount for line in order.lines) == [300, 600]
