"""The seller's flat-fee pages: the offer on a targeted plan (``/seller/plans/<id>/flat-fee``)
and the review of submitted content (``/seller/flat-fees``).

Another store's plan or submission reads as missing (404); bad input answers 400 with the page
and the message, a step the state forbids (or a short balance) 409; nothing is half-written.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.creators.flatfees import jobs, notices, queries, services, submissions
from affiliate.creators.flatfees.forms import ConfirmForm, DeclineForm, OfferForm
from affiliate.creators.flatfees.loaders import get_plan_or_404, get_submission_or_404
from affiliate.plans.models import Plan, PlanKind
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.exceptions import DomainError
from core.extensions import db
from core.ledger import services as ledger
from core.ledger.models import AccountKind
from core.money import parse_amount
from core.types import utcnow
from core.web.pagination import page_arg
from core.web.refusals import refuse
from shop.catalog.models import Store
from shop.catalog.stores import get_store_for_owner

bp = Blueprint("flat_fees", __name__, url_prefix="/seller")

FORM_EXPIRED = "The form expired; try again."


def _store() -> Store | None:
    return get_store_for_owner(current_user.id)


def _plan(plan_id: int) -> tuple[Plan, Store]:
    store = _store()
    plan = get_plan_or_404(plan_id, store=store)
    assert store is not None
    return plan, store


def _offer_page(
    plan: Plan, store: Store, status: int = 200, form: OfferForm | None = None
) -> ResponseReturnValue:
    return (
        render_template(
            "flatfees/offer.html",
            plan=plan,
            store=store,
            panel=queries.offer_panel(plan, store.currency),
            form=form or OfferForm(formdata=None),
            confirm_form=ConfirmForm(formdata=None),
            balance=ledger.owner_balances(store.owner_id, store.currency).get(
                AccountKind.SELLER_RECEIVABLE, 0
            ),
            targeted=plan.kind == PlanKind.TARGETED.value,
        ),
        status,
    )


@bp.get("/plans/<int:plan_id>/flat-fee")
@role_required(Role.SELLER)
def offer(plan_id: int) -> ResponseReturnValue:
    plan, store = _plan(plan_id)
    return _offer_page(plan, store)


@bp.post("/plans/<int:plan_id>/flat-fee")
@role_required(Role.SELLER)
def set_offer(plan_id: int) -> ResponseReturnValue:
    plan, store = _plan(plan_id)
    form = OfferForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            flash(FORM_EXPIRED, "danger")
        return _offer_page(plan, store, 400, form)
    try:
        amount = parse_amount(form.amount.data or "", store.currency)
    except ValueError:
        form.amount.errors = [f"Enter an amount in {store.currency}, such as 50.00."]
        return _offer_page(plan, store, 400, form)
    data = services.OfferInput(amount, form.max_pieces.data or 0, form.review_days.data or 0)
    try:
        made = services.set_offer(plan, data, actor_id=current_user.id)
    except DomainError as error:
        return refuse(error, form=form, page=lambda status: _offer_page(plan, store, status, form))
    described = notices.describe(made)
    db.session.commit()
    flash(f"Flat fee offered: {described}.", "success")
    return redirect(url_for("flat_fees.offer", plan_id=plan.id))


@bp.post("/plans/<int:plan_id>/flat-fee/withdraw")
@role_required(Role.SELLER)
def withdraw(plan_id: int) -> ResponseReturnValue:
    plan, store = _plan(plan_id)
    if not ConfirmForm().validate_on_submit():
        flash(FORM_EXPIRED, "danger")
        return _offer_page(plan, store, 400)
    current = services.active_offer(plan.id)
    if current is None:
        flash("This plan has no flat fee to withdraw.", "info")
        return _offer_page(plan, store, 409)
    try:
        returned = services.withdraw_offer(current.id, actor_id=current_user.id)
    except DomainError as error:
        return refuse(error, page=lambda status: _offer_page(plan, store, status))
    db.session.commit()
    flash(
        f"Flat fee withdrawn; {returned} unused piece(s) went back to your balance. "
        "Content already submitted is still yours to review.",
        "success",
    )
    return redirect(url_for("flat_fees.offer", plan_id=plan.id))


# --- review ----------------------------------------------------------------------------------


def _review_page(store: Store | None, status: int = 200) -> ResponseReturnValue:
    if store is None:
        return render_template("flatfees/review.html", store=None), status
    return (
        render_template(
            "flatfees/review.html",
            store=store,
            rows=queries.review_list(store.id, page=page_arg()),
            totals=queries.totals(queries.store_offer_ids(store.id), store.currency),
            decline_form=DeclineForm(formdata=None),
            confirm_form=ConfirmForm(formdata=None),
            now=utcnow(),
            overdue=queries.is_overdue,
        ),
        status,
    )


@bp.get("/flat-fees")
@role_required(Role.SELLER)
def review() -> ResponseReturnValue:
    return _review_page(_store())


@bp.post("/flat-fees/<int:submission_id>/<any(approve, decline):decision>")
@role_required(Role.SELLER)
def decide(submission_id: int, decision: str) -> ResponseReturnValue:
    store = _store()
    submission = get_submission_or_404(submission_id, store=store)
    form = DeclineForm() if decision == "decline" else ConfirmForm()
    if not form.validate_on_submit():
        reason_errors = getattr(form, "reason", None)
        errors = list(reason_errors.errors) if reason_errors is not None else []
        flash(" ".join(errors) or FORM_EXPIRED, "danger")
        return _review_page(store, 400)
    try:
        if decision == "approve":
            submissions.approve(
                submission.id, actor_id=current_user.id, clearing_days=jobs.clearing_days()
            )
        else:
            submissions.decline(submission.id, form.reason.data, actor_id=current_user.id)
    except DomainError as error:
        return refuse(error, page=lambda status: _review_page(store, status))
    db.session.commit()
    if decision == "approve":
        flash("Approved: the fee is paid to the creator's pending balance.", "success")
    else:
        flash("Declined: the fee for that piece is back in your balance.", "info")
    return redirect(url_for("flat_fees.review"))
