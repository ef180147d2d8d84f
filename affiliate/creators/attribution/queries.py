"""Sums over commissions that several pages read (the Creator centre, the sellers' affiliate tab,
the directory's measured figures).

Commission figures split each line's amount three ways, so that they add up to what was
earned: *pending* and *settled* are ``amount − reversed_amount`` of lines in those states (a
clawed back line counts as settled for what it kept), *reversed* is every ``reversed_amount``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.sql.elements import ColumnElement

from affiliate.creators.attribution.models import Commission, CommissionState
from core.extensions import db

SETTLED_STATES = (CommissionState.SETTLED.value, CommissionState.CLAWED_BACK.value)


def net_commission() -> ColumnElement[int]:
    """What a line earns after reversals and clawbacks."""
    return Commission.amount - Commission.reversed_amount


def net_base() -> ColumnElement[int]:
    """A line's GMV net of reversals: the paid amount in the share its commission kept."""
    return Commission.base_amount - (Commission.base_amount * Commission.reversed_amount) / (
        Commission.amount
    )


def sum_of(value: Any, condition: ColumnElement[bool] | None = None) -> Any:
    """``SUM(value)`` (over the rows meeting ``condition``, if given), 0 when there are none."""
    if condition is not None:
        value = case((condition, value), else_=0)
    return func.coalesce(func.sum(value), 0)


@dataclass(frozen=True)
class CommissionTotals:
    lines: int = 0
    orders: int = 0
    gmv: int = 0  # base amounts net of reversals
    earned: int = 0  # pending + settled
    pending: int = 0
    settled: int = 0
    reversed: int = 0


def commission_totals(*conditions: ColumnElement[bool]) -> CommissionTotals:
    """Lines, orders, GMV and the three-way split of the commissions meeting ``conditions``:
    one statement."""
    row = db.session.execute(
        select(
            func.count(Commission.id),
            func.count(func.distinct(Commission.order_id)),
            sum_of(net_base()),
            sum_of(net_commission()),
            sum_of(net_commission(), Commission.state == CommissionState.PENDING.value),
            sum_of(net_commission(), Commission.state.in_(SETTLED_STATES)),
            sum_of(Commission.reversed_amount),
        ).where(*conditions)
    ).one()
    return CommissionTotals(*(int(value) for value in row))
