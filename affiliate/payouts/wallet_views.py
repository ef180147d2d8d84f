"""The creator's wallet (``/creator/wallet``): balances, history, withdrawals and the payout
account.

Views parse, call one service, commit, flash and redirect. A refusal of the services (a
``DomainError``) goes through ``refuse``: the transaction is rolled back (nothing is written),
the reason flashed and the page answered with the refusal's status: 400 (bad input), 409 (not
in a state that allows it) or 503 (the provider is not answering). Another creator's
withdrawal answers 404, like a missing one.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.payouts import payout_accounts, providers, services
from affiliate.payouts.forms import ActionForm, PayoutAccountForm, WithdrawalForm
from affiliate.payouts.queries import wallet as wallet_queries
from affiliate.payouts.queries.withdrawals import get_withdrawal_or_404, timeline, timeline_label
from affiliate.payouts.rules import default_currency, fee_for, money_text, parse_withdrawal_amount
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.accounts.stepup import step_up_required
from core.exceptions import DomainError
from core.extensions import db
from core.money import CURRENCIES, minor_units
from core.web.pagination import page_arg
from core.web.refusals import refuse

bp = Blueprint("wallet", __name__, url_prefix="/creator")

HISTORY_PER_PAGE = 20
WITHDRAWALS_PER_PAGE = 20
RECENT_WITHDRAWALS = 5


@bp.context_processor
def _wallet_helpers() -> dict[str, Any]:
    return {"timeline_label": timeline_label}


# ---------------------------------------------------------------------------- the wallet


def _preview(form: WithdrawalForm, currency: str) -> tuple[int, int, int] | None:
    """Amount, fee and net of what the form holds, if it reads as an amount."""
    try:
        amount = parse_withdrawal_amount(form.amount.data or "", currency)
    except DomainError:
        return None
    return (amount, *fee_for(amount))


def _currency_arg(value: str | None) -> str:
    """The wallet's currency from the query string or the form: one of the platform's
    currencies (404 otherwise, like a page that does not exist); the default when absent."""
    if not value:
        return default_currency()
    currency = value.strip().upper()
    if currency not in CURRENCIES:
        abort(404)
    return currency


def _wallet_page(
    form: WithdrawalForm,
    status: int = 200,
    *,
    amount_refused: bool = False,
    currency: str | None = None,
) -> ResponseReturnValue:
    currency = currency or _currency_arg(request.args.get("currency"))
    wallet = wallet_queries.wallet(current_user.id, currency)
    currencies = wallet_queries.wallet_currencies(current_user.id)
    if currency not in currencies:
        currencies.append(currency)
    history = wallet_queries.wallet_history(
        current_user.id, currency=wallet.currency, page=page_arg(), per_page=HISTORY_PER_PAGE
    )
    recent = wallet_queries.withdrawals_of(current_user.id, per_page=RECENT_WITHDRAWALS)
    return (
        render_template(
            "payouts/wallet.html",
            wallet=wallet,
            currencies=currencies,
            history=history,
            recent=recent,
            form=form,
            preview=_preview(form, wallet.currency) if form.amount.data else None,
            amount_refused=amount_refused,
            minor_digits=minor_units(wallet.currency),
            locale=str(current_app.config["MONEY_LOCALE"]).replace("_", "-"),
            provider_label=payout_accounts.provider_label(),
        ),
        status,
    )


@bp.get("/wallet")
@role_required(Role.CREATOR)
def wallet() -> ResponseReturnValue:
    form = WithdrawalForm.fresh()
    form.currency.data = _currency_arg(request.args.get("currency"))
    return _wallet_page(form, currency=form.currency.data)


@bp.post("/wallet/withdraw")
@role_required(Role.CREATOR)
def withdraw() -> ResponseReturnValue:
    form = WithdrawalForm()
    currency = _currency_arg(form.currency.data)
    if not form.validate_on_submit():
        return _wallet_page(form, 400, currency=currency)
    token = form.request_token.data
    try:
        amount = parse_withdrawal_amount(form.amount.data, currency)
        already = wallet_queries.withdrawal_id_for_token(token)
        w = services.request_withdrawal(
            current_user.id, amount, request_token=token, currency=currency
        )
    except DomainError as error:
        refused = error.field == "amount"
        return refuse(
            error,
            page=lambda status: _wallet_page(
                form, status, amount_refused=refused, currency=currency
            ),
        )
    db.session.commit()
    if already is not None:
        flash("This request was already sent; here it is. Nothing was withdrawn twice.", "info")
    else:
        flash(
            f"Withdrawal of {money_text(w.amount, w.currency)} requested: you will receive "
            f"{money_text(w.net, w.currency)} after the {money_text(w.fee, w.currency)} fee. "
            "Finance reviews it next.",
            "success",
        )
    return redirect(url_for("wallet.withdrawal", withdrawal_id=w.id))


# ---------------------------------------------------------------------------- withdrawals


@bp.get("/withdrawals")
@role_required(Role.CREATOR)
def withdrawals() -> ResponseReturnValue:
    page = wallet_queries.withdrawals_of(
        current_user.id, page=page_arg(), per_page=WITHDRAWALS_PER_PAGE
    )
    return render_template("payouts/withdrawals.html", page=page)


@bp.get("/withdrawals/<int:withdrawal_id>")
@role_required(Role.CREATOR)
def withdrawal(withdrawal_id: int) -> ResponseReturnValue:
    w = get_withdrawal_or_404(withdrawal_id, owner=current_user, conceal=True)
    return render_template("payouts/withdrawal.html", w=w, events=timeline(w.id), creator_view=True)


# ---------------------------------------------------------------------------- payout account


def _account_page(form: PayoutAccountForm | None = None, status: int = 200) -> ResponseReturnValue:
    provider = providers.get_provider()
    if form is None:
        form = PayoutAccountForm(formdata=None)
        form.holder_name.data = current_user.display_name
    account = payout_accounts.payout_account_of(current_user.id)
    return (
        render_template(
            "payouts/payout_account.html",
            account=account,
            choices=payout_accounts.AccountChoices(account, provider),
            provider=provider,
            form=form,
            connect_form=ActionForm(),
        ),
        status,
    )


@bp.get("/payout-account")
@role_required(Role.CREATOR)
def payout_account() -> ResponseReturnValue:
    return _account_page()


@bp.post("/payout-account")
@role_required(Role.CREATOR)
@step_up_required  # a payout account decides where money goes: confirm it is you first
def connect_simulated() -> ResponseReturnValue:
    if not providers.get_provider().simulated:
        flash("Payouts go through Stripe here: use “Connect with Stripe”.", "warning")
        return _account_page(status=409)
    form = PayoutAccountForm()
    if not form.validate_on_submit():
        return _account_page(form, 400)
    try:
        account = payout_accounts.connect_payout_account(current_user.id, bank=form.bank_details())
    except DomainError as error:
        return refuse(error, page=lambda status: _account_page(form, status))
    db.session.commit()
    flash(f"Payout account connected: {account.display}. You can withdraw now.", "success")
    return redirect(url_for("wallet.wallet"))


def _onboarding_redirect() -> ResponseReturnValue:
    link = payout_accounts.onboarding_link(
        current_user.id,
        refresh_url=url_for("wallet.stripe_refresh", _external=True),
        return_url=url_for("wallet.stripe_return", _external=True),
    )
    db.session.commit()
    return redirect(link or url_for("wallet.payout_account"))


@bp.post("/payout-account/stripe")
@role_required(Role.CREATOR)
@step_up_required
def connect_stripe() -> ResponseReturnValue:
    if providers.get_provider().simulated:
        flash("Payouts are simulated here: enter a bank-like destination instead.", "warning")
        return _account_page(status=409)
    if not ActionForm().validate_on_submit():
        flash("The form expired; try again.", "danger")
        return _account_page(status=400)
    try:
        payout_accounts.connect_payout_account(current_user.id)
        return _onboarding_redirect()
    except DomainError as error:
        return refuse(error, page=lambda status: _account_page(status=status))


@bp.get("/payout-account/stripe/refresh")
@role_required(Role.CREATOR)
def stripe_refresh() -> ResponseReturnValue:
    """Stripe sends the creator here when an onboarding link expired: make a new one."""
    try:
        return _onboarding_redirect()
    except DomainError as error:
        return refuse(error, page=lambda status: _account_page(status=status))


@bp.get("/payout-account/stripe/return")
@role_required(Role.CREATOR)
def stripe_return() -> ResponseReturnValue:
    """Back from Stripe's onboarding: ask Stripe how the account stands now."""
    try:
        account = payout_accounts.refresh_status(current_user.id)
    except DomainError as error:
        return refuse(error, page=lambda status: _account_page(status=status))
    db.session.commit()
    if account.is_ready:
        flash("Your Stripe account is ready: you can withdraw.", "success")
    else:
        flash(
            f"Stripe says your account is {account.account_status.label.lower()}: "
            "finish the steps Stripe asks for, then come back.",
            "warning",
        )
    return redirect(url_for("wallet.payout_account"))
