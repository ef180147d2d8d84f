"""What the payouts page and the accountants read: a payout run's progress (and the compact
form in which a run's withdrawals are remembered in the session), paid totals by day and month
(laid out for a chart), and the CSV export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import QueryableAttribute, lazyload

from affiliate.payouts.models import Withdrawal, WithdrawalStatus
from affiliate.payouts.rules import default_currency
from core.accounts.models import User
from core.extensions import db
from core.ledger.models import LedgerAccount
from core.money import to_decimal
from core.web.csv import spreadsheet_cell

W = WithdrawalStatus
CHART_DAYS = 30
CHART_MONTHS = 12

# ---------------------------------------------------------------------------- currencies


def currencies_in_use() -> list[str]:
    """Every currency the platform holds money or withdrawals in, the default first: finance
    reads each one's totals on its own (amounts never change currency)."""
    held = db.session.scalars(
        select(LedgerAccount.currency).distinct().union(select(Withdrawal.currency).distinct())
    ).all()
    return in_use_order(held)


def in_use_order(held: Iterable[str]) -> list[str]:
    """The currencies ``held``, as ``currencies_in_use`` lists them: the default first."""
    default = default_currency().upper()
    return [default, *sorted(set(held) - {default})]


# ---------------------------------------------------------------------------- payout runs


@dataclass(frozen=True)
class RunProgress:
    """Where a payout run stands: counts by state of the withdrawals it covers."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return sum(self.counts.get(s.value, 0) for s in (W.PAID, W.FAILED, W.REJECTED))

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else self.done * 100 // self.total


def run_progress(*, since: datetime | None = None, ids: Sequence[int] | None = None) -> RunProgress:
    """Counts by state of the withdrawals approved since ``since`` and/or among ``ids`` (a
    bulk run's selection); one query."""
    query = select(Withdrawal.status, func.count(Withdrawal.id)).group_by(Withdrawal.status)
    if since is not None:
        query = query.where(Withdrawal.approved_at >= since)
    if ids is not None:
        query = query.where(Withdrawal.id.in_(list(ids)))
    counts = {s.value: 0 for s in (W.APPROVED, W.PROCESSING, W.PAID, W.FAILED, W.REJECTED)}
    counts.update({status: int(n) for status, n in db.session.execute(query)})
    counts.pop(W.REQUESTED.value, None)  # not part of a run yet
    return RunProgress(counts=counts)


def live_progress(counts: dict[str, int], run: RunProgress | None) -> dict[str, Any]:
    """The JSON that the payouts page polls: ``counts`` (``review.status_counts``) of the
    payout states, and the progress of the officer's latest bulk ``run``, if any."""
    body: dict[str, Any] = {
        "counts": {
            "queued": counts[W.APPROVED.value],
            "processing": counts[W.PROCESSING.value],
            "paid": counts[W.PAID.value],
            "failed": counts[W.FAILED.value],
        },
        "run": None,
    }
    if run is not None:
        body["run"] = {
            "total": run.total,
            "done": run.done,
            "percent": run.percent,
            "finished": run.total > 0 and run.done == run.total,
            "counts": run.counts,
        }
    return body


# A session cookie holds about 4 KB: a run's ids go in as ranges ("3-40,52"), and a run too
# scattered to fit is remembered by its start time alone.
MAX_RUN_TEXT = 1500


def encode_ids(ids: Iterable[int]) -> str | None:
    """``[1, 2, 3, 7]`` → ``"1-3,7"``; None if the text would be longer than ``MAX_RUN_TEXT``."""
    parts: list[str] = []
    run: list[int] = []
    for number in sorted(set(ids)):
        if run and number == run[-1] + 1:
            run.append(number)
            continue
        if run:
            parts.append(_span(run))
        run = [number]
    if run:
        parts.append(_span(run))
    text = ",".join(parts)
    return text if len(text) <= MAX_RUN_TEXT else None


def _span(run: list[int]) -> str:
    return str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}"


def decode_ids(text: str | None, *, limit: int = 10_000) -> list[int] | None:
    """The inverse of ``encode_ids``; None for anything malformed (or absurdly large)."""
    if not text:
        return None
    ids: list[int] = []
    try:
        for part in text.split(","):
            first, _, last = part.partition("-")
            low, high = int(first), int(last or first)
            if low <= 0 or high < low or len(ids) + high - low + 1 > limit:
                return None
            ids.extend(range(low, high + 1))
    except ValueError:
        return None
    return ids


# ---------------------------------------------------------------------------- totals and export


@dataclass(frozen=True)
class PeriodTotal:
    period: str  # "2026-11-25" by day, "2026-11" by month (UTC)
    count: int
    amount: int
    paid_out: int  # the net sent to creators
    fees: int


def _period(column: QueryableAttribute[datetime | None], by: str) -> ColumnElement[str]:
    if db.engine.dialect.name == "postgresql":
        fmt = "YYYY-MM-DD" if by == "day" else "YYYY-MM"
        return func.to_char(func.timezone("UTC", column), fmt)
    return func.strftime("%Y-%m-%d" if by == "day" else "%Y-%m", column)


