"""Payout safety: a changed payout account pauses new withdrawals for the cool-down and tells
the creator; a withdrawal that takes the year's payouts past the threshold needs tax details
first; finance exports the yearly totals per creator."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from affiliate.payouts import services, tax
from affiliate.payouts.exceptions import (
    InvalidTaxDetails,
    PayoutAccountCoolingDown,
    TaxDetailsRequired,
)
from affiliate.payouts.models import Withdrawal
from core.audit.models import AuditEvent
from core.extensions import db
from core.notifications.models import Notification
from core.types import utcnow
from tests.conftest import post_form
from tests.payouts.helpers import (
    balances,
    connect,
    count,
    give_tax_details,
    make_creator,
    officer,
    run_payout,
    token,
)

GOOD_DETAILS = {
    "legal_name": "Cleo Creator",
    "tax_id_kind": "ssn",
    "tax_id": "123-45-6789",
    "country": "US",
    "certified": "y",
    "signature": "Cleo Creator",
}


# ---------------------------------------------------------------------------- the cool-down


def test_a_first_payout_account_opens_withdrawals_at_once(app_ctx):
    creator = make_creator(balance=5_000)

    w = services.request_withdrawal(creator.id, 2_000, request_token=token())

    assert w.status == "requested"


def test_changing_the_payout_account_pauses_new_withdrawals(app_ctx):
    creator = make_creator(balance=5_000)
    connect(creator, "4321")

    with pytest.raises(PayoutAccountCoolingDown, match="changed recently"):
        services.request_withdrawal(creator.id, 2_000, request_token=token())
    db.session.rollback()
    assert count(Withdrawal) == 0
    assert balances(creator.id)["available"] == 5_000


def test_withdrawals_open_again_after_the_cool_down(app_ctx):
    creator = make_creator(balance=5_000)
    connect(creator, "4321")
    later = utcnow() + timedelta(hours=48, minutes=1)

    with freeze_time(later):
        w = services.request_withdrawal(creator.id, 2_000, request_token=token())

    assert w.status == "requested"


def test_the_cool_down_lasts_as_long_as_configured(app, app_ctx):
    app.config["PAYOUT_ACCOUNT_COOLDOWN_HOURS"] = 2
    creator = make_creator(balance=5_000)
    connect(creator, "4321")

    with freeze_time(utcnow() + timedelta(hours=1)), pytest.raises(PayoutAccountCoolingDown):
        services.request_withdrawal(creator.id, 2_000, request_token=token())
    db.session.rollback()
    with freeze_time(utcnow() + timedelta(hours=2, seconds=1)):
        assert services.request_withdrawal(creator.id, 2_000, request_token=token())


def test_a_change_is_told_to_the_creator_and_audited(app_ctx):
    creator = make_creator()
    connect(creator, "4321")

    notice = db.session.scalars(
        select(Notification).where(Notification.kind == "payout_account.changed")
    ).one()
    assert notice.user_id == creator.id
    assert "6789" in notice.message
    assert "4321" in notice.message
    assert "If you did not make this change" in notice.message
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "payout_account_changed")
    ).one()
    assert event.actor_id == creator.id


def test_a_withdrawal_requested_before_the_change_still_goes_through(app_ctx):
    creator = make_creator(balance=5_000)
    w = services.request_withdrawal(creator.id, 2_000, request_token=token())
    db.session.commit()
    connect(creator, "4321")

    services.approve(w.id, officer())
    db.session.commit()
    run_payout(w.id)

    assert db.session.get(Withdrawal, w.id).status == "paid"


def test_the_wallet_shows_when_withdrawals_open_again(app_ctx, client, auth):
    creator = make_creator(balance=5_000)
    connect(creator, "4321")
    auth.login(creator.email)

    page = client.get("/creator/wallet").get_data(as_text=True)

    assert "Your payout account changed recently" in page
    assert "<fieldset disabled" in page


def test_a_request_in_the_cool_down_is_refused_with_409(app_ctx, client, auth):
    creator = make_creator(balance=5_000)
    connect(creator, "4321")
    auth.login(creator.email)

    response = post_form(
        client, "/creator/wallet/withdraw", {"amount": "20", "request_token": token()}
    )

    assert response.status_code == 409
    assert "new withdrawals open on" in response.get_data(as_text=True)
    assert count(Withdrawal) == 0


# ---------------------------------------------------------------------------- tax details


def test_withdrawals_up_to_the_threshold_need_no_tax_details(app_ctx):
    creator = make_creator(balance=100_000, tax_details=False)

    services.request_withdrawal(creator.id, 40_000, request_token=token())
    services.request_withdrawal(creator.id, 20_000, request_token=token())

    assert count(Withdrawal) == 2


def test_the_withdrawal_that_passes_the_threshold_asks_for_tax_details(app_ctx):
    creator = make_creator(balance=100_000, tax_details=False)
    services.request_withdrawal(creator.id, 40_000, request_token=token())
    db.session.commit()

    with pytest.raises(TaxDetailsRequired, match=r"\$600\.00"):
        services.request_withdrawal(creator.id, 20_001, request_token=token())
    db.session.rollback()
    assert count(Withdrawal) == 1


def test_rejected_withdrawals_do_not_count_toward_the_threshold(app_ctx):
    creator = make_creator(balance=100_000, tax_details=False)
    first = services.request_withdrawal(creator.id, 50_000, request_token=token())
    db.session.commit()
    services.reject(first.id, officer(), "Not this time, please.")
    db.session.commit()

    services.request_withdrawal(creator.id, 50_000, request_token=token())

    assert tax.year_payouts(creator.id, "USD", utcnow().year) == 50_000


def test_last_years_payouts_do_not_count_this_year(app_ctx):
    creator = make_creator(balance=100_000, tax_details=False)
    last_year = utcnow().replace(month=6, day=15) - timedelta(days=366)
    with freeze_time(last_year):
        services.request_withdrawal(creator.id, 50_000, request_token=token())
        db.session.commit()

    services.request_withdrawal(creator.id, 50_000, request_token=token())

    assert count(Withdrawal) == 2


def test_with_tax_details_on_file_there_is_no_limit(app_ctx):
    creator = make_creator(balance=100_000, tax_details=False)
    give_tax_details(creator)

    services.request_withdrawal(creator.id, 90_000, request_token=token())

    assert count(Withdrawal) == 1


def test_the_tax_form_saves_the_details_and_masks_the_number(app_ctx, client, auth):
    creator = make_creator(tax_details=False)
    auth.login(creator.email)

    response = post_form(client, "/creator/tax", GOOD_DETAILS)

    assert response.status_code == 302
    profile = tax.tax_profile_of(creator.id)
    assert (profile.tax_id, profile.country, profile.signature) == (
        "123456789",
        "US",
        "Cleo Creator",
    )
    page = client.get("/creator/tax").get_data(as_text=True)
    assert "•••• 6789" in page
    assert "123456789" not in page
    assert "123-45-6789" not in page
    assert (
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "tax_details_given"))
        .one()
        .actor_id
        == creator.id
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("legal_name", "", "Enter your legal name."),
        ("tax_id", "12", "A tax number is 4 to 32 letters and digits."),
        ("tax_id", "12345", "An SSN, EIN or ITIN has 9 digits."),
        ("tax_id_kind", "passport", "Not a valid choice"),
        ("country", "ZZ", "Not a valid choice"),
        ("certified", "", "Tick the statement to sign it."),
        ("signature", "Someone Else", "Sign by typing your legal name exactly as above."),
    ],
)
def test_bad_tax_details_are_refused_and_write_nothing(
    app_ctx, client, auth, field, value, message
):
    creator = make_creator(tax_details=False)
    auth.login(creator.email)

    response = post_form(client, "/creator/tax", {**GOOD_DETAILS, field: value})

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert tax.tax_profile_of(creator.id) is None


def test_tax_details_are_refused_without_the_signed_statement_in_the_service(app_ctx):
    creator = make_creator(tax_details=False)
    details = tax.TaxDetails("Cleo Creator", "ein", "12-3456789", "US", "Cleo Creator", False)

    with pytest.raises(InvalidTaxDetails, match="Tick the statement"):
        tax.save_tax_details(creator.id, details)


def test_the_tax_page_is_for_creators_only(app_ctx, client, auth):
    finance = officer()
    auth.login(finance.email)

    assert client.get("/creator/tax").status_code == 403


# ---------------------------------------------------------------------------- the yearly export


def _paid(creator, amount: int) -> Withdrawal:
    w = services.request_withdrawal(creator.id, amount, request_token=token())
    db.session.commit()
    services.approve(w.id, officer())
    db.session.commit()
    run_payout(w.id)
    return db.session.get(Withdrawal, w.id)


def test_the_yearly_export_totals_each_creators_paid_withdrawals(app_ctx, client, auth):
    cleo = make_creator(balance=20_000)
    other = make_creator(balance=20_000, last4="4444", tax_details=False)
    _paid(cleo, 10_000)
    _paid(cleo, 5_000)
    _paid(other, 3_000)
    services.request_withdrawal(other.id, 2_000, request_token=token())  # not paid: left out
    db.session.commit()
    auth.login(officer().email)

    response = client.get(f"/finance/tax-year.csv?year={utcnow().year}")

    assert response.status_code == 200
    rows = {
        row["email"]: row for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    }
    assert rows[cleo.email]["withdrawals_paid"] == "2"
    assert (rows[cleo.email]["gross_paid"], rows[cleo.email]["fees"]) == ("150.00", "3.00")
    assert rows[cleo.email]["net_paid"] == "147.00"
    assert (rows[cleo.email]["tax_id_last4"], rows[cleo.email]["country"]) == ("6789", "US")
    assert rows[other.email]["gross_paid"] == "30.00"
    assert rows[other.email]["legal_name"] == ""


def test_the_yearly_export_refuses_a_bad_year(app_ctx, client, auth):
    auth.login(officer().email)

    for year in ("abc", "1999", str(utcnow().year + 1)):
        assert client.get(f"/finance/tax-year.csv?year={year}").status_code == 400


def test_the_yearly_export_is_for_finance_only(app_ctx, client, auth):
    creator = make_creator()
    auth.login(creator.email)

    assert client.get(f"/finance/tax-year.csv?year={utcnow().year}").status_code == 403
