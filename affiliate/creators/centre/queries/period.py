"""The period a dashboard covers: 7, 30 or 90 whole UTC days ending today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from core.types import utcnow

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30


def parse_period(raw: str | None) -> int:
    """7, 30 or 90 days from a query argument; anything else is the default, 30."""
    value = (raw or "").strip()
    return int(value) if value in {str(days) for days in PERIODS} else DEFAULT_PERIOD


@dataclass(frozen=True)
class Period:
    """``days`` whole UTC days ending with today's."""

    days: int
    first: date
    last: date

    @classmethod
    def ending(cls, days: int, now: datetime | None = None) -> Period:
        last = (now or utcnow()).astimezone(UTC).date()
        return cls(days=days, first=last - timedelta(days=days - 1), last=last)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=UTC)

    @property
    def until(self) -> datetime:
        """Midnight after the last day (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=UTC)

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(self.days)]


def as_date(value: Any) -> date:
    """A day as the database answers it (a date, a datetime, or ISO text on SQLite)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
