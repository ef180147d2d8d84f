"""Stripe's seams with the order lifecycle: releasing an unpaid order cancels its PaymentIntent
(through the outbox, idempotently), a payment that succeeds anyway is refunded whole, refund
webhooks reach the refund's state machine, and events of another API version are refused."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.serving import make_server

from core.accounts.models import User
from core.extensions import db
from core.idempotency import idempotency_key
from core.jobs.outbox import OutboxMessage
from core.types import utcnow
from shop.orders import lifecycle
from shop.orders.refunds.models import RefundRequest
from shop.payments import jobs as payment_jobs
from shop.payments.base import ProviderUnavailable
from shop.payments.stripe_provider import API_VERSION
from tests.conftest import Auth
from tests.shop.conftest import WEBHOOK_SECRET, Shop
from tests.shop.orders.helpers import add, ledger_entries, orders_of, payment, payment_id_of, place
from tests.shop.payments.test_stripe import intent_of
from tests.stripe_stub import PINNED, StripeStub, event_payload, sign


@pytest.fixture
def placed(client: FlaskClient, shop: Shop, stripe_config: StripeStub) -> int:
    """One checkout of two orders (Ada's mug, Bo's lamp), open with Stripe."""
    Auth(client).login(shop.buyer_email)
    add(client, shop.mug, 2)
    add(client, shop.lamp, 1)
    return payment_id_of(place(client))


@pytest.fixture
def live_app_url(app: Flask) -> Iterator[str]:
    """The app served on a local port, for the stub's own webhook deliveries."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def deliver(
    client: FlaskClient, event_type: str, obj: dict[str, Any], *, api_version: Any = PINNED
):
    payload = event_payload(event_type, dict(obj), api_version=api_version)
    return client.post(
        "/webhooks/stripe",
        data=payload,
        headers={"Stripe-Signature": sign(payload, WEBHOOK_SECRET)},
        content_type="application/json",
    )


def release_all() -> int:
    count = lifecycle.release_unpaid(utcnow() + timedelta(hours=1))
    db.session.commit()  # the outbox hands the cancel job over (in-process: it runs now)
    return count


def run_cancel_job(payment_id: int) -> str:
    db.session.commit()  # the job has a session of its own: hold no SQLite lock meanwhile
    return payment_jobs.cancel_payment(payment_id)


def refunds_of(payment_id: int) -> list[RefundRequest]:
    db.session.expire_all()
    return [
        r
        for o in orders_of(payment_id)
        for r in db.session.scalars(select(RefundRequest).where(RefundRequest.order_id == o.id))
    ]


# ------------------------------------------------------------------ releasing cancels the intent


def test_releasing_the_unpaid_orders_cancels_the_payment_intent(
    app_ctx: Flask, stripe_config: StripeStub, placed: int
) -> None:
    intent_id = intent_of(stripe_config, placed)["id"]

    assert release_all() == 2

    assert payment(placed).status == "cancelled"
    assert [o.status for o in orders_of(placed)] == ["cancelled", "cancelled"]
    assert stripe_config.objects[intent_id]["status"] == "canceled"
    (call,) = stripe_config.calls("POST", f"/v1/payment_intents/{intent_id}/cancel")
    assert call.idempotency_key == idempotency_key("payment-cancel", placed)
    assert call.stripe_version == API_VERSION
    (message,) = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.func_path == payment_jobs.CANCEL_JOB)
    )
    assert message.args == [placed]
    assert (message.retry_max, message.retry_intervals) == (5, [10, 60, 300, 900, 3600])


def test_a_payment_is_cancelled_only_when_its_last_order_goes(
    app_ctx: Flask, stripe_config: StripeStub, shop: Shop, placed: int
) -> None:
    intent_id = intent_of(stripe_config, placed)["id"]
    first, _second = orders_of(placed)
    seller = db.session.get(User, shop.seller_a_id)

    lifecycle.cancel(first, seller, "Out of glaze")
    db.session.commit()

    assert payment(placed).status == "pending"
    assert stripe_config.calls("POST", f"/v1/payment_intents/{intent_id}/cancel") == []

    assert release_all() == 1

    assert payment(placed).status == "cancelled"
    assert stripe_config.objects[intent_id]["status"] == "canceled"


