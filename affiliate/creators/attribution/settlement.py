"""When a commission is expected to settle: the order's delivery plus the return window.

A pending commission settles when its order completes, which the order clock does once the
return window (``SHOP_RETURN_WINDOW_DAYS``) has passed after delivery without a refund request.
Before delivery the date is not known yet, so the answer is a rule ("7 days after delivery");
after it, a date. A held one waits for finance; a settled commission answers with when it
settled, and a reversed one with nothing (it never will).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from affiliate.creators.attribution.models import CommissionState
from shop.orders.jobs import return_window_days


@dataclass(frozen=True)
class ExpectedSettlement:
    """A commission's settlement: a moment when it is known, else the rule that will set it."""

    at: datetime | None
    settled: bool = False
    rule: str | None = None  # "7 days after delivery" while the order is on its way

    @property
    def known(self) -> bool:
        return self.at is not None


def expected_settlement(
    state: str,
    *,
    delivered_at: datetime | None,
    settled_at: datetime | None,
    window_days: int | None = None,
    held: bool = False,
) -> ExpectedSettlement | None:
    """When the commission settles (or settled); None when it never will. A held pending
    commission has no date: it settles when its holds are released (and its order is due)."""
    commission_state = CommissionState(state)
    if commission_state in (CommissionState.SETTLED, CommissionState.CLAWED_BACK):
        return ExpectedSettlement(at=settled_at, settled=True)
    if commission_state is CommissionState.REVERSED:
        return None
    if held:
        return ExpectedSettlement(at=None, rule="on hold until finance decides")
    days = return_window_days() if window_days is None else window_days
    if delivered_at is None:
        unit = "day" if days == 1 else "days"
        return ExpectedSettlement(at=None, rule=f"{days} {unit} after delivery")
    return ExpectedSettlement(at=delivered_at + timedelta(days=days))
