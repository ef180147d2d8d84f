"""The creator's wallet pages: balances and the withdrawal preview, requests (once per form,
whatever the clicks), refusals that write nothing, the payout account, and withdrawals that
only their creator can read."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from affiliate.payouts import services
from affiliate.payouts.models import PayoutAccount, Withdrawal
from core.accounts.models import Role
from core.audit.models import AuditEvent
from core.extensions import db
from core.ledger.models import EntryKind, LedgerEntry
from tests.conftest import post_form
from tests.factories import make_user
from tests.payouts.helpers import balances, count, fund, make_creator, officer, token
from tests.stripe_stub import StripeStub
from tests.two_factor import step_up

_TOKEN = re.compile(r'name="request_token" type="hidden" value="([^"]+)"')


def _form_token(client) -> str:
    page = client.get("/creator/wallet")
    assert page.status_code == 200
    match = _TOKEN.search(page.get_data(as_text=True))
    assert match, "the withdrawal form has no request token"
    return match.group(1)


def _signed_in_creator(auth, **kwargs):
    creator = make_creator(**kwargs)
    auth.login(creator.email)
    step_up(auth.client, creator.email)  # connecting a payout account asks for it
    return creator


def _withdraw(client, amount: str, request_token: str | None = None):
    data = {"amount": amount, "request_token": request_token or _form_token(client)}
    return post_form(client, "/creator/wallet/withdraw", data)


def _nothing_written(creator_id: int, entries_before: int) -> None:
    db.session.expire_all()
    assert count(Withdrawal) == 0
    assert count(LedgerEntry) == entries_before
    assert balances(creator_id)["held"] == 0
    withdrawal_events = select(AuditEvent).where(AuditEvent.subject_type == "withdrawal")
    assert db.session.scalars(withdrawal_events).all() == []


# ---------------------------------------------------------------------------- the wallet page


def test_wallet_shows_balances_history_and_the_preview_data(app_ctx, client, auth):
    creator = make_creator()
    fund(creator.id, 25_000, kind=EntryKind.COMMISSION_SETTLED)
    auth.login(creator.email)

    page = client.get("/creator/wallet")
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    assert 'data-balance="available">$250.00' in html
    assert 'data-balance="pending">$0.00' in html
    assert 'data-balance="held">$0.00' in html
    assert 'data-fee-bps="200"' in html
    assert 'data-min-amount="1000"' in html
    assert 'data-available="25000"' in html
    assert "The smallest withdrawal is <strong>$10.00</strong>" in html
    assert "Commission settled" in html
    assert "js/wallet.js" in html
    assert "<script>" not in html  # CSP: no inline scripts
    assert _TOKEN.search(html)
    assert "Simulated bank •••• 6789" in html


def test_each_rendering_of_the_form_has_its_own_token(app_ctx, client, auth):
    _signed_in_creator(auth, balance=5_000)
    assert _form_token(client) != _form_token(client)


def test_the_form_is_disabled_with_a_reason_below_the_minimum(app_ctx, client, auth):
    _signed_in_creator(auth, balance=999)
    html = client.get("/creator/wallet").get_data(as_text=True)
    assert "disabled" in html
    assert "You can withdraw once at least $10.00 is available (now $9.99)" in html


def test_wallet_needs_the_creator_role(app_ctx, client, auth):
    assert client.get("/creator/wallet").status_code == 302  # signed out: to the login page
    assert "/login" in client.get("/creator/wallet").headers["Location"]
    buyer = make_user(Role.BUYER)
    auth.login(buyer.email)
    assert client.get("/creator/wallet").status_code == 403
    assert client.get("/creator/payout-account").status_code == 403


# ---------------------------------------------------------------------------- requesting


def test_a_request_holds_the_amount_and_shows_fee_and_net(app_ctx, client, auth):
    creator = _signed_in_creator(auth, balance=20_000)

    response = _withdraw(client, "100")

    assert response.status_code == 302
    (w,) = db.session.scalars(select(Withdrawal)).all()
    assert response.headers["Location"].endswith(f"/creator/withdrawals/{w.id}")
    assert (w.amount, w.fee, w.net, w.status) == (10_000, 200, 9_800, "requested")
    assert balances(creator.id)["available"] == 10_000
    assert balances(creator.id)["held"] == 10_000

    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Withdrawal of $100.00 requested: you will receive $98.00 after the $2.00 fee." in html
    assert 'data-status="requested"' in html
    assert "Requested" in html  # the timeline's first step


def test_the_same_form_submitted_twice_makes_one_withdrawal(app_ctx, client, auth):
    creator = _signed_in_creator(auth, balance=20_000)
    form_token = _form_token(client)

    first = _withdraw(client, "100", form_token)
    second = _withdraw(client, "100", form_token)

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(Withdrawal) == 1
    assert balances(creator.id)["held"] == 10_000
    html = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "This request was already sent" in html


def test_a_used_token_with_another_amount_is_refused(app_ctx, client, auth):
    _signed_in_creator(auth, balance=20_000)
    form_token = _form_token(client)
    _withdraw(client, "100", form_token)

    response = _withdraw(client, "50", form_token)

    assert response.status_code == 400
    assert "This form was already used" in response.get_data(as_text=True)
    assert count(Withdrawal) == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "The amount must be more than zero."),
        ("0", "The amount must be more than zero."),
        ("0.00", "The amount must be more than zero."),
        ("9.99", "The smallest withdrawal is $10.00."),
        ("300", "You asked for $300.00 but $200.00 is available to withdraw."),
        ("10.005", "10.005 is not an amount in USD"),
        ("ten dollars", "ten dollars is not an amount in USD"),
        ("1e3", "1e3 is not an amount in USD"),
        ("", "Enter the amount to withdraw."),
    ],
    ids=[
        "negative",
        "zero",
        "zero-cents",
        "below-min",
        "above-balance",
        "three-decimals",
        "words",
        "exponent",
        "empty",
    ],
)
def test_bad_amounts_are_refused_and_write_nothing(app_ctx, client, auth, amount, message):
    creator = _signed_in_creator(auth, balance=20_000)
    entries_before = count(LedgerEntry)

    response = _withdraw(client, amount)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    _nothing_written(creator.id, entries_before)
    assert balances(creator.id)["available"] == 20_000


def test_the_refused_form_keeps_what_was_typed_and_its_token(app_ctx, client, auth):
    _signed_in_creator(auth, balance=20_000)
    form_token = _form_token(client)

    html = _withdraw(client, "300", form_token).get_data(as_text=True)

    assert 'value="300"' in html
    assert form_token in html
    assert 'aria-invalid="true"' in html


def test_without_a_payout_account_the_form_is_closed_and_a_request_refused(app_ctx, client, auth):
    creator = _signed_in_creator(auth, balance=20_000, last4=None)
    entries_before = count(LedgerEntry)

    html = client.get("/creator/wallet").get_data(as_text=True)
    assert "Connect a payout account first" in html

    response = _withdraw(client, "100")
    assert response.status_code == 409
    assert "Connect a payout account before you withdraw." in response.get_data(as_text=True)
    _nothing_written(creator.id, entries_before)


def test_a_request_without_the_csrf_token_is_refused(app_ctx, client, auth):
    _signed_in_creator(auth, balance=20_000)
    form_token = _form_token(client)
    response = client.post(
        "/creator/wallet/withdraw", data={"amount": "100", "request_token": form_token}
    )
    assert response.status_code == 400
    assert count(Withdrawal) == 0


def test_a_request_without_the_csrf_token_says_the_form_expired(app_ctx, client, auth):
    _signed_in_creator(auth, balance=20_000)
    form_token = _form_token(client)

    response = client.post(
        "/creator/wallet/withdraw",
        data={"amount": "100", "request_token": form_token},
        headers={"Referer": "http://localhost/creator/wallet"},
    )

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your form expired" in page
    assert "Your form expired or was sent from elsewhere; go back, reload and try again." in page
    assert 'href="/creator/wallet"' in page  # back to the form, to reload it
    assert count(Withdrawal) == 0


# ---------------------------------------------------------------------------- a withdrawal


def test_another_creators_withdrawal_is_not_found(app_ctx, client, auth):
    owner = make_creator(balance=20_000)
    w = services.request_withdrawal(owner.id, 10_000, request_token=token())
    db.session.commit()
    _signed_in_creator(auth)

    assert client.get(f"/creator/withdrawals/{w.id}").status_code == 404
    assert client.get("/creator/withdrawals/999999").status_code == 404
    assert client.get(f"/creator/withdrawals/{2**70}").status_code == 404


def test_the_notice_link_and_the_page_show_a_rejection_and_its_reason(app_ctx, client, auth):
    creator = make_creator(balance=20_000)
    w = services.request_withdrawal(creator.id, 10_000, request_token=token())
    db.session.commit()
    services.reject(w.id, officer(), "The bank details look wrong")
    db.session.commit()
    auth.login(creator.email)

    page = client.get(f"/creator/withdrawals/{w.id}")  # the notices' link
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    assert 'data-status="rejected"' in html
    assert "The bank details look wrong" in html
    assert "The amount is back in your available balance." in html
    assert "Finance" in html  # officers are not named to the creator
    listing = client.get("/creator/withdrawals").get_data(as_text=True)
    assert f'data-withdrawal-id="{w.id}"' in listing


# ---------------------------------------------------------------------------- payout account


def test_connecting_the_simulated_account_opens_withdrawals(app_ctx, client, auth):
    creator = _signed_in_creator(auth, balance=20_000, last4=None)

    page = client.get("/creator/payout-account").get_data(as_text=True)
    assert "Simulated payouts: no real money moves." in page

    response = post_form(
        client,
        "/creator/payout-account",
        {
            "holder_name": "Cleo Creator",
            "routing_number": "110-000-000",
            "account_number": "000123456789",
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/creator/wallet")
    account = db.session.scalar(select(PayoutAccount).where(PayoutAccount.creator_id == creator.id))
    assert account is not None
    assert account.is_ready
    assert "6789" in account.display
    assert "000123456789" not in account.display
    assert "Payout account connected" in client.get("/creator/wallet").get_data(as_text=True)
    assert _withdraw(client, "100").status_code == 302


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("routing_number", "12345", "The routing number is 9 digits."),
        ("account_number", "12ab", "The account number is 4 to 17 digits."),
        ("holder_name", "", "Enter the account holder&#39;s name."),
    ],
)
def test_a_bad_bank_destination_is_refused(app_ctx, client, auth, field, value, message):
    creator = _signed_in_creator(auth, last4=None)
    data = {"holder_name": "Cleo", "routing_number": "110000000", "account_number": "123456789"}
    data[field] = value

    response = post_form(client, "/creator/payout-account", data)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert (
        db.session.scalar(select(PayoutAccount).where(PayoutAccount.creator_id == creator.id))
        is None
    )


@pytest.fixture
def stripe_payouts(app, stripe_stub: StripeStub, monkeypatch: pytest.MonkeyPatch) -> StripeStub:
    monkeypatch.setitem(app.config, "PAYOUT_PROVIDER", "stripe")
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_wallet")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", stripe_stub.url)
    monkeypatch.setitem(app.config, "STRIPE_MAX_NETWORK_RETRIES", 0)
    return stripe_stub


def test_connect_with_stripe_opens_onboarding_and_the_return_refreshes(
    app_ctx, client, auth, stripe_payouts
):
    creator = _signed_in_creator(auth, last4=None)

    page = client.get("/creator/payout-account").get_data(as_text=True)
    assert "Connect with Stripe" in page
    assert "Simulated payouts: no real money moves." not in page

    response = post_form(client, "/creator/payout-account/stripe")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://connect.stripe.test/setup/acct_")
    (link_call,) = stripe_payouts.calls("POST", "/v1/account_links")
    assert link_call.params["return_url"].endswith("/creator/payout-account/stripe/return")
    assert link_call.params["refresh_url"].endswith("/creator/payout-account/stripe/refresh")
    account = db.session.scalar(select(PayoutAccount).where(PayoutAccount.creator_id == creator.id))
    assert account is not None
    assert account.status == "pending"

    back = client.get("/creator/payout-account/stripe/return", follow_redirects=True)
    assert "Stripe says your account is pending" in back.get_data(as_text=True)

    stripe_payouts.objects[account.external_id].update(payouts_enabled=True, details_submitted=True)
    back = client.get("/creator/payout-account/stripe/return", follow_redirects=True)
    assert "Your Stripe account is ready" in back.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PayoutAccount, account.id).status == "ready"


def test_stripe_unreachable_answers_503_and_writes_nothing(app_ctx, client, auth, stripe_payouts):
    creator = _signed_in_creator(auth, last4=None)
    stripe_payouts.fail_next("server_error", "/v1/accounts")

    response = post_form(client, "/creator/payout-account/stripe")

    assert response.status_code == 503
    assert "not answering" in response.get_data(as_text=True)
    assert (
        db.session.scalar(select(PayoutAccount).where(PayoutAccount.creator_id == creator.id))
        is None
    )