def test_a_declined_payment_is_cancelled_too(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    intent = stripe_config.set_intent_status(
        intent_of(stripe_config, placed)["id"], "requires_payment_method", error_message="Declined."
    )
    deliver(client, "payment_intent.payment_failed", intent)
    assert payment(placed).status == "failed"

    release_all()

    assert payment(placed).status == "cancelled"
    assert stripe_config.objects[intent["id"]]["status"] == "canceled"


def test_the_cancel_job_is_idempotent(
    app_ctx: Flask, stripe_config: StripeStub, placed: int
) -> None:
    release_all()
    intent_id = intent_of(stripe_config, placed)["id"]

    assert run_cancel_job(placed) == "cancelled"  # a repeat: same key, same answer
    stripe_config.objects[intent_id]["status"] = "canceled"
    stripe_config._idempotent.clear()  # even when Stripe no longer remembers the key
    assert run_cancel_job(placed) == "cancelled"
    assert payment(placed).status == "cancelled"


def test_an_intent_that_went_through_first_is_left_to_its_webhook(
    app_ctx: Flask, stripe_config: StripeStub, placed: int
) -> None:
    intent_id = intent_of(stripe_config, placed)["id"]
    stripe_config.set_intent_status(intent_id, "succeeded")

    release_all()  # the job runs: Stripe refuses to cancel a succeeded intent

    assert stripe_config.objects[intent_id]["status"] == "succeeded"
    assert run_cancel_job(placed) == "succeeded-first"


def test_a_transient_error_raises_so_the_job_is_retried(
    app_ctx: Flask, stripe_config: StripeStub, placed: int
) -> None:
    intent_id = intent_of(stripe_config, placed)["id"]
    stripe_config.fail_next("server_error", f"/v1/payment_intents/{intent_id}/cancel", times=10)
    release_all()  # committed all the same: the outbox keeps the job for a retry
    assert payment(placed).status == "cancelled"
    assert stripe_config.objects[intent_id]["status"] == "requires_payment_method"

    with pytest.raises(ProviderUnavailable):
        run_cancel_job(placed)

    stripe_config._errors.clear()
    assert run_cancel_job(placed) == "cancelled"
    assert stripe_config.objects[intent_id]["status"] == "canceled"


def test_the_cancel_job_leaves_a_payment_that_is_not_cancelled(
    app_ctx: Flask, stripe_config: StripeStub, placed: int
) -> None:
    assert run_cancel_job(placed) == "skipped (pending)"
    assert stripe_config.calls("POST", "/v1/payment_intents/") == []
    assert run_cancel_job(999_999) == "missing"


# ------------------------------------------------------------------ a payment that succeeds anyway


def test_a_payment_that_succeeds_after_its_orders_were_released_is_refunded_whole(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    release_all()
    # The buyer's card went through before Stripe got our cancel (set back for the test).
    intent = stripe_config.set_intent_status(intent_of(stripe_config, placed)["id"], "succeeded")

    response = deliver(client, "payment_intent.succeeded", intent)

    assert response.status_code == 200
    assert response.get_json()["outcome"] == "late: refunding 2 order(s)"
    assert payment(placed).status == "succeeded"
    assert [o.status for o in orders_of(placed)] == ["cancelled", "cancelled"]
    assert ledger_entries() == []  # the money never entered the books
    refunds = refunds_of(placed)
    assert sorted(r.amount for r in refunds) == [2400, 4999]
    assert all(r.late_payment for r in refunds)
    # Sent to Stripe through the outbox, once per order, against the intent.
    sent = stripe_config.of_type("refund")
    assert sorted(r["amount"] for r in sent) == [2400, 4999]
    assert {r["payment_intent"] for r in sent} == {intent["id"]}
    assert {r.provider_state for r in refunds} == {"succeeded"}

    again = deliver(client, "payment_intent.succeeded", intent)

    assert again.get_json()["outcome"] == "already-paid"
    assert len(refunds_of(placed)) == 2
    assert len(stripe_config.of_type("refund")) == 2


def test_a_decline_after_the_release_leaves_the_payment_cancelled(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    release_all()
    intent = dict(intent_of(stripe_config, placed))
    intent["last_payment_error"] = {"message": "Your card was declined."}

    response = deliver(client, "payment_intent.payment_failed", intent)

    assert response.get_json()["outcome"] == "cancelled"
    assert payment(placed).status == "cancelled"


# ------------------------------------------------------------------ refund webhooks


@pytest.fixture
def sent_refunds(client: FlaskClient, stripe_config: StripeStub, placed: int) -> list[dict]:
    """Two late-payment refunds that Stripe took and has not settled yet (``sent``)."""
    stripe_config.refund_status = "pending"
    release_all()
    intent = stripe_config.set_intent_status(intent_of(stripe_config, placed)["id"], "succeeded")
    deliver(client, "payment_intent.succeeded", intent)
    assert {r.provider_state for r in refunds_of(placed)} == {"sent"}
    return sorted(stripe_config.of_type("refund"), key=lambda r: r["amount"])


def test_a_refund_failed_webhook_moves_the_refund_to_failed(
    client: FlaskClient, stripe_config: StripeStub, placed: int, sent_refunds: list[dict]
) -> None:
    failed = {**sent_refunds[0], "status": "failed", "failure_reason": "expired_or_canceled_card"}

    response = deliver(client, "refund.updated", failed)

    assert response.status_code == 200
    (refund,) = [r for r in refunds_of(placed) if r.provider_refund_id == failed["id"]]
    assert response.get_json()["outcome"] == f"refund {refund.id} failed"
    assert refund.provider_state == "failed"
    assert refund.provider_error == "The card has expired or was cancelled."


def test_a_charge_refund_updated_webhook_settles_the_refund_once(
    client: FlaskClient, stripe_config: StripeStub, placed: int, sent_refunds: list[dict]
) -> None:
    settled = {**sent_refunds[1], "status": "succeeded"}

    first = deliver(client, "charge.refund.updated", settled)
    again = deliver(client, "refund.updated", settled)

    (refund,) = [r for r in refunds_of(placed) if r.provider_refund_id == settled["id"]]
    assert refund.provider_state == "succeeded"
    assert (
        first.get_json()["outcome"]
        == again.get_json()["outcome"]
        == (f"refund {refund.id} succeeded")
    )
    others = [r for r in refunds_of(placed) if r.id != refund.id]
    assert [r.provider_state for r in others] == ["sent"]


def test_a_pending_refund_webhook_changes_nothing(
    client: FlaskClient, stripe_config: StripeStub, placed: int, sent_refunds: list[dict]
) -> None:
    response = deliver(client, "refund.updated", {**sent_refunds[0], "status": "pending"})
    assert response.status_code == 200
    assert {r.provider_state for r in refunds_of(placed)} == {"sent"}


def test_a_webhook_for_a_refund_we_do_not_know_is_acknowledged(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    refund = {"id": "re_not_ours", "object": "refund", "status": "failed", "amount": 100}
    response = deliver(client, "refund.updated", refund)
    assert (response.status_code, response.get_json()["outcome"]) == (200, "unknown-refund")


def test_the_stub_sends_refund_updated_itself(
    app: Flask, live_app_url: str, stripe_config: StripeStub, placed: int, sent_refunds: list[dict]
) -> None:
    stripe_config.webhook_url = f"{live_app_url}/webhooks/stripe"
    stripe_config.webhook_secret = WEBHOOK_SECRET
    stripe_config.webhook_delay = 0
    db.session.commit()  # hold no SQLite lock while the app takes the webhook

    stripe_config.set_refund_status(sent_refunds[0]["id"], "succeeded")

    assert stripe_config.wait_for_deliveries(1) == [("refund.updated", 200)]
    (refund,) = [r for r in refunds_of(placed) if r.provider_refund_id == sent_refunds[0]["id"]]
    assert refund.provider_state == "succeeded"


# ------------------------------------------------------------------ the pinned API version


def test_the_client_pins_the_sdk_api_version() -> None:
    assert stripe.api_version == API_VERSION


@pytest.mark.parametrize("version", ["2020-08-27", None], ids=["another-version", "no-version"])
def test_an_event_of_another_api_version_is_refused_and_changes_nothing(
    client: FlaskClient,
    stripe_config: StripeStub,
    placed: int,
    version: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    intent = stripe_config.set_intent_status(intent_of(stripe_config, placed)["id"], "succeeded")

    with caplog.at_level(logging.ERROR, logger="shop.payments.webhooks"):
        response = deliver(client, "payment_intent.succeeded", intent, api_version=version)

    assert response.status_code == 400
    assert response.get_json() == {"error": "unsupported API version"}
    assert payment(placed).status == "pending"
    assert ledger_entries() == []
    (record,) = [r for r in caplog.records if r.name == "shop.payments.webhooks"]
    assert API_VERSION in record.getMessage()
    assert (repr(version) if version else "no API version") in record.getMessage()


def test_an_event_of_the_pinned_version_is_accepted(
    client: FlaskClient, stripe_config: StripeStub, placed: int
) -> None:
    intent = stripe_config.set_intent_status(intent_of(stripe_config, placed)["id"], "succeeded")
    response = deliver(client, "payment_intent.succeeded", intent, api_version=API_VERSION)
    assert response.status_code == 200
    assert payment(placed).status == "succeeded"
