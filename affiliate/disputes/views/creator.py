"""The creator's cases (Creator centre): claim a missing commission, contest a reversal or
clawback, follow each of her cases, add to it, withdraw one's own."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from affiliate.disputes import claims, parties, queries, services
from affiliate.disputes.forms import ClaimForm, CommentForm, ContestForm
from affiliate.disputes.loaders import case_for_creator_or_404, commission_for_creator_or_404
from affiliate.disputes.models import Dispute, Party
from affiliate.disputes.views import common
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.exceptions import DomainError
from core.extensions import db
from core.money import format_money
from core.types import utcnow
from core.web.pagination import page_arg
from core.web.refusals import refuse
from shop.orders.models import OrderLine

bp = Blueprint("creator_disputes", __name__, url_prefix="/creator")


@bp.get("/disputes")
@role_required(Role.CREATOR)
def index() -> ResponseReturnValue:
    return render_template(
        "disputes/party_cases.html",
        side="creator",
        cases=queries.creator_cases(current_user.id, page_arg()),
        contestable=queries.contestable_reversals(current_user.id),
        now=utcnow(),
    )


def _page(
    dispute: Dispute, status: int = 200, comment_form: CommentForm | None = None
) -> ResponseReturnValue:
    return common.case_page(
        dispute,
        Party.CREATOR,
        path=parties.creator_path(dispute),
        status=status,
        comment_form=comment_form,
    )


@bp.get("/disputes/<int:dispute_id>")
@role_required(Role.CREATOR)
def case(dispute_id: int) -> ResponseReturnValue:
    return _page(case_for_creator_or_404(dispute_id, current_user.id))


@bp.post("/disputes/<int:dispute_id>/comment")
@role_required(Role.CREATOR)
def comment(dispute_id: int) -> ResponseReturnValue:
    dispute = case_for_creator_or_404(dispute_id, current_user.id)
    return common.comment(dispute, Party.CREATOR, path=parties.creator_path(dispute), page=_page)


@bp.post("/disputes/<int:dispute_id>/withdraw")
@role_required(Role.CREATOR)
def withdraw(dispute_id: int) -> ResponseReturnValue:
    dispute = case_for_creator_or_404(dispute_id, current_user.id)
    return common.withdraw(dispute, path=parties.creator_path(dispute), page=_page)


@bp.route("/disputes/claim", methods=["GET", "POST"])
@role_required(Role.CREATOR)
def claim() -> ResponseReturnValue:
    form = ClaimForm()
    contents, products = queries.claim_choices(current_user.id)
    form.content_id.choices = [SelectChoice(0, "Choose…")] + [SelectChoice(*c) for c in contents]
    form.product_id.choices = [SelectChoice(0, "Choose…")] + [SelectChoice(*p) for p in products]
    context: dict[str, Any] = {"side": "creator", "has_content": bool(contents)}
    if not form.is_submitted():
        return render_template("disputes/claim.html", form=form, **context)
    if not form.validate():
        return render_template("disputes/claim.html", form=form, **context), 400
    try:
        dispute = claims.open_missing_claim(
            creator_id=current_user.id,
            order_id=form.order_number.data,
            product_id=form.product_id.data,
            content_id=form.content_id.data,
            reason=form.reason.data or "",
            evidence=form.evidence.data or "",
            links=form.links.data or "",
        )
    except DomainError as error:
        return refuse(error, "disputes/claim.html", form=form, **context)
    db.session.commit()
    flash(
        f"Claim #{dispute.id} opened: finance answers by {dispute.answer_by:%d %b %Y}.", "success"
    )
    return redirect(url_for("creator_disputes.case", dispute_id=dispute.id), 303)


@bp.route("/commissions/<int:commission_id>/contest", methods=["GET", "POST"])
@role_required(Role.CREATOR)
def contest(commission_id: int) -> ResponseReturnValue:
    commission = commission_for_creator_or_404(commission_id, current_user.id)
    line = db.session.get(OrderLine, commission.order_line_id)
    form = ContestForm()
    context: dict[str, Any] = {
        "side": "creator",
        "commission": commission,
        "product_title": line.title if line else "",
        "amount": format_money(commission.reversed_amount, commission.currency),
    }
    if not form.is_submitted():
        return render_template("disputes/contest.html", form=form, **context)
    if not form.validate():
        return render_template("disputes/contest.html", form=form, **context), 400
    try:
        dispute = services.open_reversal_contest(
            commission.id,
            creator_id=current_user.id,
            reason=form.reason.data or "",
            evidence=form.evidence.data or "",
            links=form.links.data or "",
        )
    except DomainError as error:
        return refuse(error, "disputes/contest.html", form=form, **context)
    db.session.commit()
    flash(f"Case #{dispute.id} opened: finance answers by {dispute.answer_by:%d %b %Y}.", "success")
    return redirect(url_for("creator_disputes.case", dispute_id=dispute.id), 303)
