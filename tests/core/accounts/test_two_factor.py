"""Two-factor sign-in: TOTP codes (RFC 6238) with a frozen clock, recovery codes, remembered
devices, enrolment required before the Finance centre, and throttled wrong codes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from core.accounts import twofactor
from core.accounts.models import Role, User
from core.accounts.security_models import RecoveryCode, TwoFactor
from core.extensions import db
from tests.conftest import Auth, post_form
from tests.core.accounts.helpers import create_user, is_signed_in, redirect_target
from tests.two_factor import TEST_TOTP_SECRET, code_at, enrol, remembered_device_cookie

EMAIL = "fin@example.com"
# A moment in the middle of a 30-second step (tests move from it by whole steps).
T0 = datetime(2026, 3, 2, 10, 0, 15, tzinfo=UTC)
STEP = timedelta(seconds=30)


def sign_in_with_password(client, email: str = EMAIL):
    return Auth(client).login(email, second_factor=False)


def enter_code(client, code: str, **extra):
    return post_form(client, "/login/two-factor", {"code": code, **extra})


@pytest.fixture
def officer(app) -> int:
    """A finance officer with an authenticator app on ``TEST_TOTP_SECRET``."""
    user_id = create_user(app, Role.FINANCE, email=EMAIL)
    enrol(app, EMAIL)
    return user_id


# ---------------------------------------------------------------------------- TOTP itself


@pytest.mark.parametrize(
    ("unix_time", "code"),
    [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_codes_match_the_rfc_6238_test_vectors(unix_time, code):
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert twofactor.code_at(secret, datetime.fromtimestamp(unix_time, UTC)) == code


@pytest.mark.parametrize(("offset", "accepted"), [(-2, False), (-1, True), (0, True), (1, True)])
def test_a_code_is_accepted_one_step_either_side_and_no_further(offset, accepted):
    code = twofactor.code_at(TEST_TOTP_SECRET, T0 + offset * STEP)
    found = twofactor.matching_step(TEST_TOTP_SECRET, code, at=T0)
    assert (found is not None) is accepted


def test_the_window_edge_is_the_step_boundary_not_the_code_moment():
    boundary = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)  # a step starts here
    old = twofactor.code_at(TEST_TOTP_SECRET, boundary - STEP - timedelta(seconds=1))
    assert twofactor.matching_step(TEST_TOTP_SECRET, old, at=boundary - timedelta(seconds=1))
    assert twofactor.matching_step(TEST_TOTP_SECRET, old, at=boundary) is None


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_match_nothing(bad):
    assert twofactor.matching_step(TEST_TOTP_SECRET, bad, at=T0) is None


def test_a_new_secret_is_160_bits_of_base32():
    secret = twofactor.new_secret()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert secret != twofactor.new_secret()


# ---------------------------------------------------------------------------- signing in


def test_an_enrolled_account_is_asked_for_a_code_after_the_password(app, client, officer):
    response = sign_in_with_password(client)

    assert redirect_target(response)[0] == "/login/two-factor"
    assert not is_signed_in(client)


@freeze_time(T0)
def test_the_right_code_signs_in_and_lands_on_the_role_page(app, client, officer):
    sign_in_with_password(client)

    response = enter_code(client, code_at(T0))

    assert redirect_target(response)[0] == "/finance/"
    assert client.get("/finance/").status_code == 200


@freeze_time(T0)
def test_a_wrong_code_is_refused_and_signs_nobody_in(app, client, officer):
    sign_in_with_password(client)
    wrong = "000000" if code_at(T0) != "000000" else "111111"

    response = enter_code(client, wrong)

    assert response.status_code == 401
    assert "That code is not right" in response.get_data(as_text=True)
    assert not is_signed_in(client)


@freeze_time(T0)
def test_a_code_is_never_accepted_twice(app, client, officer):
    sign_in_with_password(client)
    assert enter_code(client, code_at(T0)).status_code == 302

    other = app.test_client()
    sign_in_with_password(other)
    response = enter_code(other, code_at(T0))

    assert response.status_code == 401
    assert not is_signed_in(other)


def test_an_earlier_code_is_refused_once_a_later_one_was_used(app, client, officer):
    with freeze_time(T0):
        sign_in_with_password(client)
        assert enter_code(client, code_at(T0 + STEP)).status_code == 302
        other = app.test_client()
        sign_in_with_password(other)
        assert enter_code(other, code_at(T0)).status_code == 401


def test_the_code_step_expires_after_five_minutes(app, client, officer):
    with freeze_time(T0) as clock:
        sign_in_with_password(client)
        clock.tick(timedelta(minutes=6))
        response = enter_code(client, code_at(T0 + timedelta(minutes=6)))

    assert redirect_target(response)[0] == "/login"
    assert not is_signed_in(client)


def test_the_code_page_without_a_password_first_sends_to_sign_in(app, client):
    assert redirect_target(client.get("/login/two-factor"))[0] == "/login"


def test_five_wrong_codes_make_the_account_wait(app, client, officer):
    # The real clock: the limiter's in-memory windows do not run under freezegun.
    sign_in_with_password(client)
    for _ in range(5):
        assert enter_code(client, "12345x").status_code == 401

    assert enter_code(client, code_at()).status_code == 429
    assert not is_signed_in(client)


# ---------------------------------------------------------------------------- recovery codes


def _enable_through_the_pages(client, moment: datetime) -> tuple[list[str], str]:
    """Set up an app through the pages; the recovery codes shown and the secret."""
    client.get("/account/two-factor/setup")
    page = client.get("/account/two-factor/setup").get_data(as_text=True)
    secret = re.search(r"data-secret>([A-Z2-7 ]+)<", page).group(1).replace(" ", "")
    response = post_form(
        client, "/account/two-factor/setup", {"code": twofactor.code_at(secret, moment)}
    )
    assert response.status_code == 200, response.status_code
    assert response.headers["Cache-Control"] == "no-store"
    codes = re.findall(r'<li class="col mb-2">([a-z0-9-]+)</li>', response.get_data(as_text=True))
    return codes, secret


@freeze_time(T0)
def test_a_recovery_code_signs_in_once(app, client):
    create_user(app, Role.BUYER, email="buyer@example.com")
    Auth(client).login("buyer@example.com")
    codes, _ = _enable_through_the_pages(client, T0)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    Auth(client).logout()

    first = app.test_client()
    sign_in_with_password(first, "buyer@example.com")
    assert redirect_target(enter_code(first, codes[0].upper()))[0] == "/"
    assert is_signed_in(first)

    second = app.test_client()
    sign_in_with_password(second, "buyer@example.com")
    assert enter_code(second, codes[0]).status_code == 401
    assert not is_signed_in(second)


def test_recovery_codes_are_stored_hashed(app, client):
    with freeze_time(T0):
        create_user(app, Role.BUYER, email="buyer@example.com")
        Auth(client).login("buyer@example.com")
        codes, _ = _enable_through_the_pages(client, T0)
    with app.app_context():
        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not set(codes) & set(stored)
    assert all(len(h) == 64 for h in stored)


# ---------------------------------------------------------------------------- remembered devices


def _remembered_sign_in(app, client, moment: datetime):
    with freeze_time(moment):
        sign_in_with_password(client)
        return enter_code(client, code_at(moment), remember_device="y")


def test_a_remembered_device_skips_the_code_for_30_days(app, client, officer):
    response = _remembered_sign_in(app, client, T0)
    cookie = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("yc_2fa_device=") and "HttpOnly" in c for c in cookie)
    value = client.get_cookie("yc_2fa_device").value
    Auth(client).logout()

    later = app.test_client()
    later.set_cookie("yc_2fa_device", value)
    with freeze_time(T0 + timedelta(days=29)):
        response = sign_in_with_password(later)
        assert redirect_target(response)[0] == "/finance/"
        assert later.get("/finance/").status_code == 200


def test_a_remembered_device_is_asked_again_after_30_days(app, client, officer):
    _remembered_sign_in(app, client, T0)
    value = client.get_cookie("yc_2fa_device").value

    later = app.test_client()
    later.set_cookie("yc_2fa_device", value)  # the browser kept it: the server decides
    with freeze_time(T0 + timedelta(days=31)):
        response = sign_in_with_password(later)

    assert redirect_target(response)[0] == "/login/two-factor"


@pytest.mark.parametrize("tamper", ["flip", "other-user", "garbage"])
def test_a_tampered_remember_cookie_is_ignored(app, client, officer, tamper):
    create_user(app, Role.FINANCE, email="other@example.com")
    if tamper == "flip":
        value = remembered_device_cookie(app, EMAIL)
        value = value[:-2] + ("AA" if value[-2:] != "AA" else "BB")
    elif tamper == "other-user":
        value = remembered_device_cookie(app, "other@example.com")
    else:
        value = "not-a-cookie"
    client.set_cookie("yc_2fa_device", value)

    response = sign_in_with_password(client)

    assert redirect_target(response)[0] == "/login/two-factor"


def test_forgetting_devices_revokes_every_remember_cookie(app, client, officer):
    value = remembered_device_cookie(app, EMAIL)
    client.set_cookie("yc_2fa_device", value)
    assert redirect_target(sign_in_with_password(client))[0] == "/finance/"

    assert post_form(client, "/account/two-factor/forget-devices").status_code == 303
    other = app.test_client()
    other.set_cookie("yc_2fa_device", value)

    assert redirect_target(sign_in_with_password(other))[0] == "/login/two-factor"


# ---------------------------------------------------------------------------- required for staff


def test_a_finance_officer_is_sent_to_enrol_before_the_finance_centre(app, client):
    create_user(app, Role.FINANCE, email=EMAIL)
    sign_in_with_password(client)

    path, query = redirect_target(client.get("/finance/withdrawals"))

    assert path == "/account/two-factor/setup"
    assert query["next"] == ["/finance/withdrawals"]
    assert is_signed_in(client)  # the account page stays open


def test_an_admin_is_sent_to_enrol_before_the_admin_area(app, client):
    create_user(app, Role.ADMIN, email="root@example.com")
    sign_in_with_password(client, "root@example.com")

    assert redirect_target(client.get("/admin/"))[0] == "/account/two-factor/setup"


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (Role.FINANCE, "/finance/refunds"),
        (Role.FINANCE, "/finance/tax-year.csv"),
        (Role.ADMIN, "/admin/reviews"),
        (Role.ADMIN, "/admin/message-reports"),
    ],
)
def test_staff_pages_served_by_other_packages_ask_for_the_second_factor_too(
    app, client, role, path
):
    create_user(app, role, email="staff@example.com")
    sign_in_with_password(client, "staff@example.com")

    target, query = redirect_target(client.get(path))

    assert target == "/account/two-factor/setup"
    assert query["next"] == [path]


@freeze_time(T0)
def test_enrolling_opens_the_finance_centre(app, client):
    create_user(app, Role.FINANCE, email=EMAIL)
    sign_in_with_password(client)
    page = client.get("/account/two-factor/setup?next=/finance/").get_data(as_text=True)
    assert "<svg" in page  # the QR code, inline
    assert 'name="next" type="hidden" value="/finance/"' in page

    codes, _ = _enable_through_the_pages(client, T0)

    assert len(codes) == 10
    assert client.get("/finance/").status_code == 200


@freeze_time(T0)
def test_a_wrong_code_at_enrolment_turns_nothing_on(app, client):
    create_user(app, Role.FINANCE, email=EMAIL)
    sign_in_with_password(client)
    client.get("/account/two-factor/setup")

    response = post_form(client, "/account/two-factor/setup", {"code": "12345x"})

    assert response.status_code == 400
    with app.app_context():
        enrolment = db.session.scalar(select(TwoFactor))
        assert enrolment is not None
        assert not enrolment.enabled
    assert redirect_target(client.get("/finance/"))[0] == "/account/two-factor/setup"


@freeze_time(T0)
def test_an_enrolled_officer_without_a_code_this_session_is_asked_for_one(app, client, officer):
    # A session that began before the app was set up (here: enrolled behind its back).
    with app.app_context():
        db.session.execute(db.delete(TwoFactor))
        db.session.commit()
    sign_in_with_password(client)
    enrol(app, EMAIL)

    path, _ = redirect_target(client.get("/finance/"))
    assert path == "/account/confirm"
    post_form(client, "/account/confirm", {"code": code_at(T0), "next": "/finance/"})
    assert client.get("/finance/").status_code == 200


def test_staff_cannot_turn_two_factor_off(app, client, officer):
    with freeze_time(T0):
        sign_in_with_password(client)
        enter_code(client, code_at(T0))
        response = post_form(
            client, "/account/two-factor/disable", {"disable-code": code_at(T0 + STEP)}
        )
    assert response.status_code == 409
    with app.app_context():
        assert twofactor.is_enabled(db.session.scalar(select(User.id)))


@freeze_time(T0)
def test_a_buyer_turns_two_factor_off_with_a_code(app, client):
    create_user(app, Role.BUYER, email="buyer@example.com")
    Auth(client).login("buyer@example.com")
    _, secret = _enable_through_the_pages(client, T0)

    wrong = post_form(client, "/account/two-factor/disable", {"disable-code": "000000"})
    assert wrong.status_code == 401
    right = post_form(
        client,
        "/account/two-factor/disable",
        {"disable-code": twofactor.code_at(secret, T0 + STEP)},
    )

    assert right.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(TwoFactor)) is None
        assert db.session.scalar(select(RecoveryCode)) is None


# ---------------------------------------------------------------------------- the command line


def test_the_code_command_prints_what_an_app_would_show(app):
    with freeze_time(T0):
        result = app.test_cli_runner().invoke(args=["two-factor", "code", TEST_TOTP_SECRET])
    assert result.output.strip() == code_at(T0)


def test_the_reset_command_turns_two_factor_off_and_ends_sessions(app, client, officer):
    Auth(client).login(EMAIL)
    assert is_signed_in(client)

    result = app.test_cli_runner().invoke(args=["two-factor", "reset", EMAIL])

    assert result.exit_code == 0, result.output
    assert not is_signed_in(client)
    with app.app_context():
        assert db.session.scalar(select(TwoFactor)) is None
