"""Commission terms fixed on attributed order lines when the order is placed.

The shop knows nothing of plans: it asks whoever registered an answer (``shop.hooks``) what
a creator's sale of each product earns at the moment the order is placed, and writes the
answer on the line, in the placing transaction. Later changes to a plan (a rate cut or raise,
a pause, a joiner approved) never reach an order placed before them. A line bought by the
creator it is attributed to (self-purchase) is asked like any other: the affiliate side earns
it and its fraud rules hold it for finance, rather than dropping it unseen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from shop import hooks
from shop.orders.models import OrderLine

BASIS_MAX = 300
NO_PLAN = "no plan covered it for the creator when the order was placed"


def fix_commission_terms(buyer_id: int, lines: Iterable[OrderLine], at: datetime) -> None:
    """Snapshot the terms of each attributed line (one question per creator)."""
    by_creator: dict[int, list[OrderLine]] = defaultdict(list)
    for line in lines:
        if line.creator_id is not None:
            by_creator[line.creator_id].append(line)
    for creator_id in sorted(by_creator):
        attributed = by_creator[creator_id]
        product_ids = sorted({line.product_id for line in attributed})
        terms = hooks.commission_terms_for(creator_id, product_ids, at)
        if terms is None:
            return  # nobody answers: the shop runs without the affiliate side
        for line in attributed:
            found = terms.get(line.product_id)
            line.commission_plan_id = found.plan_id if found else None
            line.commission_plan_kind = found.plan_kind if found else None
            line.commission_rate_bps = found.rate_bps if found else 0
            line.commission_basis = (found.basis if found else NO_PLAN)[:BASIS_MAX]
