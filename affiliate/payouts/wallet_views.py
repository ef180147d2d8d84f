"""The creator's wallet (``/creator/wallet``): balances, history, withdrawals and the payout
account.

Views parse, call one service, commit, flash and redirect. A refusal of the services
(``PayoutError``) is flashed and answered 400 (bad input), 404 (no such withdrawal, or another
creator's), 409 (not in a state that allows it) or 503 (the provider is not answering), with
the transaction rolled back: nothing is written.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.payouts import page_queries, payout_accounts, providers, queries, services
from affiliate.payouts.exceptions import InsufficientBalance, InvalidAmount, PayoutError
from affiliate.payouts.forms import ActionForm, PayoutAccountForm, WithdrawalForm
from affiliate.payouts.pages import status_for, timeline_label
from affiliate.payouts.transitions import money_text
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.extensions import db
from core.money import minor_units
from core.web.pagination import page_arg

bp = Blueprint("wallet", __name__, url_prefix="/creator")

HISTORY_PER_PAGE = 20
WITHDRAWALS_PER_PAGE = 20
RECENT_WITHDRAWALS = 5


@bp.context_processor
def _wallet_helpers() -> dict[str, Any]:
    return {"timeline_label": timeline_label}


def _refuse(error: PayoutError) -> int:
    """Undo whatever the refused call began and tell the creator why; the status to answer."""
    db.session.rollback()
    flash(str(error), "danger")
    return status_for(error)


# ---------------------------------------------------------------------------- the wallet


def _preview(form: WithdrawalForm, currency: str) -> tuple[int, int, int] | None:
    """Amount, fee and net of what the form holds, if it reads as an amount."""
    try:
        amount = services.parse_withdrawal_amount(form.amount.data or "", currency)
    except PayoutError:
        return None
    return (amount, *services.fee_for(amount))


def _wallet_page(
    form: WithdrawalForm, status: int = 200, *, amount_refused: bool = False
) -> ResponseReturnValue:
    wallet = queries.wallet(current_user.id)
    history = queries.wallet_history(
        current_user.id, currency=wallet.currency, page=page_arg(), per_page=HISTORY_PER_PAGE
    )
    recent = queries.withdrawals_of(current_user.id, per_page=RECENT_WITHDRAWALS)
    return (
        render_template(
            "payouts/wallet.html",
            wallet=wallet,
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
    return _wallet_page(WithdrawalForm.fresh())


@bp.post("/wallet/withdraw")
@role_required(Role.CREATOR)
def withdraw() -> ResponseReturnValue:
    form = WithdrawalForm()
    if not form.validate_on_submit():
        return _wallet_page(form, 400)
    token = form.request_token.data
    try:
        amount = services.parse_withdrawal_amount(form.amount.data)
        already = page_queries.withdrawal_id_for_token(token)
        w = services.request_withdrawal(current_user.id, amount, request_token=token)
    except PayoutError as error:
        status = _refuse(error)
        refused = isinstance(error, InvalidAmount | InsufficientBalance)
        return _wallet_page(form, status, amount_refused=refused)
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
    page = queries.withdrawals_of(current_user.id, page=page_arg(), per_page=WITHDRAWALS_PER_PAGE)
    return render_template("payouts/withdrawals.html", page=page)


@bp.get("/withdrawals/<int:withdrawal_id>")
@role_required(Role.CREATOR)
def withdrawal(withdrawal_id: int) -> ResponseReturnValue:
    try:
        w = queries.withdrawal_for_creator(current_user.id, withdrawal_id)
    except PayoutError:
        abort(404)  # another creator's is as good as none
    return render_template(
        "payouts/withdrawal.html", w=w, events=queries.timeline(w.id), creator_view=True
    )


# ---------------------------------------------------------------------------- payout account


def _account_page(form: PayoutAccountForm | None = None, status: int = 200) -> ResponseReturnValue:
    provider = providers.get_provider()
    if form is None:
        form = PayoutAccountForm(formdata=None)
        form.holder_name.data = current_user.display_name
    return (
        render_template(
            "payouts/payout_account.html",
            account=payout_accounts.payout_account_of(current_user.id),
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
def connect_simulated() -> ResponseReturnValue:
    if not providers.get_provider().simulated:
        flash("Payouts go through Stripe here: use “Connect with Stripe”.", "warning")
        return _account_page(status=409)
    form = PayoutAccountForm()
    if not form.validate_on_submit():
        return _account_page(form, 400)
    try:
        account = payout_accounts.connect_payout_account(current_user.id, bank=form.bank_details())
    except PayoutError as error:
        return _account_page(form, _refuse(error))
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
    except PayoutError as error:
        return _account_page(status=_refuse(error))


@bp.get("/payout-account/stripe/refresh")
@role_required(Role.CREATOR)
def stripe_refresh() -> ResponseReturnValue:
    """Stripe sends the creator here when an onboarding link expired: make a new one."""
    try:
        return _onboarding_redirect()
    except PayoutError as error:
        return _account_page(status=_refuse(error))


@bp.get("/payout-account/stripe/return")
@role_required(Role.CREATOR)
def stripe_return() -> ResponseReturnValue:
    """Back from Stripe's onboarding: ask Stripe how the account stands now."""
    try:
        account = payout_accounts.refresh_status(current_user.id)
    except PayoutError as error:
        return _account_page(status=_refuse(error))
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
