"""The Finance centre's payout runs (their live progress, failures to retry, totals by day and
month) and the CSV export for the accountants: routes of the ``finance_views`` blueprint."""

from __future__ import annotations

from datetime import datetime

from flask import Response, jsonify, render_template, request, session, stream_with_context
from flask.typing import ResponseReturnValue

from affiliate.payouts.finance_views import (
    QUEUE_PER_PAGE,
    RUN_KEY,
    W,
    _actions,
    _currency,
    bp,
)
from affiliate.payouts.forms import ActionForm, ExportForm, ReasonForm
from affiliate.payouts.queries import reports, review
from affiliate.payouts.rules import default_currency
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.types import utcnow
from core.web.errors import render_error
from core.web.pagination import page_arg

# ---------------------------------------------------------------------------- payout runs


def _latest_run() -> reports.RunProgress | None:
    """The progress of this officer's latest bulk approval, if the session remembers one."""
    run = session.get(RUN_KEY)
    if not isinstance(run, dict):
        return None
    try:
        since = datetime.fromisoformat(str(run.get("since")))
    except ValueError:
        return None
    return reports.run_progress(since=since, ids=reports.decode_ids(run.get("ids")))


@bp.get("/payouts")
@role_required(Role.FINANCE)
def payouts() -> ResponseReturnValue:
    currency = _currency()
    now = utcnow()
    failed = review.review_queue(
        review.QueueFilter(status=W.FAILED.value),
        sort="newest",
        page=page_arg(),
        per_page=QUEUE_PER_PAGE,
    )
    return render_template(
        "payouts/payouts.html",
        currency=currency,
        counts=review.status_counts(currency),
        run=_latest_run(),
        failed=failed,
        actions=_actions(failed.items),
        totals=reports.totals(currency),
        by_day=reports.payout_series("day", currency, now=now),
        by_month=reports.payout_series("month", currency, now=now),
        action_form=ActionForm(),
        return_form=ReasonForm(formdata=None),
        export_form=ExportForm(formdata=None),
        today=now.date(),
    )


@bp.get("/payouts/progress.json")
@role_required(Role.FINANCE)
def progress() -> ResponseReturnValue:
    """What the payouts page polls: counts by state, and the latest bulk run's progress."""
    counts = review.status_counts(default_currency())
    response = jsonify(reports.live_progress(counts, _latest_run()))
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------- export


@bp.get("/withdrawals.csv")
@role_required(Role.FINANCE)
def export_csv() -> ResponseReturnValue:
    form = ExportForm(formdata=request.args)
    if not form.validate():
        problems = [
            f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items()
        ]
        hint = "Give both days as YYYY-MM-DD, such as ?start=2026-01-01&end=2026-01-31."
        return render_error(400, f"{' '.join(problems)} {hint}")
    start, end = form.period()
    name = f"withdrawals-{form.start.data.isoformat()}-to-{form.end.data.isoformat()}.csv"
    return Response(
        stream_with_context(reports.csv_text(start, end)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
