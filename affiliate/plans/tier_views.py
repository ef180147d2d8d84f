"""The seller's volume tiers on a plan's page: add one to a product, remove one not reached."""

from __future__ import annotations

from flask import Blueprint, flash
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.plans import rates, tiers
from affiliate.plans.exceptions import PlanError, ProductNotInStore
from affiliate.plans.forms import ConfirmForm, TierForm
from affiliate.plans.views import FORM_EXPIRED, _done, _helpers, _my_plan, _plan_page, _refused
from core.accounts.authz import role_required
from core.accounts.models import Role

bp = Blueprint("plan_tiers", __name__, url_prefix="/seller/plans")
bp.context_processor(_helpers)  # the plan page's own helpers (``rate``)


def _product_id(raw: str | None) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isdigit() and len(text) <= 18 else None


@bp.post("/<int:plan_id>/tiers")
@role_required(Role.SELLER)
def add(plan_id: int) -> ResponseReturnValue:
    plan, store = _my_plan(plan_id)
    form = TierForm()
    if not form.validate_on_submit():
        errors = [e for field in (form.min_orders, form.rate) for e in field.errors]
        flash(" ".join(errors) or FORM_EXPIRED, "danger")
        return _plan_page(plan, store, 400, tier_form=form)
    product_id = _product_id(form.product_id.data)
    try:
        if product_id is None:
            raise ProductNotInStore("Choose the product the tier is for.")
        rate_bps = rates.parse_rate_percent(form.rate.data)
        tier = tiers.add_tier(
            plan, product_id, form.min_orders.data, rate_bps, actor_id=current_user.id
        )
    except PlanError as error:
        return _refused(plan, store, error, tier_form=form)
    shown = tiers.Tier(tier.id, tier.product_id, tier.min_orders, tier.rate_bps)
    return _done(plan, f"Tier added: {shown.describe()} through this plan.")


@bp.post("/<int:plan_id>/tiers/<int:tier_id>/remove")
@role_required(Role.SELLER)
def remove(plan_id: int, tier_id: int) -> ResponseReturnValue:
    plan, store = _my_plan(plan_id)
    if not ConfirmForm().validate_on_submit():
        flash(FORM_EXPIRED, "danger")
        return _plan_page(plan, store, 400)
    try:
        tiers.remove_tier(plan, tier_id, actor_id=current_user.id)
    except PlanError as error:
        return _refused(plan, store, error)
    return _done(plan, "Tier removed.")
