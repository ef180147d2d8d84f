"""Finance's refund desk (``/finance/refunds``, finance officers only): refunds the card
processor did not take, with a retry, and payments that arrived after their order was released
(returned automatically)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from core.accounts.authz import get_or_404
from core.accounts.models import Role
from core.accounts.stepup import staff_required
from core.extensions import db
from core.money import format_money
from core.states import IllegalTransition
from core.web.refusals import refuse
from shop.blueprints import shop_bp as bp
from shop.orders.refunds import provider as refunds
from shop.orders.refunds.models import RefundRequest


class RetryRefundForm(FlaskForm):
    """A retry button: only the CSRF token."""


@bp.get("/finance/refunds")
@staff_required(Role.FINANCE)
def finance_refunds() -> ResponseReturnValue:
    return render_template(
        "shop/finance_refunds.html",
        failed=refunds.needing_attention(),
        late=refunds.late_payment_refunds(),
        counts=refunds.count_by_state(),
        form=RetryRefundForm(),
    )


@bp.post("/finance/refunds/<int:refund_id>/retry")
@staff_required(Role.FINANCE)
def finance_refund_retry(refund_id: int) -> ResponseReturnValue:
    form = RetryRefundForm()
    if not form.validate_on_submit():
        flash("Your form expired. Reload the page and try again.", "danger")
        return redirect(url_for("shop.finance_refunds")), 400
    refund = get_or_404(RefundRequest, refund_id)
    try:
        refunds.retry(refund, current_user)
    except IllegalTransition as error:
        back = redirect(url_for("shop.finance_refunds"))
        return refuse(error, category="warning", page=lambda status: (back, status))
    amount = format_money(refund.amount, refund.order.currency)
    db.session.commit()
    flash(f"Refund #{refund_id} of {amount} is on its way to the card processor again.", "success")
    return redirect(url_for("shop.finance_refunds"))
