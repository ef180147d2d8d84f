"""A buyer pays with Stripe.js's card form, against the local Stripe stub (its stand-in for
Stripe.js, its API and its 3-D Secure challenge). The order is paid only once the stub's signed
webhook reaches the app; until then the page says it is confirming."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from core.accounts.models import Role
from core.extensions import db
from shop.orders.cart import add_to_cart, get_or_create_cart
from shop.orders.checkout.services import add_address, place_orders
from shop.orders.models import Order
from shop.payments import get_provider
from shop.payments.models import Payment
from shop.payments.services import open_provider_payment
from tests.browser.test_accessibility import violations
from tests.browser.test_navigation import sign_in
from tests.factories import make_user
from tests.shop.factories import make_product
from tests.stripe_stub import DECLINED, SUCCEEDS, THREE_D_SECURE, StripeStub

pytestmark = pytest.mark.browser

WEBHOOK_SECRET = "whsec_browser_test"
BUYER = "card.buyer@example.com"
AUTHENTICATION_FAILED = "We are unable to authenticate your payment method"


@pytest.fixture
def stub(app: Flask, live_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[StripeStub]:
    """The stub, its webhooks sent to the served app at once, and the app pointed at it."""
    stub = StripeStub(
        webhook_url=f"{live_server}/webhooks/stripe",
        webhook_secret=WEBHOOK_SECRET,
        webhook_delay=0,
    ).start()
    for key, value in {
        "PAYMENT_PROVIDER": "stripe",
        "STRIPE_SECRET_KEY": "sk_test_browser",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_browser",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": stub.url,
        "STRIPE_JS_URL": f"{stub.url}/v3/",
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    yield stub
    stub.stop()


@pytest.fixture
def checkout(app_ctx: Flask, stub: StripeStub) -> int:
    """A buyer's placed order, its PaymentIntent open at the stub: the payment's id."""
    buyer = make_user(Role.BUYER, email=BUYER)
    product = make_product(price=2500, stock=5, title="Aurora Silk Scarf")
    cart = get_or_create_cart(user_id=buyer.id)
    add_to_cart(cart, product.variants[0], 1)
    address = add_address(
        buyer.id,
        full_name="Bea Buyer",
        line1="1 Main Street",
        city="Springfield",
        postal_code="12345",
        country="US",
    )
    payment = place_orders(buyer.id, cart, address, provider="stripe")
    db.session.commit()
    open_provider_payment(payment, get_provider("stripe"))
    payment_id = payment.id
    db.session.commit()  # and read nothing more: on SQLite a read would hold the write lock
    return payment_id


def order_status(payment_id: int) -> tuple[str, str]:
    """(payment status, order status), read and released at once."""
    db.session.rollback()
    payment = db.session.get(Payment, payment_id)
    order = db.session.scalars(select(Order).where(Order.payment_id == payment_id)).one()
    result = (payment.status, order.status)
    db.session.rollback()
    return result


def open_pay_page(page, payment_id: int) -> None:
    sign_in(page, BUYER)
    page.goto(f"/pay/{payment_id}")
    page.locator("#card-element input").wait_for()


def pay_with(page, number: str) -> None:
    page.locator("#card-element input").fill(number)
    page.click("#stripe-pay-button")


def test_a_good_card_waits_for_the_webhook_then_shows_the_paid_order(page, stub, checkout):
    stub.hold_webhooks = True
    open_pay_page(page, checkout)
    assert page.locator("#stripe-pay-button").inner_text() == "Pay $25.00"

    pay_with(page, SUCCEEDS)

    confirming = page.locator("#stripe-confirming")
    confirming.wait_for(state="visible")
    assert "Confirming your payment…" in confirming.inner_text()
    assert page.locator("#stripe-pay-form").is_hidden()
    page.wait_for_timeout(500)  # a few polls: still waiting, nothing paid without the webhook
    assert "/pay/" in page.url
    assert order_status(checkout) == ("pending", "pending_payment")

    assert stub.release_webhooks() == [200]

    page.wait_for_url("**/orders/*")
    text = page.locator("main").inner_text()
    assert "Payment received" in text
    assert "Aurora Silk Scarf" in text
    assert order_status(checkout) == ("succeeded", "paid")
    assert page.watcher.errors == []


def test_a_declined_card_shows_the_error_on_the_page_and_another_card_pays(page, stub, checkout):
    open_pay_page(page, checkout)

    pay_with(page, DECLINED)

    errors = page.locator("#card-errors")
    errors.wait_for(state="visible")
    assert errors.inner_text() == "Your card was declined."
    assert page.locator("#stripe-pay-button").is_enabled()
    assert page.locator("#stripe-confirming").is_hidden()
    assert stub.wait_for_deliveries(1) == [("payment_intent.payment_failed", 200)]
    assert order_status(checkout) == ("failed", "pending_payment")

    pay_with(page, SUCCEEDS)  # no reload in between: the same page, the same intent

    page.wait_for_url("**/orders/*")
    assert order_status(checkout) == ("succeeded", "paid")
    # The only console error is the browser's note of the 402 the decline came back with.
    assert [e for e in page.watcher.errors if "402" not in e] == []


def test_a_3d_secure_challenge_completed_pays(page, stub, checkout):
    open_pay_page(page, checkout)

    pay_with(page, THREE_D_SECURE)

    challenge = page.frame_locator("iframe[name=stub-3ds]")
    challenge.get_by_role("button", name="Complete").click()

    page.wait_for_url("**/orders/*")
    assert "Payment received" in page.locator("main").inner_text()
    assert order_status(checkout) == ("succeeded", "paid")
    assert page.watcher.errors == []


def test_a_3d_secure_challenge_failed_shows_the_error(page, stub, checkout):
    open_pay_page(page, checkout)

    pay_with(page, THREE_D_SECURE)
    page.frame_locator("iframe[name=stub-3ds]").get_by_role("button", name="Fail").click()

    errors = page.locator("#card-errors")
    errors.wait_for(state="visible")
    assert AUTHENTICATION_FAILED in errors.inner_text()
    assert page.locator("iframe[name=stub-3ds]").count() == 0
    assert stub.wait_for_deliveries(1) == [("payment_intent.payment_failed", 200)]
    assert order_status(checkout) == ("failed", "pending_payment")
    assert "/pay/" in page.url
    assert page.watcher.errors == []


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_the_card_form_has_no_serious_accessibility_violations(
    browser, live_server, stub, checkout, viewport
):
    # axe is injected as a script: this context alone bypasses the page's CSP to run it.
    context = browser.new_context(base_url=live_server, viewport=viewport, bypass_csp=True)
    page = context.new_page()
    try:
        open_pay_page(page, checkout)
        found = violations(page)
        width = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    finally:
        context.close()
    assert found == []
    assert width <= 1
