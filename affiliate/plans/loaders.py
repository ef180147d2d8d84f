"""Loaders for the views: a plan or a membership by id, answered as 404 or 403.

A seller loads only their own store's plans: another store's is a 403 (the seller centre says
so), a missing one a 404. A membership loads through its plan, or for the creator it is
addressed to; anybody else's reads as missing (404).
"""

from __future__ import annotations

from flask import abort

from affiliate.plans.models import Plan, PlanMembership
from core.accounts.authz import get_or_404, get_owned_or_404
from shop.catalog.models import Store


def get_plan_or_404(plan_id: int, *, owner: Store | None) -> Plan:
    """The plan if it is ``owner``'s: 404 if there is no such plan, 403 if it is another
    store's (or the seller has no store)."""
    if owner is None:
        get_or_404(Plan, plan_id)
        abort(403)
    return get_owned_or_404(Plan, plan_id, owner_id=owner.id, owner_attr="store_id")


def get_membership_or_404(
    membership_id: int, *, plan: Plan | None = None, creator_id: int | None = None
) -> PlanMembership:
    """A membership of ``plan``, or addressed to ``creator_id``; any other reads as missing."""
    membership = get_or_404(PlanMembership, membership_id)
    ours = (plan is not None and membership.plan_id == plan.id) or (
        creator_id is not None and membership.creator_id == creator_id
    )
    if not ours:
        abort(404)
    return membership
