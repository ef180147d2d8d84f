"""Loaders for the views: another seller's or creator's flat fee reads as missing (404)."""

from __future__ import annotations

from flask import abort

from affiliate.creators.flatfees.models import FlatFeeHold, FlatFeeSubmission
from affiliate.plans.models import Plan
from core.accounts.authz import get_or_404
from shop.catalog.models import Store


def get_plan_or_404(plan_id: int, *, store: Store | None) -> Plan:
    plan = get_or_404(Plan, plan_id)
    if store is None or plan.store_id != store.id:
        abort(404)
    return plan


def get_submission_or_404(submission_id: int, *, store: Store | None) -> FlatFeeSubmission:
    submission = get_or_404(FlatFeeSubmission, submission_id)
    if store is None or submission.hold.offer.store_id != store.id:
        abort(404)
    return submission


def get_hold_or_404(hold_id: int, *, creator_id: int) -> FlatFeeHold:
    hold = get_or_404(FlatFeeHold, hold_id)
    if hold.creator_id != creator_id:
        abort(404)
    return hold
