"""Money in more than one currency: a creator's wallet per currency, each withdrawn on its own
with its own fee and minimum, finance totals per currency, and nothing ever converted."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import select

from affiliate.payouts import services
from affiliate.payouts.exceptions import InsufficientBalance, InvalidAmount, TaxDetailsRequired
from affiliate.payouts.models import Withdrawal
from affiliate.payouts.queries import reports, review
from affiliate.payouts.queries.wallet import wallet, wallet_currencies
from core.extensions import db
from core.ledger.checks import check_ledger
from tests.conftest import post_form
from tests.payouts.helpers import (
    balances,
    fund,
    make_creator,
    officer,
    reload,
    run_payout,
    token,
)


@pytest.fixture
def creator(app_ctx):
    """A creator with $50.00 and €80.00 available and a payout account."""
    creator = make_creator(balance=5_000)
    fund(creator.id, 8_000, currency="EUR")
    return creator


def test_each_currency_is_its_own_wallet(creator):
    assert wallet_currencies(creator.id) == ["USD", "EUR"]
    assert wallet(creator.id, "EUR").available == 8_000
    assert wallet(creator.id, "USD").available == 5_000


def test_the_default_currency_is_listed_even_without_money(app_ctx):
    assert wallet_currencies(make_creator().id) == ["USD"]


def test_a_euro_withdrawal_holds_euros_and_leaves_dollars_alone(creator):
    w = services.request_withdrawal(creator.id, 6_000, request_token=token(), currency="EUR")
    db.session.commit()
    assert (w.currency, w.amount, w.fee, w.net) == ("EUR", 6_000, 120, 5_880)
    assert w.fee + w.net == w.amount
    assert balances(creator.id, "EUR")["available"] == 2_000
    assert balances(creator.id, "EUR")["held"] == 6_000
    assert balances(creator.id)["available"] == 5_000


def test_a_withdrawal_cannot_draw_on_another_currencys_balance(creator):
    with pytest.raises(InsufficientBalance):
        services.request_withdrawal(creator.id, 6_000, request_token=token(), currency="USD")
    db.session.rollback()
    assert balances(creator.id)["available"] == 5_000


def test_the_minimum_applies_in_each_currency(creator):
    with pytest.raises(InvalidAmount, match=r"€10\.00"):
        services.request_withdrawal(creator.id, 999, request_token=token(), currency="EUR")


def test_a_paid_euro_withdrawal_books_its_fee_in_euros(creator):
    w = services.request_withdrawal(creator.id, 6_000, request_token=token(), currency="EUR")
    db.session.commit()
    services.approve(w.id, officer())
    run_payout(w.id)
    assert reload(w.id).status == "paid"
    assert balances(creator.id, "EUR")["fees"] == 120
    assert balances(creator.id, "USD")["fees"] == 0
    assert reports.totals("EUR").fees == 120
    assert reports.totals("USD").fees == 0
    assert check_ledger().ok


def test_the_wallet_page_offers_each_currency(creator, client, auth):
    auth.login(creator.email)
    page = client.get("/creator/wallet?currency=EUR").get_data(as_text=True)
    assert 'id="wallet-currencies"' in page
    assert "€80.00" in page
    assert 'name="currency" value="EUR"' in page


def test_the_wallet_refuses_an_unknown_currency(creator, client, auth):
    auth.login(creator.email)
    assert client.get("/creator/wallet?currency=XYZ").status_code == 404


def test_the_form_withdraws_from_the_chosen_currency(creator, client, auth):
    auth.login(creator.email)
    response = post_form(
        client,
        "/creator/wallet/withdraw",
        {"amount": "25.00", "currency": "EUR", "request_token": token()},
    )
    assert response.status_code == 302
    w = db.session.scalars(select(Withdrawal).where(Withdrawal.creator_id == creator.id)).one()
    assert (w.currency, w.amount) == ("EUR", 2_500)


def test_a_refused_euro_withdrawal_shows_the_euro_wallet_again(creator, client, auth):
    auth.login(creator.email)
    response = post_form(
        client,
        "/creator/wallet/withdraw",
        {"amount": "500", "currency": "EUR", "request_token": token()},
    )
    assert response.status_code == 400
    assert 'name="currency" value="EUR"' in response.get_data(as_text=True)


def test_finance_reads_each_currencys_totals_and_queue(creator, client, auth):
    services.request_withdrawal(creator.id, 2_000, request_token=token(), currency="EUR")
    services.request_withdrawal(creator.id, 3_000, request_token=token())
    db.session.commit()
    auth.login(officer().email)
    assert reports.currencies_in_use() == ["USD", "EUR"]
    home = client.get("/finance/?currency=EUR").get_data(as_text=True)
    assert 'id="finance-currencies"' in home
    euro_queue = client.get("/finance/withdrawals?currency=EUR").get_data(as_text=True)
    assert "€20.00" in euro_queue
    assert "$30.00" not in euro_queue
    dollar_queue = client.get("/finance/withdrawals").get_data(as_text=True)
    assert "$30.00" in dollar_queue
    assert "€20.00" not in dollar_queue
    assert 'id="finance-currencies"' in dollar_queue  # the switch, read with the counts
    assert 'href="/finance/withdrawals?currency=EUR"' in dollar_queue


def test_finance_pages_refuse_a_currency_nobody_uses(creator, client, auth):
    auth.login(officer().email)
    assert client.get("/finance/?currency=GBP").status_code == 404
    assert client.get("/finance/payouts?currency=nope").status_code == 404


# ---------------------------------------------------------------------------- per-currency amounts


def test_each_currency_has_its_own_minimum_in_its_own_minor_units(creator, monkeypatch):
    monkeypatch.setitem(creator_config(), "WITHDRAWAL_MIN_AMOUNTS", {"EUR": 2_500})
    with pytest.raises(InvalidAmount, match=r"€25\.00"):
        services.request_withdrawal(creator.id, 2_000, request_token=token(), currency="EUR")
    db.session.rollback()
    assert wallet(creator.id, "EUR").min_amount == 2_500
    assert wallet(creator.id, "USD").min_amount == 1_000


def test_a_currency_left_out_of_the_table_takes_the_plain_setting(creator, monkeypatch):
    monkeypatch.setitem(creator_config(), "WITHDRAWAL_MIN_AMOUNTS", {})
    assert wallet(creator.id, "EUR").min_amount == 1_000


def test_four_eyes_applies_at_each_currencys_own_threshold(creator, monkeypatch):
    monkeypatch.setitem(creator_config(), "FOUR_EYES_THRESHOLDS", {"EUR": 5_000})
    euro = services.request_withdrawal(creator.id, 6_000, request_token=token(), currency="EUR")
    dollar = services.request_withdrawal(creator.id, 4_000, request_token=token(), currency="USD")
    db.session.commit()
    assert euro.needs_two_approvals is True
    assert dollar.needs_two_approvals is False


def test_the_tax_threshold_is_read_in_the_withdrawals_currency(app_ctx, monkeypatch):
    creator = make_creator(balance=5_000, tax_details=False)
    fund(creator.id, 8_000, currency="EUR")
    monkeypatch.setitem(creator_config(), "TAX_DETAILS_THRESHOLDS", {"EUR": 5_000})
    with pytest.raises(TaxDetailsRequired, match=r"€50\.00"):
        services.request_withdrawal(creator.id, 6_000, request_token=token(), currency="EUR")
    db.session.rollback()
    w = services.request_withdrawal(creator.id, 4_000, request_token=token(), currency="USD")
    assert w.currency == "USD"


def creator_config():
    return current_app.config


def test_the_queue_reads_its_counts_and_currencies_at_once(creator):
    services.request_withdrawal(creator.id, 6_000, request_token=token(), currency="EUR")
    services.request_withdrawal(creator.id, 1_500, request_token=token())
    db.session.commit()
    for currency in ("USD", "EUR", "eur"):
        counts, codes = review.queue_counts(currency)
        assert counts == review.status_counts(currency)
        assert codes == reports.currencies_in_use() == ["USD", "EUR"]
