"""Finance's dispute desk (``/finance/disputes``, finance officers only): open cases by oldest
deadline first, overdue ones marked; each case with its timeline and the decision form."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.disputes import decisions, parties, queries
from affiliate.disputes.forms import CommentForm, DecisionForm
from affiliate.disputes.models import Dispute, DisputeKind, DisputeState, Party
from affiliate.disputes.views import common
from core.accounts.authz import get_or_404, role_required
from core.accounts.models import Role
from core.accounts.stepup import second_factor_gate
from core.exceptions import DomainError
from core.extensions import db
from core.types import utcnow
from core.web.pagination import page_arg
from core.web.refusals import refuse

bp = Blueprint("finance_disputes", __name__, url_prefix="/finance")
bp.before_request(second_factor_gate(Role.FINANCE))  # a staff page, as the Finance centre


@bp.get("/disputes")
@role_required(Role.FINANCE)
def desk() -> ResponseReturnValue:
    kind = request.args.get("kind") or None
    state = request.args.get("state", DisputeState.OPEN.value) or None
    now = utcnow()
    return render_template(
        "disputes/finance_desk.html",
        cases=queries.finance_desk(kind, state, page_arg()),
        counts=queries.desk_counts(now),
        kinds=list(DisputeKind),
        states=list(DisputeState),
        kind=kind,
        state=state,
        now=now,
    )


def _page(
    dispute: Dispute,
    status: int = 200,
    comment_form: CommentForm | None = None,
    decision_form: DecisionForm | None = None,
) -> ResponseReturnValue:
    return common.case_page(
        dispute,
        Party.FINANCE,
        path=parties.finance_path(dispute),
        status=status,
        comment_form=comment_form,
        decision_form=decision_form,
    )


@bp.get("/disputes/<int:dispute_id>")
@role_required(Role.FINANCE)
def case(dispute_id: int) -> ResponseReturnValue:
    return _page(get_or_404(Dispute, dispute_id))


@bp.post("/disputes/<int:dispute_id>/comment")
@role_required(Role.FINANCE)
def comment(dispute_id: int) -> ResponseReturnValue:
    dispute = get_or_404(Dispute, dispute_id)
    return common.comment(dispute, Party.FINANCE, path=parties.finance_path(dispute), page=_page)


@bp.post("/disputes/<int:dispute_id>/decide")
@role_required(Role.FINANCE)
def decide(dispute_id: int) -> ResponseReturnValue:
    dispute = get_or_404(Dispute, dispute_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _page(dispute, status=400, decision_form=form)
    try:
        decisions.decide(
            dispute.id,
            officer_id=current_user.id,
            uphold=form.decision.data == "uphold",
            reason=form.reason.data or "",
        )
    except DomainError as error:
        return refuse(
            error, form=form, page=lambda status: _page(dispute, status=status, decision_form=form)
        )
    db.session.commit()
    flash(
        f"Case #{dispute.id} {dispute.dispute_state.label.lower()}; both sides were told.",
        "success",
    )
    return redirect(url_for("finance_disputes.case", dispute_id=dispute.id), 303)
