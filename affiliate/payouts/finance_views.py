"""The Finance centre (``/finance``, finance officers only): the review queue, one
withdrawal's detail and decisions (payout runs and the CSV export: ``finance_run_views``, on
the same blueprint).

Views load the withdrawal (``get_withdrawal_or_404``), call one service, commit, flash and
redirect. A refusal of the services (a ``DomainError``) goes through ``refuse``: the
transaction is rolled back (nothing is written), the reason flashed and the page answered with
the refusal's status: 400 (bad input), 403 (not this officer's to decide: their own withdrawal,
or a second approval by the same officer), 404 (no such withdrawal), 409 (not in a state that
allows it) or 503 (the provider is not answering). Approving commits, and the payout job runs
after the commit (at once, in-process, in the embedded default).
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
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.payouts import services
from affiliate.payouts.forms import (
    ActionForm,
    BulkApproveForm,
    QueueFilterForm,
    ReasonForm,
)
from affiliate.payouts.models import WithdrawalStatus
from affiliate.payouts.queries import reports, review
from affiliate.payouts.queries.withdrawals import (
    get_withdrawal_or_404,
    timeline,
    timeline_label,
)
from affiliate.payouts.rules import OfficerActions, default_currency, money_text, officer_actions
from core.accounts.authz import role_required
from core.accounts.models import Role, User
from core.accounts.stepup import require_step_up, second_factor_gate
from core.exceptions import DomainError
from core.extensions import db
from core.ledger import checks as ledger_checks
from core.ledger import services as ledger
from core.types import utcnow
from core.web.pagecache import render_private_page
from core.web.pagination import page_arg
from core.web.refusals import refuse

bp = Blueprint("payouts", __name__, url_prefix="/finance")
# Finance officers show a second factor before any Finance centre page (enrol first if none).
bp.before_request(second_factor_gate(Role.FINANCE))

W = WithdrawalStatus
QUEUE_PER_PAGE = 25
RUN_KEY = "payout_run"  # the session's record of this officer's latest bulk run


@bp.context_processor
def _finance_helpers() -> dict[str, Any]:
    return {"timeline_label": timeline_label}


def _officer() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _actions(rows: list[review.QueueRow]) -> dict[int, OfficerActions]:
    """What the signed-in officer may do with each withdrawal of a page, by its id."""
    return {row.withdrawal.id: officer_actions(row.withdrawal, current_user.id) for row in rows}


def _back(default: str) -> str:
    """Where a decision returns to: the page it was made on (``next``), if it is ours."""
    target = request.form.get("next", "")
    if target.startswith("/finance/") and "//" not in target and "\\" not in target:
        return target
    return default


def _detail_url(withdrawal_id: int) -> str:
    return _back(url_for("payouts.withdrawal", withdrawal_id=withdrawal_id))


# ---------------------------------------------------------------------------- home


def _currency() -> str:
    """The currency the page's totals are in, from ``?currency=``: one the platform uses
    (404 otherwise), the default when absent."""
    wanted = request.args.get("currency")
    if not wanted:
        return default_currency()
    currency = wanted.strip().upper()
    if currency not in reports.currencies_in_use():
        abort(404)
    return currency


@bp.context_processor
def _currencies() -> dict[str, Any]:
    return {"currencies_in_use": reports.currencies_in_use}


@bp.get("/")
@role_required(Role.FINANCE)
def finance_centre() -> ResponseReturnValue:
    def context() -> dict[str, Any]:
        currency = _currency()
        counts = review.status_counts(currency)
        return {
            "currency": currency,
            "balances": ledger.platform_balances(currency),
            "checks": ledger_checks.latest_checks(limit=5),
            "entries": ledger.recent_entries(limit=20),
            "totals": reports.totals(currency),
            "counts": counts,
            "in_flight": counts[W.APPROVED.value] + counts[W.PROCESSING.value],
            "this_month": reports.payout_series("month", currency, now=utcnow()).rows[-1],
        }

    return render_private_page("payouts/finance_centre.html", context)


# ---------------------------------------------------------------------------- the review queue


def _queue_context(bulk_form: BulkApproveForm | None = None) -> dict[str, Any]:
    currency = _currency()
    form = QueueFilterForm(formdata=request.args, currency=currency)
    form.validate()
    status = form.status.data if not form.status.errors else W.REQUESTED.value
    low, high = form.amounts()
    filters = review.QueueFilter(
        status=status or None,
        min_amount=low,
        max_amount=high,
        creator=None if form.creator.errors else (form.creator.data or None),
        currency=currency,
    )
    sort = form.sort.data if not form.sort.errors else "oldest"
    counts, codes = review.queue_counts(currency)
    page = review.review_queue(
        filters,
        sort=sort,
        page=page_arg(),
        per_page=QUEUE_PER_PAGE,
        total=review.known_total(filters, counts),
    )
    return {
        "page": page,
        "actions": _actions(page.items),
        "form": form,
        "filters": filters,
        "counts": counts,
        "currency": currency,
        "currencies_in_use": lambda: codes,  # read with the counts, not once more
        "bulk_form": bulk_form or BulkApproveForm(formdata=None),
        "action_form": ActionForm(),
        "reject_form": ReasonForm(formdata=None),
    }


def _queue_page(
    status_code: int = 200, bulk_form: BulkApproveForm | None = None
) -> tuple[str, int]:
    return render_template("payouts/queue.html", **_queue_context(bulk_form)), status_code


@bp.get("/withdrawals")
@role_required(Role.FINANCE)
def queue() -> ResponseReturnValue:
    return render_private_page("payouts/queue.html", _queue_context)


@bp.post("/withdrawals/approve-selected")
@role_required(Role.FINANCE)
def bulk_approve() -> ResponseReturnValue:
    form = BulkApproveForm()
    if not form.validate_on_submit():
        flash(" ".join(form.ids.errors) or "The form expired; try again.", "danger")
        return _queue_page(400, form)
    if review.any_above_four_eyes(form.ids.data) and (confirm := require_step_up()) is not None:
        return confirm  # the selection holds one above the four-eyes threshold: step-up first
    started = utcnow()
    try:
        results = services.bulk_approve(form.ids.data, _officer())
    except DomainError as error:
        return refuse(error, page=lambda status: _queue_page(status, form))
    db.session.commit()  # the payouts are enqueued (or, in-process, run) now
    approved = [r.withdrawal_id for r in results if r.ok and r.status != W.REQUESTED.value]
    waiting = [r.withdrawal_id for r in results if r.ok and r.status == W.REQUESTED.value]
    refused = [r for r in results if not r.ok]
    parts = []
    if approved:
        parts.append(f"Approved {len(approved)}: their payouts are queued.")
    if waiting:
        verb = "needs" if len(waiting) == 1 else "need"
        parts.append(f"{len(waiting)} {verb} a second approval from another officer.")
    if refused:
        parts.append(
            f"{len(refused)} refused: "
            + "; ".join(f"#{r.withdrawal_id}: {r.message}" for r in refused[:5])
            + ("…" if len(refused) > 5 else "")
        )
    flash(" ".join(parts), "warning" if refused else "success")
    if not approved:
        return redirect(url_for("payouts.queue"))
    session[RUN_KEY] = {
        "since": started.isoformat(),
        "ids": reports.encode_ids(approved),
        "size": len(approved),
    }
    return redirect(url_for("payouts.payouts"))


# ---------------------------------------------------------------------------- one withdrawal


def _detail_page(
    withdrawal_id: int,
    status_code: int = 200,
    *,
    reject_form: ReasonForm | None = None,
    return_form: ReasonForm | None = None,
) -> ResponseReturnValue:
    w = get_withdrawal_or_404(withdrawal_id)
    history = review.creator_histories({w.creator_id})[w.creator_id]
    return (
        render_template(
            "payouts/detail.html",
            w=w,
            actions=officer_actions(w, current_user.id),
            history=history,
            flags=review.risk_flags(w, history),
            events=timeline(w.id),
            action_form=ActionForm(),
            reject_form=reject_form or ReasonForm(formdata=None),
            return_form=return_form or ReasonForm(formdata=None),
            stuck_minutes=int(current_app.config["PAYOUT_STUCK_MINUTES"]),
        ),
        status_code,
    )


@bp.get("/withdrawals/<int:withdrawal_id>")
@role_required(Role.FINANCE)
def withdrawal(withdrawal_id: int) -> ResponseReturnValue:
    return _detail_page(withdrawal_id)


def _expired(withdrawal_id: int) -> ResponseReturnValue:
    flash("The form expired; reload the page and try again.", "danger")
    return _detail_page(withdrawal_id, 400)


def _refused(error: DomainError, withdrawal_id: int, **forms: ReasonForm) -> ResponseReturnValue:
    """Answer a refused decision with the withdrawal's page (see ``refuse``)."""
    return refuse(error, page=lambda status: _detail_page(withdrawal_id, status, **forms))


