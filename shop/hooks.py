"""Questions the shop asks of whoever registered an answer (the affiliate side, when present).

Signals (``shop.signals``) announce what happened; hooks answer a question the shop needs
answered at once. The shop registers none itself, and works unchanged when none is
registered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from shop.orders.cart import Attribution

AttributionResolver = Callable[[int], Attribution | None]

_attribution_resolvers: list[AttributionResolver] = []


@dataclass(frozen=True)
class CommissionTerms:
    """What a creator's sale of a product earns: the plan that applies (an id, its kind), the
    rate in basis points, and why that plan won (for the ledger and the creator)."""

    plan_id: int
    plan_kind: str
    rate_bps: int
    basis: str = ""


#: ``resolver(creator_id, product_ids, at)``: the terms per product id that earns at ``at``
#: (a product left out earns nothing).
CommissionTermsResolver = Callable[[int, Sequence[int], datetime], Mapping[int, CommissionTerms]]

_commission_terms: list[CommissionTermsResolver] = []


def register_attribution_resolver(resolver: AttributionResolver) -> None:
    """``resolver(product_id)`` names the content the visitor last came from, if any."""
    if resolver not in _attribution_resolvers:
        _attribution_resolvers.append(resolver)


def attribution_for(product_id: int) -> Attribution | None:
    """The attribution for adding ``product_id`` to the cart in this request, if any."""
    for resolver in _attribution_resolvers:
        found = resolver(product_id)
        if found is not None:
            return found
    return None


def register_commission_terms(resolver: CommissionTermsResolver) -> None:
    """``resolver`` answers what an attributed sale earns; the first registered is asked."""
    if resolver not in _commission_terms:
        _commission_terms.append(resolver)


def commission_terms_for(
    creator_id: int, product_ids: Sequence[int], at: datetime
) -> Mapping[int, CommissionTerms] | None:
    """The terms of ``creator_id``'s sales of these products at ``at``; None when nobody
    answers (the shop on its own: nothing is snapshotted)."""
    if not _commission_terms:
        return None
    return _commission_terms[0](creator_id, product_ids, at)


#: ``step(now)``: work that the order clock also runs (``flask orders run-clock``), committing
#: its own transaction; it returns a line saying what it did.
ClockStep = Callable[[datetime], str]

_clock_steps: list[ClockStep] = []


def register_clock_step(step: ClockStep) -> None:
    """Run ``step`` after the order clock's own steps (once, however often registered)."""
    if step not in _clock_steps:
        _clock_steps.append(step)


def clock_steps() -> list[ClockStep]:
    return list(_clock_steps)
