"""The Stripe pay page: Stripe.js's card form for the buyer who owns the payment, a CSP that
lets Stripe.js's origin in on that page alone, and the status the page polls."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Auth
from tests.shop.conftest import Shop
from tests.shop.orders.helpers import add, pay, payment, payment_id_of, place
from tests.shop.payments.test_stripe import deliver, intent_of
from tests.stripe_stub import StripeStub


@pytest.fixture
def placed(client: FlaskClient, shop: Shop, stripe_config: StripeStub) -> int:
    Auth(client).login(shop.buyer_email)
    add(client, shop.mug, 1)
    return payment_id_of(place(client))


def policy_of(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {
        name: sources
        for name, *sources in (d.strip().split() for d in header.split(";") if d.strip())
    }


def test_the_pay_page_mounts_stripe_js_from_the_configured_url(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    intent = intent_of(stripe_config, placed)

    response = client.get(f"/pay/{placed}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert f"{stripe_config.url}/v3/" in scripts
    assert "/static/js/stripe-pay.js" in scripts
    assert 'data-publishable-key="pk_test_123"' in page
    assert f'data-client-secret="{intent["client_secret"]}"' in page
    assert f'data-status-url="/pay/{placed}/status"' in page
    assert "The card form needs JavaScript" in page  # the <noscript> message
    assert "data-confirming" not in page
    # Still no inline script: the page's logic is a static file.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []


def test_the_pay_page_csp_lets_in_the_stripe_js_origin_alone(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    directives = policy_of(client.get(f"/pay/{placed}"))

    origin = stripe_config.url
    assert directives["script-src"] == ["'self'", origin]
    assert directives["frame-src"] == ["'self'", origin]
    assert directives["connect-src"] == ["'self'", origin]
    assert directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_with_stripe_own_script_the_csp_adds_what_stripe_documents(
    client: FlaskClient, stripe_config: StripeStub, placed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(client.application.config, "STRIPE_JS_URL", "https://js.stripe.com/v3/")

    response = client.get(f"/pay/{placed}")

    assert '<script src="https://js.stripe.com/v3/">' in response.get_data(as_text=True)
    directives = policy_of(response)
    assert directives["script-src"] == ["'self'", "https://js.stripe.com"]
    assert directives["frame-src"] == [
        "'self'",
        "https://js.stripe.com",
        "https://hooks.stripe.com",
    ]
    assert directives["connect-src"] == [
        "'self'",
        "https://js.stripe.com",
        "https://api.stripe.com",
    ]


@pytest.mark.parametrize("path", ["/", "/cart", "/orders", "/checkout"])
def test_other_pages_keep_the_site_policy(
    client: FlaskClient, stripe_config: StripeStub, placed: int, path: str
) -> None:
    response = client.get(path)

    assert response.status_code == 200
    header = response.headers["Content-Security-Policy"]
    assert stripe_config.url not in header
    assert "stripe" not in header
    assert policy_of(response)["script-src"] == ["'self'"]
    assert "/v3/" not in response.get_data(as_text=True)


def test_an_order_page_keeps_the_site_policy(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    (order_id,) = [o.id for o in payment(placed).orders]
    response = client.get(f"/orders/{order_id}")
    assert response.status_code == 200
    assert stripe_config.url not in response.headers["Content-Security-Policy"]


def test_the_test_card_pay_page_is_unchanged(client: FlaskClient, shop: Shop) -> None:
    Auth(client).login(shop.buyer_email)
    add(client, shop.mug, 1)
    payment_id = payment_id_of(place(client))

    response = client.get(f"/pay/{payment_id}")

    page = response.get_data(as_text=True)
    assert 'name="number"' in page
    assert "stripe-pay" not in page
    assert policy_of(response)["script-src"] == ["'self'"]
    assert pay(client, payment_id).status_code == 303
    assert payment(payment_id).status == "succeeded"


def test_another_buyer_gets_neither_the_page_nor_the_secret_nor_the_status(
    app: Flask, stripe_config: StripeStub, shop: Shop, placed: int
) -> None:
    other = app.test_client()
    Auth(other).login(shop.other_email)

    page = other.get(f"/pay/{placed}")
    status = other.get(f"/pay/{placed}/status")

    assert page.status_code == 404
    assert intent_of(stripe_config, placed)["client_secret"] not in page.get_data(as_text=True)
    assert status.status_code == 404
    assert "status" not in (status.get_json(silent=True) or {})


def test_the_status_endpoint_needs_a_sign_in(
    app: Flask, stripe_config: StripeStub, placed: int
) -> None:
    response = app.test_client().get(f"/pay/{placed}/status")
    assert response.status_code in (302, 401)


def test_the_status_says_pending_until_the_webhook_then_where_to_go(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    assert client.get(f"/pay/{placed}/status").get_json() == {"status": "pending"}

    intent = stripe_config.set_intent_status(intent_of(stripe_config, placed)["id"], "succeeded")
    assert deliver(client, "payment_intent.succeeded", intent).status_code == 200

    body = client.get(f"/pay/{placed}/status").get_json()
    (order_id,) = [o.id for o in payment(placed).orders]
    assert body == {"status": "succeeded", "next": f"/orders/{order_id}"}
    assert "Payment received" in client.get(body["next"]).get_data(as_text=True)


def test_a_card_stripe_took_before_the_webhook_shows_confirming(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    stripe_config.set_intent_status(intent_of(stripe_config, placed)["id"], "succeeded")

    page = client.get(f"/pay/{placed}").get_data(as_text=True)

    assert "data-confirming" in page
    assert "Confirming your payment" in page
    assert payment(placed).status == "pending"  # only the webhook pays it


def test_without_a_publishable_key_the_page_says_so_and_loads_no_script(
    client: FlaskClient, stripe_config: StripeStub, placed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(client.application.config, "STRIPE_PUBLISHABLE_KEY", None)

    response = client.get(f"/pay/{placed}")

    page = response.get_data(as_text=True)
    assert "Card payments are not set up here yet" in page
    assert "/v3/" not in page
    assert "client_secret" not in page
    assert stripe_config.url not in response.headers["Content-Security-Policy"]


def test_an_unreachable_stripe_on_the_pay_page_offers_a_reload(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    stripe_config.fail_next("server_error", "/v1/payment_intents/")

    response = client.get(f"/pay/{placed}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "We could not reach the card processor" in page
    assert "/v3/" not in page


def test_an_intent_cancelled_at_stripe_closes_the_page(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    stripe_config.set_intent_status(intent_of(stripe_config, placed)["id"], "canceled")

    page = client.get(f"/pay/{placed}").get_data(as_text=True)

    assert "cancelled with the card processor" in page
    assert "stripe-pay-form" not in page
