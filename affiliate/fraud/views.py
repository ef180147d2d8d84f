"""The finance fraud queue (``/finance/fraud``, finance officers with a second factor):
commissions the fraud rules held, oldest first, with why; release or reverse each (or the
ticked ones) with a reason. Reversing takes money back from a creator: it asks for a recent
step-up first. Views load, call one service, commit, flash and redirect; a refusal rolls back
and answers with its status (400 bad input, 404 unknown hold, 409 already decided).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.creators.attribution.models import Commission
from affiliate.fraud import queries, services
from affiliate.fraud.forms import BulkDecisionForm, DecisionForm, FilterForm
from affiliate.fraud.models import FraudRule
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.accounts.stepup import require_step_up, second_factor_gate
from core.exceptions import DomainError
from core.extensions import db
from core.web.pagination import page_arg
from core.web.refusals import refuse

bp = Blueprint("fraud", __name__, url_prefix="/finance/fraud")
bp.before_request(second_factor_gate(Role.FINANCE))


def _rule(filters: FilterForm) -> FraudRule | None:
    raw = filters.rule.data or ""
    if not raw:
        return None
    try:
        return FraudRule(raw)
    except ValueError:
        abort(400)


def _queue_page(status: int = 200, **forms: Any) -> ResponseReturnValue:
    filters = FilterForm(request.args)
    if not filters.validate():
        flash("That rule filter is unknown: showing every rule.", "warning")
        filters = FilterForm(formdata=None)
        status = max(status, 400)
    rule = _rule(filters)
    page = queries.queue(rule, page_arg())
    return (
        render_template(
            "fraud/queue.html",
            page=page,
            filters=filters,
            rule=rule,
            counts=queries.counts_by_rule(),
            form=forms.get("form") or DecisionForm(formdata=None),
            bulk_form=forms.get("bulk_form") or BulkDecisionForm(formdata=None),
            failed_hold=forms.get("failed_hold"),
        ),
        status,
    )


def _back() -> str:
    target = request.form.get("next", "")
    if target.startswith("/finance/fraud") and "//" not in target and "\\" not in target:
        return target
    return url_for("fraud.queue")


@bp.get("/")
@role_required(Role.FINANCE)
def queue() -> ResponseReturnValue:
    return _queue_page()


@bp.post("/<int:hold_id>/decide")
@role_required(Role.FINANCE)
def decide(hold_id: int) -> ResponseReturnValue:
    try:
        hold = services.fraud_hold(hold_id)
    except DomainError:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        errors = [*form.decision.errors, *form.reason.errors] or ["The form expired; try again."]
        flash(" ".join(errors), "danger")
        return _queue_page(400, form=form, failed_hold=hold_id)
    if form.decision.data == services.Decision.REVERSE and (step := require_step_up()):
        return step  # reversing takes money back: confirm it is you first
    order_id = db.session.get(Commission, hold.commission_id).order_id  # type: ignore[union-attr]
    try:
        decided = services.decide(hold, form.decision.data, form.reason.data, current_user.id)
    except DomainError as error:
        return refuse(error, page=lambda status: _queue_page(status, failed_hold=hold_id))
    db.session.commit()
    verb = "released" if decided is services.Decision.RELEASE else "reversed"
    flash(f"The commission on order #{order_id} is {verb}.", "success")
    return redirect(_back())


@bp.post("/decide-selected")
@role_required(Role.FINANCE)
def decide_selected() -> ResponseReturnValue:
    form = BulkDecisionForm()
    if not form.validate_on_submit():
        errors = [*form.ids.errors, *form.decision.errors, *form.reason.errors]
        flash(" ".join(errors) or "The form expired; try again.", "danger")
        return _queue_page(400, bulk_form=form)
    if form.decision.data == services.Decision.REVERSE and (step := require_step_up()):
        return step
    try:
        results = services.decide_many(
            form.ids.data, form.decision.data, form.reason.data, current_user.id
        )
    except DomainError as error:
        return refuse(error, page=lambda status: _queue_page(status, bulk_form=form))
    db.session.commit()
    done = [r for r in results if r.ok]
    refused = [r for r in results if not r.ok]
    verb = "Released" if form.decision.data == services.Decision.RELEASE else "Reversed"
    parts = [f"{verb} {len(done)}."] if done else []
    if refused:
        parts.append(
            f"{len(refused)} refused: "
            + "; ".join(f"hold #{r.hold_id}: {r.message}" for r in refused[:5])
        )
    flash(" ".join(parts), "warning" if refused else "success")
    return redirect(_back())
