"""The creator's flat fees (``/creator/flat-fees``): each plan's offer, the pieces left, the
content that may go forward, and every submission's state and money. Another creator's hold
reads as missing (404)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.creators.flatfees import queries, submissions
from affiliate.creators.flatfees.forms import SubmitForm
from affiliate.creators.flatfees.loaders import get_hold_or_404
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.exceptions import DomainError
from core.extensions import db
from core.web.pagination import page_arg
from core.web.refusals import refuse

bp = Blueprint("creator_flat_fees", __name__, url_prefix="/creator/flat-fees")


def _page(status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "flatfees/creator.html",
            holds=queries.creator_holds(current_user.id),
            rows=queries.creator_submissions(current_user.id, page=page_arg()),
            form=SubmitForm(formdata=None),
        ),
        status,
    )


@bp.get("")
@role_required(Role.CREATOR)
def index() -> ResponseReturnValue:
    return _page()


@bp.post("/<int:hold_id>/submit")
@role_required(Role.CREATOR)
def submit(hold_id: int) -> ResponseReturnValue:
    hold = get_hold_or_404(hold_id, creator_id=current_user.id)
    form = SubmitForm()
    if not form.validate_on_submit():
        errors = [*form.content_id.errors, *form.csrf_token.errors]
        flash(" ".join(str(e) for e in errors) or "Choose the video or live to submit.", "danger")
        return _page(400)
    try:
        submission = submissions.submit(hold.id, current_user.id, form.content_id.data or 0)
    except DomainError as error:
        return refuse(error, page=_page)
    due = submission.review_due_at
    db.session.commit()
    flash(f"Submitted. The seller answers by {due:%d %b %Y}, or it is approved then.", "success")
    return redirect(url_for("creator_flat_fees.index"))
