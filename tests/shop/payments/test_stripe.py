"""Stripe: PaymentIntents through the real SDK against the local stub, and signed webhooks."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import stripe
from flask import Flask
from flask.testing import FlaskClient

from core.extensions import db
from core.idempotency import idempotency_key
from shop.payments import get_provider
from shop.payments.base import ProviderUnavailable
from shop.payments.models import Payment
from shop.payments.services import open_provider_payment
from tests.conftest import Auth, post_form
from tests.shop.conftest import WEBHOOK_SECRET, Shop
from tests.shop.orders.helpers import (
    GOOD_CARD,
    add,
    ledger_entries,
    orders_of,
    payment,
    payment_id_of,
    place,
)
from tests.stripe_stub import StripeStub, event_payload, sign


@pytest.fixture
def placed(client: FlaskClient, shop: Shop, stripe_config: StripeStub) -> int:
    Auth(client).login(shop.buyer_email)
    add(client, shop.mug, 2)
    add(client, shop.lamp, 1)
    return payment_id_of(place(client))


def intent_of(stub: StripeStub, payment_id: int) -> dict[str, Any]:
    (intent,) = [
        i for i in stub.of_type("payment_intent") if i["metadata"]["payment_id"] == str(payment_id)
    ]
    return intent


def deliver(
    client: FlaskClient,
    event_type: str,
    intent: dict[str, Any],
    *,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
    tamper: bool = False,
):
    payload = event_payload(event_type, intent)
    header = sign(payload, secret, timestamp)
    if tamper:
        payload = payload.replace(str(intent["amount"]), "1")
    return client.post(
        "/webhooks/stripe",
        data=payload,
        headers={"Stripe-Signature": header},
        content_type="application/json",
    )


def test_checkout_creates_a_payment_intent_with_the_real_sdk(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    intent = intent_of(stripe_config, placed)
    assert intent["amount"] == 2 * 1200 + 4999
    assert intent["currency"] == "usd"
    (call,) = stripe_config.calls("POST", "/v1/payment_intents")
    # The key carries this installation's prefix, so another database on the same Stripe
    # account never gets this intent back; the request names the pinned API version.
    assert call.idempotency_key == idempotency_key("payment", placed)
    assert call.idempotency_key != f"payment-{placed}"
    assert call.stripe_version == stripe.api_version
    assert call.params["payment_method_types"] == {"0": "card"}
    assert payment(placed).provider == "stripe"
    assert payment(placed).provider_ref == intent["id"]
    page = client.get(f"/pay/{placed}").get_data(as_text=True)
    assert 'id="stripe-pay-form"' in page  # Stripe.js's card form, mounted by the page
    assert f'data-client-secret="{intent["client_secret"]}"' in page
    assert 'name="number"' not in page  # no card form of ours
    assert [o.status for o in orders_of(placed)] == ["pending_payment", "pending_payment"]


def test_creating_the_intent_again_returns_the_same_one(
    app_ctx: Flask, stripe_config: StripeStub, placed: int
) -> None:
    first = payment(placed).provider_ref
    result = open_provider_payment(db.session.get(Payment, placed), get_provider("stripe"))
    db.session.commit()
    assert result.ref == first
    assert len(stripe_config.of_type("payment_intent")) == 1
    assert len(stripe_config.calls("POST", "/v1/payment_intents")) == 2


def test_an_unreachable_stripe_keeps_the_order_and_offers_a_retry(
    client: FlaskClient, shop: Shop, stripe_config: StripeStub
) -> None:
    Auth(client).login(shop.buyer_email)
    add(client, shop.mug, 1)
    stripe_config.fail_next("server_error", "/v1/payment_intents")

    payment_id = payment_id_of(place(client))

    assert payment(payment_id).provider_ref is None
    page = client.get(f"/pay/{payment_id}").get_data(as_text=True)
    assert "could not reach the card processor" in page
    assert post_form(client, f"/pay/{payment_id}/start").status_code == 303
    assert payment(payment_id).provider_ref == intent_of(stripe_config, payment_id)["id"]


def test_a_dropped_connection_is_provider_unavailable(
    app_ctx: Flask, stripe_config: StripeStub, placed: int
) -> None:
    stripe_config.fail_next("drop")
    with pytest.raises(ProviderUnavailable):
        get_provider("stripe").retrieve(payment(placed).provider_ref)


def test_the_test_card_form_does_not_apply_to_stripe(client: FlaskClient, placed: int) -> None:
    assert post_form(client, f"/pay/{placed}", GOOD_CARD).status_code == 400
    assert payment(placed).status == "pending"


@pytest.mark.parametrize(
    "how",
    [
        {"secret": "whsec_wrong"},
        {"timestamp": int(time.time()) - 3600},
        {"tamper": True},
    ],
    ids=["wrong-secret", "old-timestamp", "tampered-body"],
)
def test_a_badly_signed_webhook_is_400_and_changes_nothing(
    client: FlaskClient, stripe_config: StripeStub, placed: int, how: dict[str, Any]
) -> None:
    intent = stripe_config.set_intent_status(intent_of(stripe_config, placed)["id"], "succeeded")
    response = deliver(client, "payment_intent.succeeded", intent, **how)
    assert response.status_code == 400
    assert payment(placed).status == "pending"
    assert ledger_entries() == []


def test_a_webhook_without_signature_is_400(client: FlaskClient, placed: int) -> None:
    response = client.post("/webhooks/stripe", data="{}", content_type="application/json")
    assert response.status_code == 400


def test_a_valid_succeeded_webhook_pays_the_orders(
    client: FlaskClient, shop: Shop, stripe_config: StripeStub, placed: int
) -> None:
    intent = stripe_config.set_intent_status(intent_of(stripe_config, placed)["id"], "succeeded")

    response = deliver(client, "payment_intent.succeeded", intent)

    assert response.status_code == 200
    assert response.get_json()["outcome"] == "paid 2 order(s)"
    assert payment(placed).status == "succeeded"
    assert [o.status for o in orders_of(placed)] == ["paid", "paid"]
    postings = {(p.account.key, p.amount) for e in ledger_entries() for p in e.postings}
    assert postings == {
        ("platform_cash:USD", 2400),
        (f"seller_receivable:{shop.seller_a_id}:USD", -2400),
        ("platform_cash:USD", 4999),
        (f"seller_receivable:{shop.seller_b_id}:USD", -4999),
    }
    assert client.get(f"/pay/{placed}").status_code == 303  # the pay page moves on


def test_a_duplicate_delivery_posts_nothing_twice(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    intent = stripe_config.set_intent_status(intent_of(stripe_config, placed)["id"], "succeeded")
    deliver(client, "payment_intent.succeeded", intent)
    response = deliver(client, "payment_intent.succeeded", intent)
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "already-paid"
    assert len(ledger_entries()) == 2
    assert [o.status for o in orders_of(placed)] == ["paid", "paid"]


def test_a_failure_delivered_after_success_leaves_it_paid(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    intent_id = intent_of(stripe_config, placed)["id"]
    succeeded = dict(stripe_config.set_intent_status(intent_id, "succeeded"))
    failed = {
        **succeeded,
        "status": "requires_payment_method",
        "last_payment_error": {"message": "Your card was declined."},
    }
    deliver(client, "payment_intent.succeeded", succeeded)
    response = deliver(client, "payment_intent.payment_failed", failed)
    assert response.status_code == 200
    assert payment(placed).status == "succeeded"
    assert payment(placed).failure_reason is None
    assert [o.status for o in orders_of(placed)] == ["paid", "paid"]
    assert len(ledger_entries()) == 2


def test_a_failure_then_a_success_ends_paid(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    intent_id = intent_of(stripe_config, placed)["id"]
    failed = stripe_config.set_intent_status(
        intent_id, "requires_payment_method", error_message="Your card has insufficient funds."
    )
    deliver(client, "payment_intent.payment_failed", dict(failed))
    assert payment(placed).status == "failed"
    assert payment(placed).failure_reason == "Your card has insufficient funds."
    page = client.get(f"/pay/{placed}").get_data(as_text=True)
    assert "insufficient funds" in page

    deliver(
        client, "payment_intent.succeeded", stripe_config.set_intent_status(intent_id, "succeeded")
    )

    assert payment(placed).status == "succeeded"
    assert len(ledger_entries()) == 2


def test_an_intent_that_does_not_match_our_payment_is_not_paid(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    intent = dict(
        stripe_config.set_intent_status(intent_of(stripe_config, placed)["id"], "succeeded")
    )
    wrong_amount = {**intent, "amount": 1}
    assert deliver(client, "payment_intent.succeeded", wrong_amount).get_json()["outcome"] == (
        "mismatch"
    )
    wrong_ref = {**intent, "id": "pi_someone_else"}
    assert (
        deliver(client, "payment_intent.succeeded", wrong_ref).get_json()["outcome"] == "mismatch"
    )
    assert payment(placed).status == "pending"
    assert ledger_entries() == []


def test_events_for_unknown_payments_or_other_types_are_acknowledged(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    intent = dict(intent_of(stripe_config, placed))
    unknown = {**intent, "metadata": {"payment_id": "999999"}}
    response = deliver(client, "payment_intent.succeeded", unknown)
    assert (response.status_code, response.get_json()["outcome"]) == (200, "unknown-payment")
    response = deliver(client, "charge.refunded", intent)
    assert (response.status_code, response.get_json()["outcome"]) == (200, "ignored")
    assert payment(placed).status == "pending"


def test_webhooks_are_off_without_a_secret(client: FlaskClient, app_ctx: Flask) -> None:
    payload = json.dumps({"id": "evt_1", "type": "payment_intent.succeeded"})
    response = client.post(
        "/webhooks/stripe",
        data=payload,
        headers={"Stripe-Signature": sign(payload, "anything")},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_refunds_go_through_the_sdk_with_an_idempotency_key(
    app_ctx: Flask, stripe_config: StripeStub, placed: int
) -> None:
    ref = payment(placed).provider_ref
    provider = get_provider("stripe")
    first = provider.refund(ref, 500, idempotency_key="shop-refund-1")
    again = provider.refund(ref, 500, idempotency_key="shop-refund-1")
    assert first == again
    assert len(stripe_config.of_type("refund")) == 1
