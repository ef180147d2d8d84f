"""What the three sides' case pages share: the case page itself, comments and withdrawal.

The caller has loaded the case for the signed-in user (404 otherwise); each action is one
transaction, committed here, and any refusal rolls back and answers with its status.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.disputes import queries, services
from affiliate.disputes.exceptions import DisputeError
from affiliate.disputes.forms import CommentForm, DecisionForm, WithdrawForm
from affiliate.disputes.models import Dispute, Party
from core.extensions import db
from core.notifications.services import mark_read_by_link
from core.types import utcnow
from core.web.refusals import refuse

EXPIRED = "Your form expired or was incomplete. Reload the page and try again."


def case_page(
    dispute: Dispute,
    side: Party,
    *,
    path: str,
    status: int = 200,
    comment_form: CommentForm | None = None,
    decision_form: DecisionForm | None = None,
) -> ResponseReturnValue:
    if mark_read_by_link(current_user.id, path):
        db.session.commit()
    return render_template(
        "disputes/case.html",
        dispute=dispute,
        side=side.value,
        facts=queries.case_facts(dispute),
        timeline=queries.timeline(dispute),
        now=utcnow(),
        can_withdraw=dispute.is_open and dispute.opened_by_id == current_user.id,
        comment_form=comment_form or CommentForm(),
        withdraw_form=WithdrawForm(),
        decision_form=decision_form or DecisionForm(),
        amount=services.describe_amount(dispute),
    ), status


def comment(
    dispute: Dispute, side: Party, *, path: str, page: Callable[..., ResponseReturnValue]
) -> ResponseReturnValue:
    form = CommentForm()
    if not form.validate_on_submit():
        flash(EXPIRED, "danger")
        return page(dispute, status=400, comment_form=form)
    try:
        services.add_comment(
            dispute.id,
            author_id=current_user.id,
            party=side,
            body=form.body.data or "",
            links=form.links.data or "",
        )
    except DisputeError as error:
        return refuse(
            error, form=form, page=lambda status: page(dispute, status=status, comment_form=form)
        )
    db.session.commit()
    flash("Added to the case; the other side and finance were told.", "success")
    return redirect(path, 303)


def withdraw(
    dispute: Dispute, *, path: str, page: Callable[..., ResponseReturnValue]
) -> ResponseReturnValue:
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(EXPIRED, "danger")
        return page(dispute, status=400)
    try:
        services.withdraw(dispute.id, actor_id=current_user.id, reason=form.reason.data or "")
    except DisputeError as error:
        return refuse(error, page=lambda status: page(dispute, status=status))
    db.session.commit()
    flash(f"Case #{dispute.id} withdrawn.", "success")
    return redirect(path, 303)