def payout_totals(
    *,
    by: Literal["day", "month"] = "day",
    start: datetime | None = None,
    end: datetime | None = None,
    currency: str | None = None,
) -> list[PeriodTotal]:
    """Paid withdrawals per day or month (by when they were paid): paid out and fees."""
    if by not in ("day", "month"):
        raise ValueError("totals go by day or by month")
    currency = (currency or default_currency()).upper()
    period = _period(Withdrawal.paid_at, by).label("period")
    query = (
        select(
            period,
            func.count(Withdrawal.id),
            func.sum(Withdrawal.amount),
            func.sum(Withdrawal.net),
            func.sum(Withdrawal.fee),
        )
        .where(Withdrawal.status == W.PAID.value, Withdrawal.currency == currency)
        .group_by(period)
        .order_by(period)
    )
    if start is not None:
        query = query.where(Withdrawal.paid_at >= start)
    if end is not None:
        query = query.where(Withdrawal.paid_at < end)
    return [
        PeriodTotal(str(p), int(n), int(a), int(net), int(fee))
        for p, n, a, net, fee in db.session.execute(query)
    ]


@dataclass(frozen=True)
class Totals:
    count: int
    amount: int
    paid_out: int
    fees: int


def totals(currency: str | None = None) -> Totals:
    """Everything paid so far (one query)."""
    currency = (currency or default_currency()).upper()
    n, amount, net, fee = db.session.execute(
        select(
            func.count(Withdrawal.id),
            func.coalesce(func.sum(Withdrawal.amount), 0),
            func.coalesce(func.sum(Withdrawal.net), 0),
            func.coalesce(func.sum(Withdrawal.fee), 0),
        ).where(Withdrawal.status == W.PAID.value, Withdrawal.currency == currency)
    ).one()
    return Totals(int(n), int(amount), int(net), int(fee))


CSV_HEADER = [
    "withdrawal_id",
    "creator_id",
    "creator_email",
    "currency",
    "amount",
    "fee",
    "net",
    "status",
    "requested_at",
    "approved_at",
    "paid_at",
    "provider",
    "provider_ref",
    "attempt",
    "reason",
]


def csv_rows(start: datetime, end: datetime) -> Iterator[list[str]]:
    """The header, then one row per withdrawal requested in ``[start, end)``, oldest first.

    Amounts are decimal strings in the currency's unit ("100.00"); times ISO 8601 UTC.
    Streams in batches, so a year's export never sits in memory whole.
    """
    yield list(CSV_HEADER)
    query = (
        select(Withdrawal, User.email)
        .join(User, User.id == Withdrawal.creator_id)
        .where(Withdrawal.requested_at >= start, Withdrawal.requested_at < end)
        .order_by(Withdrawal.requested_at, Withdrawal.id)
        .options(lazyload(Withdrawal.approvals))
        .execution_options(yield_per=1000)
    )
    for w, email in db.session.execute(query):
        yield [
            str(w.id),
            str(w.creator_id),
            email,
            w.currency,
            str(to_decimal(w.amount, w.currency)),
            str(to_decimal(w.fee, w.currency)),
            str(to_decimal(w.net, w.currency)),
            w.status,
            _iso(w.requested_at),
            _iso(w.approved_at),
            _iso(w.paid_at),
            w.provider or "",
            w.provider_ref or "",
            str(w.attempt),
            w.reject_reason or w.failure_reason or "",
        ]


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def csv_text(start: datetime, end: datetime) -> Iterator[str]:
    """``csv_rows`` as the lines of a CSV file, each cell safe to open in a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in csv_rows(start, end):
        writer.writerow([spreadsheet_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


# ---------------------------------------------------------------------------- the charts


@dataclass(frozen=True)
class PayoutSeries:
    """Paid withdrawals per period, every period of the range present (oldest first)."""

    by: str  # "day" | "month"
    currency: str
    rows: list[PeriodTotal]

    @property
    def any(self) -> bool:
        return any(row.count for row in self.rows)

    def chart(self) -> dict[str, Any]:
        """The JSON block that ``static/js/charts.js`` (kind ``payouts``) draws."""

        def major(amount: int) -> float:
            return float(to_decimal(amount, self.currency))

        return {
            "by": self.by,
            "currency": self.currency,
            "labels": [row.period for row in self.rows],
            "counts": [row.count for row in self.rows],
            "paid_out": [major(row.paid_out) for row in self.rows],
            "fees": [major(row.fees) for row in self.rows],
        }


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def payout_series(by: str, currency: str, *, now: datetime) -> PayoutSeries:
    """The last 30 days (``by="day"``) or 12 months (``"month"``) of payouts, up to ``now``."""
    today = now.astimezone(UTC).date()
    if by == "day":
        first = today - timedelta(days=CHART_DAYS - 1)
        periods = [(first + timedelta(days=i)).isoformat() for i in range(CHART_DAYS)]
    else:
        first = _month_start(today, CHART_MONTHS - 1)
        periods = [
            _month_start(today, back).strftime("%Y-%m") for back in range(CHART_MONTHS - 1, -1, -1)
        ]
    found = {
        row.period: row
        for row in payout_totals(
            by="day" if by == "day" else "month",
            start=datetime.combine(first, time.min, UTC),
            currency=currency,
        )
    }
    rows = [found.get(p) or PeriodTotal(p, 0, 0, 0, 0) for p in periods]
    return PayoutSeries(by=by, currency=currency, rows=rows)
