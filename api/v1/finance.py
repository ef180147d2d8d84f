"""Finance: the withdrawal review queue, approve or reject (four eyes), payout runs, exports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response

from affiliate.payouts import services as payouts
from affiliate.payouts.models import WithdrawalStatus
from affiliate.payouts.queries import reports, review
from affiliate.payouts.queries.withdrawals import get_withdrawal
from affiliate.payouts.rules import default_currency
from api.v1.framework import Call, Param, Routes
from api.v1.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_page, encode_page
from api.v1.problems import FieldError, validation_problem
from api.v1.representation import CURRENCY_SCHEMA, ID_SCHEMA, MONEY_SCHEMA, money, obj, page_schema
from api.v1.validation import parse_datetime
from api.v1.wallet import WITHDRAWAL, withdrawal_json

routes = Routes(
    "Finance",
    "For finance officers: review withdrawals, approve (two officers above the threshold) or "
    "reject, follow payout runs, export.",
)

STATUSES = [s.value for s in WithdrawalStatus]
MAX_EXPORT_SPAN = timedelta(days=366)
QUEUE_ITEM = obj(
    {
        "withdrawal": WITHDRAWAL,
        "creator": obj(
            {"id": ID_SCHEMA, "email": {"type": "string"}, "display_name": {"type": "string"}}
        ),
        "history": obj(
            {
                "earned": {"type": "integer"},
                "clawed_back": {"type": "integer"},
                "withdrawn": {"type": "integer"},
                "paid_count": {"type": "integer"},
            }
        ),
        "flags": {"type": "array", "items": {"type": "string"}},
    }
)
REASON_IN = obj({"reason": {"type": "string", "minLength": 1, "maxLength": 500}})
RUNS = obj(
    {
        "currency": CURRENCY_SCHEMA,
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "run": obj(
            {
                "total": {"type": "integer"},
                "done": {"type": "integer"},
                "percent": {"type": "integer"},
                "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            }
        ),
        "totals": obj(
            {
                "count": {"type": "integer"},
                "amount": MONEY_SCHEMA,
                "paid_out": MONEY_SCHEMA,
                "fees": MONEY_SCHEMA,
            }
        ),
    }
)


@routes.get(
    "/finance/withdrawals",
    scope="finance:read",
    response=page_schema(QUEUE_ITEM),
    params=(
        Param("status", {"type": "string", "enum": STATUSES}, "Default: requested."),
        Param("sort", {"type": "string", "enum": list(review.SORTS)}, "Default: oldest."),
        Param("cursor", {"type": "string", "maxLength": 200}),
        Param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
    ),
    paginated=True,
)
def review_queue(call: Call) -> dict[str, Any]:
    """The review queue, with each creator's history and risk flags."""
    page_number = decode_page(call.query.get("cursor"))
    page = review.review_queue(
        review.QueueFilter(status=call.query.get("status", WithdrawalStatus.REQUESTED.value)),
        sort=call.query.get("sort", "oldest"),
        page=page_number,
        per_page=call.query.get("limit", DEFAULT_LIMIT),
    )
    return {
        "data": [
            {
                "withdrawal": withdrawal_json(row.withdrawal),
                "creator": {
                    "id": row.creator.id,
                    "email": row.creator.email,
                    "display_name": row.creator.display_name,
                },
                "history": {
                    "earned": row.history.earned,
                    "clawed_back": row.history.clawed_back,
                    "withdrawn": row.history.withdrawn,
                    "paid_count": row.history.paid_count,
                },
                "flags": list(row.flags),
            }
            for row in page.items
        ],
        "next_cursor": encode_page(page_number + 1) if page.has_next and page.items else None,
    }


@routes.get(
    "/finance/withdrawals/<int:withdrawal_id>",
    scope="finance:read",
    response=WITHDRAWAL,
    errors=[404],
)
def finance_withdrawal(call: Call, withdrawal_id: int) -> dict[str, Any]:
    """Get any withdrawal."""
    return withdrawal_json(get_withdrawal(withdrawal_id))


@routes.post(
    "/finance/withdrawals/<int:withdrawal_id>/approve",
    scope="finance:write",
    response=WITHDRAWAL,
    errors=[403, 404, 409],
)
def approve_withdrawal(call: Call, withdrawal_id: int) -> dict[str, Any]:
    """Approve; above the four-eyes threshold a second, different officer must approve too."""
    w = payouts.approve(withdrawal_id, call.user)
    call.about("withdrawal", w.id)
    return withdrawal_json(w)


@routes.post(
    "/finance/withdrawals/<int:withdrawal_id>/reject",
    scope="finance:write",
    body=REASON_IN,
    response=WITHDRAWAL,
    errors=[403, 404, 409],
)
def reject_withdrawal(call: Call, withdrawal_id: int) -> dict[str, Any]:
    """Reject, saying why: the amount goes back to the creator's available balance."""
    w = payouts.reject(withdrawal_id, call.user, call.body["reason"])
    call.about("withdrawal", w.id)
    return withdrawal_json(w)


@routes.get(
    "/finance/payout-runs",
    scope="finance:read",
    response=RUNS,
    params=(
        Param("since", {"type": "string", "format": "date-time"}, "Approved since (a run)."),
        Param("currency", CURRENCY_SCHEMA),
    ),
)
def payout_runs(call: Call) -> dict[str, Any]:
    """Payouts by state, the progress of the withdrawals approved since `since`, and totals."""
    currency = call.query.get("currency", default_currency()).upper()
    since = parse_datetime(call.query["since"]) if "since" in call.query else None
    run = reports.run_progress(since=since)
    totals = reports.totals(currency)
    return {
        "currency": currency,
        "counts": review.status_counts(currency),
        "run": {"total": run.total, "done": run.done, "percent": run.percent, "counts": run.counts},
        "totals": {
            "count": totals.count,
            "amount": money(totals.amount, currency),
            "paid_out": money(totals.paid_out, currency),
            "fees": money(totals.fees, currency),
        },
    }


@routes.get(
    "/finance/exports/withdrawals.csv",
    scope="finance:read",
    response=None,
    params=(
        Param("start", {"type": "string", "format": "date-time"}, "Requested at or after."),
        Param("end", {"type": "string", "format": "date-time"}, "Requested before."),
    ),
)
def export_withdrawals(call: Call) -> Response:
    """The withdrawals requested in [start, end) as CSV (amounts in the currency's unit)."""
    missing = [FieldError(n, "is required") for n in ("start", "end") if n not in call.query]
    if missing:
        raise validation_problem(missing)
    start = parse_datetime(call.query["start"])
    end = parse_datetime(call.query["end"])
    if start is None or end is None or end <= start:
        raise validation_problem([FieldError("end", "must come after start")])
    if end - start > MAX_EXPORT_SPAN:
        raise validation_problem([FieldError("end", "a period is at most 366 days")])
    # Built whole (a year of withdrawals is a few MB) so the answer has an ETag like any read.
    return Response(
        "".join(reports.csv_text(start, end)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="withdrawals.csv"'},
    )
