"""Step-up: money-moving changes ask the user to confirm it is them (a code, or the password
without an app) within the last ten minutes, then return to where they were."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun import freeze_time

from affiliate.payouts import services
from affiliate.payouts.models import PayoutAccount
from core.accounts.models import Role
from core.extensions import db
from tests.conftest import Auth, post_form
from tests.core.accounts.helpers import redirect_target
from tests.factories import make_user
from tests.payouts.helpers import make_creator, token
from tests.two_factor import code_at, step_up

T0 = datetime(2026, 3, 2, 10, 0, 15, tzinfo=UTC)
BANK = {"holder_name": "Cleo", "routing_number": "110000000", "account_number": "000123456789"}


def _connect(client):
    return post_form(client, "/creator/payout-account", BANK)


def _accounts() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count(PayoutAccount.id))) or 0


def test_connecting_a_payout_account_asks_to_confirm_first(app_ctx, client, auth):
    creator = make_creator(last4=None)
    auth.login(creator.email)
    client.get("/creator/payout-account")

    response = _connect(client)

    path, query = redirect_target(response)
    assert path == "/account/confirm"
    assert _accounts() == 0
    page = client.get(f"/account/confirm?next={query['next'][0]}").get_data(as_text=True)
    assert "Your password" in page  # no app: the password confirms


def test_after_confirming_the_change_goes_through_and_returns_to_the_page(app_ctx, client, auth):
    creator = make_creator(last4=None)
    auth.login(creator.email)

    response = post_form(
        client,
        "/account/confirm",
        {"password": "correct-horse-battery", "next": "/creator/payout-account"},
    )
    assert redirect_target(response)[0] == "/creator/payout-account"

    assert redirect_target(_connect(client))[0] == "/creator/wallet"
    assert _accounts() == 1


def test_a_wrong_password_confirms_nothing(app_ctx, client, auth):
    creator = make_creator(last4=None)
    auth.login(creator.email)

    response = post_form(client, "/account/confirm", {"password": "not-my-password"})

    assert response.status_code == 401
    assert redirect_target(_connect(client))[0] == "/account/confirm"


def test_a_confirmation_lasts_ten_minutes(app_ctx, client, auth):
    creator = make_creator(last4=None)
    with freeze_time(T0) as clock:
        auth.login(creator.email)
        step_up(client, creator.email)
        clock.tick(timedelta(minutes=10, seconds=1))

        response = _connect(client)

    assert redirect_target(response)[0] == "/account/confirm"
    assert _accounts() == 0


def test_signing_in_is_not_a_confirmation(app_ctx, client, auth):
    creator = make_creator(last4=None)
    auth.login(creator.email)  # just now, with the password

    assert redirect_target(_connect(client))[0] == "/account/confirm"


def test_an_unsafe_next_after_confirming_goes_to_the_account_page(app_ctx, client, auth):
    creator = make_creator(last4=None)
    auth.login(creator.email)

    response = post_form(
        client,
        "/account/confirm",
        {"password": "correct-horse-battery", "next": "//evil.example/steal"},
    )

    assert redirect_target(response)[0] == "/account"


def test_confirming_needs_a_signed_in_user(app_ctx, client):
    assert redirect_target(client.get("/account/confirm"))[0] == "/login"


def _request(amount: int):
    creator = make_creator(balance=amount + 10_000)
    w = services.request_withdrawal(creator.id, amount, request_token=token())
    db.session.commit()
    return w


def test_approving_above_the_four_eyes_threshold_asks_for_a_code(app_ctx, client, auth):
    big = _request(150_000)
    fin_email = "fin@example.com"
    make_user(Role.FINANCE, email=fin_email)
    Auth(client).login(fin_email)
    detail = f"/finance/withdrawals/{big.id}"
    client.get(detail)

    response = post_form(client, f"{detail}/approve", {"next": detail})

    path, query = redirect_target(response)
    assert path == "/account/confirm"
    assert query["next"] == [detail]
    page = client.get(f"/account/confirm?next={detail}").get_data(as_text=True)
    assert "Code from your authenticator app" in page
    confirmed = post_form(client, "/account/confirm", {"code": code_at(), "next": detail})
    assert redirect_target(confirmed)[0] == detail
    assert post_form(client, f"{detail}/approve").status_code == 302
    db.session.expire_all()
    assert len(db.session.get(type(big), big.id).approvals) == 1


def test_approving_below_the_threshold_needs_no_code(app_ctx, client, auth):
    small = _request(10_000)
    make_user(Role.FINANCE, email="fin@example.com")
    Auth(client).login("fin@example.com")

    response = post_form(client, f"/finance/withdrawals/{small.id}/approve")

    assert redirect_target(response)[0] == f"/finance/withdrawals/{small.id}"
    db.session.expire_all()
    assert db.session.get(type(small), small.id).status != "requested"


def test_bulk_approval_with_one_above_the_threshold_asks_for_a_code(app_ctx, client, auth):
    small, big = _request(10_000), _request(150_000)
    make_user(Role.FINANCE, email="fin@example.com")
    Auth(client).login("fin@example.com")

    response = post_form(
        client, "/finance/withdrawals/approve-selected", {"ids": [str(small.id), str(big.id)]}
    )

    assert redirect_target(response)[0] == "/account/confirm"
    db.session.expire_all()
    assert db.session.get(type(small), small.id).status == "requested"
