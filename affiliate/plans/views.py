"""Seller pages for affiliate plans (``/seller/plans``).

A seller sees and changes only the plans of their own store: another store's plan is a 403,
a plan that does not exist a 404 (``get_plan_or_404``). Bad input answers 400 with the page and
the message, a move the plan's state forbids 409, and nothing is written. The page shows the
actions ``queries.plan_actions`` allows; the creator's side of plans is the Creator centre.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.plans import memberships, queries, rates, services, tiers
from affiliate.plans.commission.rule import format_rate
from affiliate.plans.exceptions import PlanError
from affiliate.plans.forms import (
    ConfirmForm,
    InviteForm,
    OpenPlanForm,
    RateForm,
    StorePlanForm,
    TargetedPlanForm,
    TierForm,
    ids_from,
    product_rates_from,
    split_identifiers,
)
from affiliate.plans.loaders import get_membership_or_404, get_plan_or_404
from affiliate.plans.models import Plan, PlanKind
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.exceptions import DomainError
from core.extensions import db
from core.types import utcnow
from core.web.refusals import refuse
from shop.catalog.models import Store
from shop.catalog.stores import get_store_for_owner

bp = Blueprint("plans", __name__, url_prefix="/seller/plans")

FORM_EXPIRED = "The form expired; try again."


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"rate": format_rate}


def _my_store() -> Store | None:
    return get_store_for_owner(current_user.id)


def _store_or_404() -> Store:
    store = _my_store()
    if store is None:
        abort(404)
    return store


def _my_plan(plan_id: int) -> tuple[Plan, Store]:
    store = _my_store()
    plan = get_plan_or_404(plan_id, owner=store)
    assert store is not None  # get_plan_or_404 answered 403 otherwise
    return plan, store


def _notice_days() -> int:
    return int(current_app.config.get("PLAN_RATE_CUT_NOTICE_DAYS", 30))


# ---------------------------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------------------------


def _index_page(
    store: Store | None, status: int = 200, *, store_form: StorePlanForm | None = None
) -> ResponseReturnValue:
    if store is None:
        return render_template("plans/index.html", store=None), status
    listing = queries.store_plans(store)
    panel = listing.store_plan
    if store_form is None:
        store_form = StorePlanForm(formdata=None)
        if panel.rate is not None:
            store_form.rate.data = format_rate(panel.rate.rate_bps).removesuffix("%")
        store_form.active.data = panel.plan is None or panel.earning
    return (
        render_template(
            "plans/index.html",
            store=store,
            store_plan=panel,
            plans=listing.plans,
            counts=listing.counts,
            store_form=store_form,
        ),
        status,
    )


@bp.get("/")
@role_required(Role.SELLER)
def index() -> ResponseReturnValue:
    return _index_page(_my_store())


@bp.post("/store-plan")
@role_required(Role.SELLER)
def store_plan() -> ResponseReturnValue:
    store = _store_or_404()
    form = StorePlanForm()
    if not form.validate_on_submit():
        flash("Check the store plan's rate.", "danger")
        return _index_page(store, 400, store_form=form)
    try:
        rate = rates.parse_rate_percent(form.rate.data)
        plan = services.set_store_plan(
            store,
            rate,
            active=form.active.data,
            notice_days=_notice_days(),
            actor_id=current_user.id,
        )
    except PlanError as error:
        return refuse(
            error, form=form, page=lambda status: _index_page(store, status, store_form=form)
        )
    db.session.commit()
    state = "on" if queries.StorePlanPanel(plan).earning else "off"
    flash(f"Store plan saved: {format_rate(rate)}, {state}.", "success")
    return redirect(url_for("plans.index"))


# ---------------------------------------------------------------------------------------------
# New plans
# ---------------------------------------------------------------------------------------------


def _new_page(kind: PlanKind, store: Store, form: Any, status: int = 200) -> ResponseReturnValue:
    chosen: dict[str, str] = {}
    if request.method == "POST":
        for raw in request.form.getlist("product_id"):
            chosen[raw] = request.form.get(f"rate-{raw}", "")
    creator_ids = ids_from(request.values.getlist("creator_ids"))
    return (
        render_template(
            "plans/new.html",
            kind=kind,
            store=store,
            form=form,
            products=queries.store_products(store),
            chosen=chosen,
            chosen_creators=queries.creators_by_ids(creator_ids),
        ),
        status,
    )


def _create(kind: PlanKind, store: Store, form: Any) -> Plan:
    starts_at, ends_at = form.window()
    product_rates = product_rates_from(request.form)
    if kind == PlanKind.OPEN:
        return services.create_open_plan(
            store,
            name=form.name.data,
            product_rates=product_rates,
            starts_at=starts_at,
            ends_at=ends_at,
            manual_approval=form.manual_approval.data,
            actor_id=current_user.id,
        )
    creator_ids = ids_from(request.form.getlist("creator_ids"))
    creator_ids += memberships.find_creator_ids(split_identifiers(form.creators.data))
    return services.create_targeted_plan(
        store,
        name=form.name.data,
        product_rates=product_rates,
        creator_ids=list(dict.fromkeys(creator_ids)),
        message=form.message.data or "",
        starts_at=starts_at,
        ends_at=ends_at,
        actor_id=current_user.id,
    )


def _new_plan(kind: PlanKind) -> ResponseReturnValue:
    store = _store_or_404()
    form = OpenPlanForm() if kind == PlanKind.OPEN else TargetedPlanForm()
    if request.method == "GET":
        form.starts_on.data = utcnow().date()
        return _new_page(kind, store, form)
    if not form.validate_on_submit():
        flash("Check the highlighted fields.", "danger")
        return _new_page(kind, store, form, 400)
    try:
        plan = _create(kind, store, form)
    except DomainError as error:
        return refuse(error, form=form, page=lambda status: _new_page(kind, store, form, status))
    db.session.commit()
    flash(f"{kind.label.capitalize()} “{plan.name}” created.", "success")
    return redirect(url_for("plans.show", plan_id=plan.id))


@bp.route("/open/new", methods=["GET", "POST"])
@role_required(Role.SELLER)
def new_open() -> ResponseReturnValue:
    return _new_plan(PlanKind.OPEN)


@bp.route("/targeted/new", methods=["GET", "POST"])
@role_required(Role.SELLER)
def new_targeted() -> ResponseReturnValue:
    return _new_plan(PlanKind.TARGETED)


# ---------------------------------------------------------------------------------------------
# One plan
# ---------------------------------------------------------------------------------------------


def _plan_page(plan: Plan, store: Store, status: int = 200, **forms: Any) -> ResponseReturnValue:
    rows = queries.plan_products(plan)
    in_plan = {row.product.id for row in rows}
    actions = queries.plan_actions(plan)
    addable = queries.store_products(store) if actions.change_products else []
    members = queries.plan_members(plan)
    context = {
        "invite_form": InviteForm(formdata=None),
        "rate_form": RateForm(formdata=None),
        "tier_form": TierForm(formdata=None),
        "confirm_form": ConfirmForm(formdata=None),
        **forms,
    }
    return (
        render_template(
            "plans/show.html",
            plan=plan,
            store=store,
            actions=actions,
            rows=rows,
            tiers=tiers.tiers_of(plan),
            default_rate=rates.current_rates(plan).get(None),
            default_scheduled=[r for r in rates.scheduled_rates(plan) if r.product_id is None],
            members=members,
            by_status=queries.members_by_standing(members),
            addable=[p for p in addable if p.id not in in_plan],
            **context,
        ),
        status,
    )


def _refused(plan: Plan, store: Store, error: DomainError, **forms: Any) -> ResponseReturnValue:
    """Roll back whatever the service began, and show the plan's page with the reason."""
    return refuse(error, page=lambda status: _plan_page(plan, store, status, **forms))


