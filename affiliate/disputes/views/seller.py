"""The seller's cases (Seller centre): contest a pending commission of the store's affiliate
sales as fraud, follow each case about the store, add to it, withdraw one's own."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.disputes import parties, queries, services
from affiliate.disputes.forms import CommentForm, ContestForm
from affiliate.disputes.loaders import case_for_seller_or_404, commission_for_seller_or_404
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
from shop.orders.seller.queries import store_of

bp = Blueprint("seller_disputes", __name__)


@bp.get("/seller/disputes")
@role_required(Role.SELLER)
def index() -> ResponseReturnValue:
    store = store_of(current_user.id)
    cases = queries.seller_cases(store.id, page_arg()) if store else None
    return render_template(
        "disputes/party_cases.html", side="seller", store=store, cases=cases, now=utcnow()
    )


def _page(
    dispute: Dispute, status: int = 200, comment_form: CommentForm | None = None
) -> ResponseReturnValue:
    return common.case_page(
        dispute,
        Party.SELLER,
        path=parties.seller_path(dispute),
        status=status,
        comment_form=comment_form,
    )


@bp.get("/seller/disputes/<int:dispute_id>")
@role_required(Role.SELLER)
def case(dispute_id: int) -> ResponseReturnValue:
    return _page(case_for_seller_or_404(dispute_id, current_user.id))


@bp.post("/seller/disputes/<int:dispute_id>/comment")
@role_required(Role.SELLER)
def comment(dispute_id: int) -> ResponseReturnValue:
    dispute = case_for_seller_or_404(dispute_id, current_user.id)
    return common.comment(dispute, Party.SELLER, path=parties.seller_path(dispute), page=_page)


@bp.post("/seller/disputes/<int:dispute_id>/withdraw")
@role_required(Role.SELLER)
def withdraw(dispute_id: int) -> ResponseReturnValue:
    dispute = case_for_seller_or_404(dispute_id, current_user.id)
    return common.withdraw(dispute, path=parties.seller_path(dispute), page=_page)


@bp.route("/seller/affiliates/commissions/<int:commission_id>/contest", methods=["GET", "POST"])
@role_required(Role.SELLER)
def contest(commission_id: int) -> ResponseReturnValue:
    commission = commission_for_seller_or_404(commission_id, current_user.id)
    line = db.session.get(OrderLine, commission.order_line_id)
    form = ContestForm()
    context: dict[str, Any] = {
        "side": "seller",
        "commission": commission,
        "product_title": line.title if line else "",
        "amount": format_money(commission.net_amount, commission.currency),
    }
    if not form.is_submitted():
        return render_template("disputes/contest.html", form=form, **context)
    if not form.validate():
        return render_template("disputes/contest.html", form=form, **context), 400
    try:
        dispute = services.open_seller_contest(
            commission.id,
            seller_id=current_user.id,
            reason=form.reason.data or "",
            evidence=form.evidence.data or "",
            links=form.links.data or "",
        )
    except DomainError as error:  # a dispute's refusal, or the holds' (NotHoldable)
        return refuse(error, "disputes/contest.html", form=form, **context)
    db.session.commit()
    flash(f"Case #{dispute.id} opened: the commission is on hold until finance answers.", "success")
    return redirect(url_for("seller_disputes.case", dispute_id=dispute.id), 303)
