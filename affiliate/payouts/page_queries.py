"""Read-only helpers of the wallet and Finance centre pages, on top of ``queries``: the
token lookup that tells a resubmitted form from a new one, and the payout totals laid out
for a chart (every day or month of the period present, zero where nothing was paid)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from affiliate.payouts import queries
from affiliate.payouts.models import Withdrawal
from core.extensions import db
from core.money import to_decimal

CHART_DAYS = 30
CHART_MONTHS = 12


def withdrawal_id_for_token(request_token: str) -> int | None:
    """The withdrawal that a form's one-time token already made, if any (one query)."""
    if not request_token:
        return None
    return db.session.scalar(
        select(Withdrawal.id).where(Withdrawal.request_token == request_token[:64])
    )


@dataclass(frozen=True)
class PayoutSeries:
    """Paid withdrawals per period, every period of the range present (oldest first)."""

    by: str  # "day" | "month"
    currency: str
    rows: list[queries.PeriodTotal]

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
        for row in queries.payout_totals(
            by="day" if by == "day" else "month",
            start=datetime.combine(first, time.min, UTC),
            currency=currency,
        )
    }
    rows = [found.get(p) or queries.PeriodTotal(p, 0, 0, 0, 0) for p in periods]
    return PayoutSeries(by=by, currency=currency, rows=rows)