def _done(plan: Plan, message: str) -> ResponseReturnValue:
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("plans.show", plan_id=plan.id))


def _unconfirmed(plan: Plan, store: Store) -> ResponseReturnValue | None:
    """The page again (400) if the button's form expired; None when it is valid."""
    if ConfirmForm().validate_on_submit():
        return None
    flash(FORM_EXPIRED, "danger")
    return _plan_page(plan, store, 400)


@bp.get("/<int:plan_id>")
@role_required(Role.SELLER)
def show(plan_id: int) -> ResponseReturnValue:
    plan, store = _my_plan(plan_id)
    return _plan_page(plan, store)


_MOVES = {
    "pause": (services.pause, "is paused: it earns nothing on new orders until you resume it."),
    "resume": (services.resume, "is running again."),
    "end": (services.end, "has ended."),
}


@bp.post("/<int:plan_id>/<any(pause, resume, end):action>")
@role_required(Role.SELLER)
def move(plan_id: int, action: str) -> ResponseReturnValue:
    plan, store = _my_plan(plan_id)
    if (refused := _unconfirmed(plan, store)) is not None:
        return refused
    service, outcome = _MOVES[action]
    try:
        service(plan, actor_id=current_user.id)
    except PlanError as error:
        return _refused(plan, store, error)
    return _done(plan, f"“{plan.name}” {outcome}")


