"""The rule's outlook: the rate a sale pays now, and what plans waiting for an answer would make it.

Same candidates as the rule (``affiliate.plans.commission.rule``), ranked the same way, each
with the creator's ``Standing`` in it: a waiting plan that outranks the rate now is shown as
"30% once approved" or "25% if you accept", never as the rate now.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CTE, literal, select
from sqlalchemy.sql import Subquery

from affiliate.plans.commission.rule import (
    AppliedRate,
    Standing,
    applied_from,
    candidates_query,
    format_rate,
    ranked_rows,
)
from affiliate.plans.models import PlanKind
from core.money import percent_of
from core.types import utcnow


@dataclass(frozen=True)
class Prospect:
    """A plan waiting for an answer that would apply, ahead of the rate now, once given."""

    product_id: int
    plan_id: int
    plan_name: str
    kind: PlanKind
    rate_bps: int
    standing: Standing

    def commission_on(self, amount: int) -> int:
        return percent_of(amount, self.rate_bps)

    def describe(self) -> str:
        """``30% once approved``, ``25% if you accept``."""
        return f"{format_rate(self.rate_bps)} {self.standing.condition}"


@dataclass(frozen=True)
class RateOutlook:
    """For one product: the rate a sale pays now, and what waiting plans would make it."""

    product_id: int
    now: AppliedRate | None
    prospects: tuple[Prospect, ...] = ()  # waiting plans that outrank ``now``, best first

    @property
    def next(self) -> Prospect | None:
        """What the rate becomes if every answer waited for comes (the best prospect)."""
        return self.prospects[0] if self.prospects else None

    @property
    def to_ask(self) -> Prospect | None:
        """The open plan to ask (or already asked) to join: it would apply once approved."""
        return next((p for p in self.prospects if p.standing.asks_the_seller), None)

    @property
    def by_adding(self) -> AppliedRate | None:
        """What a sale pays once the creator adds the product to the showcase now: nothing
        while an open plan that outranks the rate now needs the seller's approval (adding
        asks to join it, and the product waits outside the showcase until approved)."""
        return None if self.to_ask is not None else self.now

    def if_granted(self, plan_id: int) -> Prospect | None:
        """The plan's prospect, if its answer alone would make it apply."""
        return next((p for p in self.prospects if p.plan_id == plan_id), None)


def outlook_rates(
    creator_id: int, at: datetime | None = None, *, prospective: bool = False
) -> tuple[Subquery, Subquery, Subquery]:
    """``(now, next, ask)`` subqueries over one ranking, each one row per product at most.

    ``now`` is ``winning_rates``: the plan that applies now. ``next`` is the best plan
    waiting for an answer where it outranks the rate now, with its ``standing``; ``ask`` the
    best open plan waiting for the seller's approval that outranks it (``RateOutlook.to_ask``).
    A product with none of them is not covered at all. Outer-join products to them.
    """
    ranked: CTE = candidates_query(
        creator_id, at or utcnow(), prospective=prospective, outlook=True
    ).cte("ranked_candidate")
    columns = (
        ranked.c.product_id,
        ranked.c.plan_id,
        ranked.c.plan_name,
        ranked.c.kind,
        ranked.c.rate_bps,
    )
    now = (
        select(*columns)
        .where(ranked.c.standing == Standing.NOW.value, ranked.c.rank_now == literal(1))
        .subquery("rate_now")
    )
    waiting = (
        select(*columns, ranked.c.standing)
        .where(ranked.c.standing != Standing.NOW.value, ranked.c.rank == literal(1))
        .subquery("rate_next")
    )
    asks = (Standing.AWAITING_APPROVAL.value, Standing.NEEDS_APPROVAL.value)
    ask = (
        select(*columns, ranked.c.standing)
        .where(ranked.c.standing.in_(asks), ranked.c.rank_uninvited == literal(1))
        .subquery("rate_ask")
    )
    return now, waiting, ask


def rate_outlooks(
    creator_id: int,
    product_ids: Iterable[int],
    at: datetime | None = None,
    *,
    prospective: bool = False,
) -> dict[int, RateOutlook]:
    """The rate now and the prospects of each product that a plan covers: one query."""
    rows = ranked_rows(creator_id, product_ids, at, prospective=prospective, outlook=True)
    outlooks = {}
    for product_id, group in rows.items():
        earning = [row for row in group if row.standing == Standing.NOW.value]
        prospects = []
        for row in group:
            if row.standing == Standing.NOW.value:
                break  # the rate now: what ranks below it would not apply
            prospects.append(
                Prospect(
                    product_id=product_id,
                    plan_id=row.plan_id,
                    plan_name=row.plan_name,
                    kind=PlanKind(row.kind),
                    rate_bps=row.rate_bps,
                    standing=Standing(row.standing),
                )
            )
        outlooks[product_id] = RateOutlook(
            product_id=product_id,
            now=applied_from(product_id, earning) if earning else None,
            prospects=tuple(prospects),
        )
    return outlooks