@bp.post("/withdrawals/<int:withdrawal_id>/approve")
@role_required(Role.FINANCE)
def approve(withdrawal_id: int) -> ResponseReturnValue:
    w = get_withdrawal_or_404(withdrawal_id)
    if not ActionForm().validate_on_submit():
        return _expired(w.id)
    if w.needs_two_approvals and (confirm := require_step_up()) is not None:
        return confirm  # above the four-eyes threshold: a fresh code first (step-up)
    try:
        w = services.approve(w.id, _officer())
    except DomainError as error:
        return _refused(error, withdrawal_id)
    waiting = w.status == W.REQUESTED.value
    amount = money_text(w.amount, w.currency)
    db.session.commit()  # the payout is enqueued (or, in-process, run) now
    if waiting:
        flash(
            f"Your approval of #{withdrawal_id} ({amount}) is recorded: a second officer "
            "must approve it too.",
            "info",
        )
    else:
        flash(f"Approved #{withdrawal_id} ({amount}): its payout is queued.", "success")
    return redirect(_detail_url(withdrawal_id))


@bp.post("/withdrawals/<int:withdrawal_id>/reject")
@role_required(Role.FINANCE)
def reject(withdrawal_id: int) -> ResponseReturnValue:
    w = get_withdrawal_or_404(withdrawal_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(" ".join(form.reason.errors) or "The form expired; try again.", "danger")
        return _detail_page(w.id, 400, reject_form=form)
    try:
        w = services.reject(w.id, _officer(), form.reason.data)
    except DomainError as error:
        return _refused(error, withdrawal_id, reject_form=form)
    amount = money_text(w.amount, w.currency)
    db.session.commit()
    flash(
        f"Rejected #{withdrawal_id} ({amount}); the amount is back in the creator's "
        "available balance.",
        "success",
    )
    return redirect(_detail_url(withdrawal_id))


@bp.post("/withdrawals/<int:withdrawal_id>/retry")
@role_required(Role.FINANCE)
def retry(withdrawal_id: int) -> ResponseReturnValue:
    w = get_withdrawal_or_404(withdrawal_id)
    if not ActionForm().validate_on_submit():
        return _expired(w.id)
    try:
        services.retry(w.id, _officer())
    except DomainError as error:
        return _refused(error, withdrawal_id)
    db.session.commit()
    flash(f"Withdrawal #{withdrawal_id} is queued for payout again.", "success")
    return redirect(_detail_url(withdrawal_id))


@bp.post("/withdrawals/<int:withdrawal_id>/return-funds")
@role_required(Role.FINANCE)
def return_funds(withdrawal_id: int) -> ResponseReturnValue:
    w = get_withdrawal_or_404(withdrawal_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(" ".join(form.reason.errors) or "The form expired; try again.", "danger")
        return _detail_page(w.id, 400, return_form=form)
    try:
        w = services.return_funds(w.id, _officer(), form.reason.data)
    except DomainError as error:
        return _refused(error, withdrawal_id, return_form=form)
    paid = w.status == W.PAID.value
    db.session.commit()
    if paid:
        flash(f"The provider had paid #{withdrawal_id} after all: it is recorded as paid.", "info")
    else:
        flash(
            f"The funds of #{withdrawal_id} are back in the creator's available balance.", "success"
        )
    return redirect(_detail_url(withdrawal_id))