@bp.post("/<int:plan_id>/rate")
@role_required(Role.SELLER)
def change_rate(plan_id: int) -> ResponseReturnValue:
    plan, store = _my_plan(plan_id)
    form = RateForm()
    if not form.validate_on_submit():
        flash("Enter the new rate.", "danger")
        return _plan_page(plan, store, 400, rate_form=form)
    raw_product = (form.product_id.data or "").strip()
    product_id = int(raw_product) if raw_product.isdigit() and len(raw_product) <= 18 else None
    try:
        rate_bps = rates.parse_rate_percent(form.rate.data)
        rate = rates.change_rate(
            plan, product_id, rate_bps, notice_days=_notice_days(), actor_id=current_user.id
        )
    except PlanError as error:
        return _refused(plan, store, error, rate_form=form)
    if rate.effective_at > utcnow():
        message = (
            f"The cut to {format_rate(rate_bps)} takes effect on {rate.effective_at:%d %b %Y}: "
            "creators who promote the product are told now."
        )
    else:
        message = f"The rate is now {format_rate(rate_bps)} for orders placed from now on."
    return _done(plan, message)


@bp.post("/<int:plan_id>/products")
@role_required(Role.SELLER)
def add_products(plan_id: int) -> ResponseReturnValue:
    plan, store = _my_plan(plan_id)
    if (refused := _unconfirmed(plan, store)) is not None:
        return refused
    try:
        product_rates = product_rates_from(request.form)
        services.add_products(plan, product_rates, actor_id=current_user.id)
    except PlanError as error:
        return _refused(plan, store, error)
    return _done(plan, f"{len(product_rates)} product(s) added to “{plan.name}”.")


@bp.post("/<int:plan_id>/products/<int:product_id>/remove")
@role_required(Role.SELLER)
def remove_product(plan_id: int, product_id: int) -> ResponseReturnValue:
    plan, store = _my_plan(plan_id)
    if (refused := _unconfirmed(plan, store)) is not None:
        return refused
    try:
        services.remove_product(plan, product_id, actor_id=current_user.id)
    except PlanError as error:
        return _refused(plan, store, error)
    return _done(plan, "Product removed from the plan.")


@bp.post("/<int:plan_id>/invite")
@role_required(Role.SELLER)
def invite(plan_id: int) -> ResponseReturnValue:
    plan, store = _my_plan(plan_id)
    form = InviteForm()
    if not form.validate_on_submit():
        flash("Check the creators.", "danger")
        return _plan_page(plan, store, 400, invite_form=form)
    try:
        creator_ids = ids_from(request.form.getlist("creator_ids"))
        creator_ids += memberships.find_creator_ids(split_identifiers(form.creators.data))
        if not creator_ids:
            flash("Name at least one creator.", "danger")
            return _plan_page(plan, store, 400, invite_form=form)
        invited = memberships.invite(
            plan, list(dict.fromkeys(creator_ids)), actor_id=current_user.id
        )
    except DomainError as error:
        return _refused(plan, store, error, invite_form=form)
    return _done(plan, f"{len(invited)} creator(s) invited to “{plan.name}”.")


@bp.post("/<int:plan_id>/members/<int:membership_id>/<any(approve, reject):decision>")
@role_required(Role.SELLER)
def decide(plan_id: int, membership_id: int, decision: str) -> ResponseReturnValue:
    plan, store = _my_plan(plan_id)
    membership = get_membership_or_404(membership_id, plan=plan)
    if (refused := _unconfirmed(plan, store)) is not None:
        return refused
    try:
        memberships.decide_joiner(
            plan, membership.id, approve=decision == "approve", actor_id=current_user.id
        )
    except PlanError as error:
        return _refused(plan, store, error)
    return _done(plan, "Creator approved." if decision == "approve" else "Request declined.")
