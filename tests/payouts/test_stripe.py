"""Stripe Connect through the real ``stripe`` SDK against the local stub: Express accounts,
onboarding links, transfers with the withdrawal's idempotency key, errors mapped to what the
payout job does with them; and the ``account.updated`` webhook, signed with Stripe's scheme."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from affiliate.payouts import payout_accounts, services
from affiliate.payouts.models import PayoutAccount, PayoutAccountStatus
from affiliate.payouts.providers import (
    PermanentPayoutError,
    StripePayoutProvider,
    TransientPayoutError,
    get_provider,
)
from affiliate.payouts.providers.stripe import status_from_stripe_account
from core.accounts.models import Role
from core.extensions import db
from core.notifications.models import Notification
from tests.factories import make_user
from tests.payouts.helpers import balances, fund, officer, reload, run_payout, token
from tests.stripe_stub import StripeStub, event_payload, sign

SECRET = "whsec_connect_test"
KEY = "withdrawal-7-attempt-1"


@pytest.fixture
def provider(stripe_stub: StripeStub) -> StripePayoutProvider:
    return StripePayoutProvider(
        secret_key="sk_test_payouts", api_base=stripe_stub.url, max_network_retries=0
    )


def _transfer(provider: StripePayoutProvider, key: str = KEY, amount: int = 9_800):
    return provider.transfer(
        amount=amount,
        currency="USD",
        destination="acct_creator",
        idempotency_key=key,
        description="Withdrawal #7",
    )


# --- the provider -------------------------------------------------------------------------------


def test_transfer_sends_the_key_and_names_the_withdrawal(provider, stripe_stub):
    result = _transfer(provider)

    assert result.reference.startswith("tr_")
    assert (result.amount, result.currency, result.destination) == (9_800, "USD", "acct_creator")
    (call,) = stripe_stub.calls("POST", "/v1/transfers")
    assert call.idempotency_key == KEY
    assert call.params["transfer_group"] == KEY
    assert call.params["metadata"] == {"idempotency_key": KEY}
    assert (call.params["amount"], call.params["currency"]) == ("9800", "usd")


def test_the_same_key_twice_is_one_transfer(provider, stripe_stub):
    first = _transfer(provider)
    second = _transfer(provider)

    assert second.reference == first.reference
    assert len(stripe_stub.of_type("transfer")) == 1
    assert len(stripe_stub.calls("POST", "/v1/transfers")) == 2


def test_find_transfer_lists_it_by_its_group(provider, stripe_stub):
    _transfer(provider, key="withdrawal-1-attempt-1", amount=100)
    made = _transfer(provider)

    found = provider.find_transfer(KEY)

    assert found is not None
    assert found.reference == made.reference
    assert provider.find_transfer("withdrawal-99-attempt-1") is None
    (listing,) = stripe_stub.calls("GET", "/v1/transfers")[-1:]
    assert listing.params["transfer_group"] == "withdrawal-99-attempt-1"


@pytest.mark.parametrize(
    ("injected", "error"),
    [
        ("rate_limit", TransientPayoutError),
        ("server_error", TransientPayoutError),
        ("drop", TransientPayoutError),
        ("card_declined", PermanentPayoutError),
        ("insufficient_funds", PermanentPayoutError),
    ],
)
def test_errors_are_mapped_to_transient_or_permanent(provider, stripe_stub, injected, error):
    stripe_stub.fail_next(injected, "/v1/transfers")

    with pytest.raises(error, match="Stripe could not make a transfer"):
        _transfer(provider)
    assert stripe_stub.of_type("transfer") == []


def test_a_transient_error_then_a_retry_with_the_same_key_pays_once(provider, stripe_stub):
    stripe_stub.fail_next("rate_limit", "/v1/transfers")
    with pytest.raises(TransientPayoutError):
        _transfer(provider)

    result = _transfer(provider)

    assert [t["id"] for t in stripe_stub.of_type("transfer")] == [result.reference]


def test_an_invalid_request_is_permanent_and_an_idempotency_clash_transient(provider, stripe_stub):
    _transfer(provider)
    with pytest.raises(TransientPayoutError):  # the same key with other parameters
        _transfer(provider, amount=1)

    bad = StripePayoutProvider(secret_key="sk_test_x", api_base=stripe_stub.url)
    bad.api_base = stripe_stub.url + "/nowhere"
    with pytest.raises(PermanentPayoutError):  # 404 unknown URL: an invalid request
        _transfer(bad, key="other")


def test_a_missing_secret_key_is_not_a_refusal(stripe_stub):
    with pytest.raises(TransientPayoutError, match="STRIPE_SECRET_KEY"):
        _transfer(StripePayoutProvider(secret_key="", api_base=stripe_stub.url))


def test_express_account_and_onboarding_link(provider, stripe_stub):
    account = provider.create_account(creator_id=5, email="cleo@example.com")

    assert account.external_id.startswith("acct_")
    assert account.status is PayoutAccountStatus.PENDING
    (call,) = stripe_stub.calls("POST", "/v1/accounts")
    assert call.params["type"] == "express"
    assert call.params["capabilities"] == {"transfers": {"requested": "true"}}
    assert call.idempotency_key == "payout-account-5"
    link = provider.onboarding_link(
        account.external_id, refresh_url="https://x/refresh", return_url="https://x/back"
    )
    assert link == f"https://connect.stripe.test/setup/{account.external_id}"
    assert provider.account_status(account.external_id) is PayoutAccountStatus.PENDING


@pytest.mark.parametrize(
    ("account", "status"),
    [
        ({"payouts_enabled": True, "details_submitted": True}, "ready"),
        ({"payouts_enabled": True, "capabilities": {"transfers": "active"}}, "ready"),
        ({"payouts_enabled": True, "capabilities": {"transfers": "pending"}}, "pending"),
        ({"payouts_enabled": False}, "pending"),
        (
            {"payouts_enabled": True, "requirements": {"disabled_reason": "rejected.fraud"}},
            "restricted",
        ),
    ],
)
def test_account_status_from_stripe(account, status):
    assert status_from_stripe_account(account).value == status


# --- through the services and the payout job ----------------------------------------------------


@pytest.fixture
def stripe_config(app_ctx, stripe_stub, monkeypatch):
    for key, value in {
        "PAYOUT_PROVIDER": "stripe",
        "STRIPE_SECRET_KEY": "sk_test_payouts",
        "STRIPE_API_BASE": stripe_stub.url,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
        "STRIPE_CONNECT_WEBHOOK_SECRET": SECRET,
    }.items():
        monkeypatch.setitem(app_ctx.config, key, value)
    return app_ctx


def _ready_stripe_creator(client, stripe_stub) -> tuple[int, PayoutAccount]:
    creator = make_user(Role.CREATOR)
    account = payout_accounts.connect_payout_account(creator.id)
    db.session.commit()
    assert account.status == "pending"
    again = payout_accounts.connect_payout_account(creator.id)
    assert again.id == account.id
    assert len(stripe_stub.of_type("account")) == 1
    response = _post_event(client, _account_event(account.external_id, payouts_enabled=True))
    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.expire_all()
    assert account.status == "ready"
    return creator.id, account


def _account_event(external_id: str, *, created: int | None = None, **fields) -> str:
    obj = {"id": external_id, "object": "account", "details_submitted": True, **fields}
    payload = json.loads(event_payload("account.updated", obj))
    if created is not None:
        payload["created"] = created
    return json.dumps(payload)


def _post_event(client, payload: str, header: str | None = None, secret: str = SECRET):
    return client.post(
        "/webhooks/stripe/connect",
        data=payload,
        headers={"Stripe-Signature": header or sign(payload, secret)},
        content_type="application/json",
    )


def test_the_payout_job_pays_through_stripe_once(stripe_config, client, stripe_stub, enqueued):
    assert get_provider().name == "stripe"
    creator_id, account = _ready_stripe_creator(client, stripe_stub)
    fund(creator_id, 20_000)
    w = services.request_withdrawal(creator_id, 10_000, request_token=token())
    db.session.commit()
    services.approve(w.id, officer())
    db.session.commit()
    db.session.commit()

    stripe_stub.fail_next("rate_limit", "/v1/transfers")
    assert run_payout(w.id) == "failed, funds held"  # in-process: no RQ retry
    services.retry(w.id, officer())
    db.session.commit()
    assert run_payout(w.id) == "paid"
    assert run_payout(w.id) == "nothing to do"

    paid = reload(w.id)
    (transfer,) = stripe_stub.of_type("transfer")
    assert paid.provider_ref == transfer["id"]
    assert (transfer["amount"], transfer["destination"]) == (9_800, account.external_id)
    keys = {c.idempotency_key for c in stripe_stub.calls("POST", "/v1/transfers")}
    assert keys == {f"withdrawal-{w.id}-attempt-1"}
    assert balances(creator_id) == {"available": 10_000, "held": 0, "clearing": 9_800, "fees": 200}


def test_a_declined_stripe_transfer_fails_and_returns_the_money(
    stripe_config, client, stripe_stub, enqueued
):
    creator_id, _ = _ready_stripe_creator(client, stripe_stub)
    fund(creator_id, 20_000)
    w = services.request_withdrawal(creator_id, 10_000, request_token=token())
    db.session.commit()
    services.approve(w.id, officer())
    db.session.commit()

    stripe_stub.fail_next("insufficient_funds", "/v1/transfers")
    assert run_payout(w.id) == "failed"

    failed = reload(w.id)
    assert "insufficient funds" in failed.failure_reason
    assert balances(creator_id)["available"] == 20_000


# --- the webhook ---------------------------------------------------------------------------------


def test_a_signed_account_update_makes_the_account_ready_and_tells_the_creator(
    stripe_config, client, stripe_stub
):
    _, account = _ready_stripe_creator(client, stripe_stub)

    restricted = _account_event(
        account.external_id,
        created=int(time.time()) + 1,
        requirements={"disabled_reason": "requirements.past_due"},
    )
    assert _post_event(client, restricted).get_json()["outcome"] == "status restricted"
    db.session.expire_all()
    assert account.status == "restricted"
    notices = db.session.scalars(
        select(Notification.message).where(
            Notification.user_id == account.creator_id,
            Notification.kind == "payout_account.status",
        )
    ).all()
    assert notices[0].startswith("Your payout account is ready")
    assert "restricted" in notices[-1]


def test_an_older_event_or_the_same_event_again_changes_nothing(stripe_config, client, stripe_stub):
    _, account = _ready_stripe_creator(client, stripe_stub)
    now = int(time.time())
    newer = _account_event(account.external_id, created=now + 5, payouts_enabled=True)
    older = _account_event(account.external_id, created=now - 60, payouts_enabled=False)

    assert _post_event(client, newer).status_code == 200
    assert _post_event(client, older).status_code == 200
    assert _post_event(client, newer).status_code == 200
    db.session.expire_all()
    assert account.status == "ready"


def test_a_tampered_body_is_refused_and_changes_nothing(stripe_config, client, stripe_stub):
    _, account = _ready_stripe_creator(client, stripe_stub)
    payload = _account_event(account.external_id, payouts_enabled=False)
    header = sign(payload, SECRET)

    response = _post_event(client, payload.replace('"account"', '"acount"'), header)

    assert response.status_code == 400
    db.session.expire_all()
    assert account.status == "ready"


@pytest.mark.parametrize("how", ["old timestamp", "wrong secret", "no header", "garbage header"])
def test_replayed_or_forged_webhooks_are_refused(stripe_config, client, stripe_stub, how):
    _, account = _ready_stripe_creator(client, stripe_stub)
    payload = _account_event(account.external_id, payouts_enabled=False)
    headers = {
        "old timestamp": sign(payload, SECRET, timestamp=int(time.time()) - 600),
        "wrong secret": sign(payload, "whsec_someone_else"),
        "no header": "",
        "garbage header": "t=abc,v1=zzz",
    }

    response = client.post(
        "/webhooks/stripe/connect",
        data=payload,
        headers={"Stripe-Signature": headers[how]} if headers[how] else {},
        content_type="application/json",
    )

    assert response.status_code == 400
    db.session.expire_all()
    assert account.status == "ready"


def test_other_events_and_unknown_accounts_are_acknowledged(stripe_config, client):
    payout = event_payload("payout.paid", {"id": "po_1", "object": "payout"})
    assert _post_event(client, payout).get_json()["outcome"] == "ignored"
    unknown = _account_event("acct_nobody", payouts_enabled=True)
    assert _post_event(client, unknown).get_json()["outcome"] == "unknown-account"


def test_without_a_secret_the_endpoint_is_absent(app_ctx, client):
    payload = _account_event("acct_1")
    assert _post_event(client, payload).status_code == 404
    assert db.session.scalars(select(PayoutAccount)).all() == []
