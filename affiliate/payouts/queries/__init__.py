"""What the wallet and the Finance centre read, one module per group of pages: ``wallet`` (the
creator's balances, history and withdrawals), ``withdrawals`` (one withdrawal: its loader and
timeline), ``review`` (the review queue) and ``reports`` (payout runs, totals and the export).

Every list is paginated and issues a constant number of statements whatever the page size.
Balances come from the ledger.
"""

from __future__ import annotations

from datetime import datetime

from core.types import utcnow

MAX_PER_PAGE = 200


def clamp_per_page(per_page: int) -> int:
    """A page size between 1 and ``MAX_PER_PAGE``."""
    return min(max(int(per_page), 1), MAX_PER_PAGE)


def aware(moment: datetime | None) -> datetime | None:
    """A database time as an aware UTC datetime (SQLite returns naive ones from aggregates)."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)
