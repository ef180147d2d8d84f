"""Seller pages for affiliate plans (``/seller/plans``).

A seller sees and changes only the plans of their own store: another store's plan is a 403,
a plan that does not exist a 404. Bad input answers 400 with the page and the message, a move
the plan's state forbids 409, and nothing is written.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.plans import services
from affiliate.plans.exceptions import PlanError
from affiliate.plans.forms import (
    ConfirmForm,
    InviteForm,
    OpenPlanForm,
    RateForm,
    StorePlanForm,
    TargetedPlanForm,
    ids_from,
    product_rates_from,
    split_identifiers,
)
from affiliate.plans.models import MembershipStatus, Plan, PlanKind, PlanStatus
from affiliate.plans.rule import format_rate
from core.accounts.authz import get_or_404, role_required
from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Store
from shop.catalog.services import get_store_for_owner

bp = Blueprint("plans", __name__, url_prefix="/seller/plans")


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


def get_store_plan_or_404(plan_id: int) -> tuple[Plan, Store]:
    """The plan and the seller's store: 404 if no such plan, 403 if another store's."""
    plan = get_or_404(Plan, plan_id)
    store = _my_store()
    if store is None or plan.store_id != store.id:
        abort(403)
    return plan, store


def _notice_days() -> int:
    return int(current_app.config.get("PLAN_RATE_CUT_NOTICE_DAYS", 30))


def _actor() -> int:
    return current_user.id


# ---------------------------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------------------------


def _index_page(
    store: Store | None,
    status: int = 200,
    *,
    error: str = "",
    store_form: StorePlanForm | None = None,
) -> ResponseReturnValue:
    if store is None:
        return render_template("plans/index.html", store=None), status
    plans = services.plans_of_store(store.id)
    store_plan = next((p for p in plans if p.kind == PlanKind.STORE.value), None)
    others = [p for p in plans if p.kind != PlanKind.STORE.value]
    counts = services.plan_counts([p.id for p in others])
    store_rate = store_cut = None
    if store_plan is not None:
        store_rate = services.current_rates(store_plan).get(None)
        scheduled = services.scheduled_rates(store_plan)
        store_cut = scheduled[-1] if scheduled else None
    if store_form is None:
        store_form = StorePlanForm(formdata=None)
        if store_rate is not None:
            store_form.rate.data = format_rate(store_rate.rate_bps).removesuffix("%")
        store_form.active.data = store_plan is None or store_plan.status == PlanStatus.ACTIVE.value
    return (
        render_template(
            "plans/index.html",
            store=store,
            store_plan=store_plan,
            store_rate=store_rate,
            store_cut=store_cut,
            plans=others,
            counts=counts,
            store_form=store_form,
            error=error,
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
        return _index_page(store, 400, error="Check the store plan's rate.", store_form=form)
    try:
        rate = services.parse_rate_percent(form.rate.data)
        plan = services.set_store_plan(
            store,
            rate,
            active=form.active.data,
            notice_days=_notice_days(),
            actor_id=_actor(),
        )
    except PlanError as error:
        db.session.rollback()
        return _index_page(store, error.status_code, error=str(error), store_form=form)
    db.session.commit()
    state = "on" if plan.status == PlanStatus.ACTIVE.value else "off"
    flash(f"Store plan saved: {format_rate(rate)}, {state}.", "success")
    return redirect(url_for("plans.index"))


# ---------------------------------------------------------------------------------------------
# New plans
# ---------------------------------------------------------------------------------------------


def _new_page(
    kind: PlanKind, store: Store, form: Any, status: int = 200, *, error: str = ""
) -> ResponseReturnValue:
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
            products=services.store_products(store),
            chosen=chosen,
            chosen_creators=services.creators_by_ids(creator_ids),
            error=error,
        ),
        status,
    )


def _create(kind: PlanKind) -> ResponseReturnValue:
    store = _store_or_404()
    form = OpenPlanForm() if kind == PlanKind.OPEN else TargetedPlanForm()
    if request.method == "GET":
        form.starts_on.data = utcnow().date()
        return _new_page(kind, store, form)
    if not form.validate_on_submit():
        return _new_page(kind, store, form, 400, error="Check the highlighted fields.")
    try:
        starts_at, ends_at = form.window()
        rates = product_rates_from(request.form)
        if kind == PlanKind.OPEN:
            plan = services.create_open_plan(
                store,
                name=form.name.data,
                product_rates=rates,
                starts_at=starts_at,
                ends_at=ends_at,
                manual_approval=form.manual_approval.data,
                actor_id=_actor(),
            )
        else:
            creator_ids = ids_from(request.form.getlist("creator_ids"))
            creator_ids += services.find_creator_ids(split_identifiers(form.creators.data))
            plan = services.create_targeted_plan(
                store,
                name=form.name.data,
                product_rates=rates,
                creator_ids=list(dict.fromkeys(creator_ids)),
                message=form.message.data or "",
                starts_at=starts_at,
                ends_at=ends_at,
                actor_id=_actor(),
            )
    except PlanError as error:
        db.session.rollback()
        return _new_page(kind, store, form, 400, error=str(error))
    db.session.commit()
    flash(f"{kind.label.capitalize()} “{plan.name}” created.", "success")
    return redirect(url_for("plans.show", plan_id=plan.id))


@bp.route("/open/new", methods=["GET", "POST"])
@role_required(Role.SELLER)
def new_open() -> ResponseReturnValue:
    return _create(PlanKind.OPEN)


@bp.route("/targeted/new", methods=["GET", "POST"])
@role_required(Role.SELLER)
def new_targeted() -> ResponseReturnValue:
    return _create(PlanKind.TARGETED)


# ---------------------------------------------------------------------------------------------
# One plan
# ---------------------------------------------------------------------------------------------


def _plan_page(
    plan: Plan, store: Store, status: int = 200, *, error: str = "", **forms: Any
) -> ResponseReturnValue:
    members = services.plan_members(plan)
    rows = services.plan_products(plan)
    in_plan = {row.product.id for row in rows}
    addable = [] if plan.kind == PlanKind.STORE.value else services.store_products(store)
    context = {
        "invite_form": InviteForm(formdata=None),
        "rate_form": RateForm(formdata=None),
        "confirm_form": ConfirmForm(formdata=None),
        **forms,
    }
    return (
        render_template(
            "plans/show.html",
            plan=plan,
            store=store,
            rows=rows,
            default_rate=services.current_rates(plan).get(None),
            default_scheduled=[r for r in services.scheduled_rates(plan) if r.product_id is None],
            members=members,
            by_status=_group_members(members),
            addable=[p for p in addable if p.id not in in_plan],
            error=error,
            Status=MembershipStatus,
            **context,
        ),
        status,
    )


def _group_members(members: list[services.MemberRow]) -> dict[str, list[services.MemberRow]]:
    groups: dict[str, list[services.MemberRow]] = {
        "joined": [],
        "pending": [],
        "invited": [],
        "other": [],
    }
    for row in members:
        status = row.membership.status
        if status in (MembershipStatus.JOINED.value, MembershipStatus.ACCEPTED.value):
            groups["joined"].append(row)
        elif status == MembershipStatus.PENDING.value:
            groups["pending"].append(row)
        elif status == MembershipStatus.INVITED.value:
            groups["invited"].append(row)
        else:
            groups["other"].append(row)
    return groups


def _refused(plan: Plan, error: PlanError, **forms: Any) -> ResponseReturnValue:
    """Roll back whatever the service began, and show the page with the reason."""
    db.session.rollback()
    plan, store = get_store_plan_or_404(plan.id)
    return _plan_page(plan, store, error.status_code, error=str(error), **forms)


def _done(plan: Plan, message: str) -> ResponseReturnValue:
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("plans.show", plan_id=plan.id))


def _confirmed(plan: Plan, store: Store) -> ResponseReturnValue | None:
    if ConfirmForm().validate_on_submit():
        return None
    return _plan_page(plan, store, 400, error="The form expired; try again.")


@bp.get("/<int:plan_id>")
@role_required(Role.SELLER)
def show(plan_id: int) -> ResponseReturnValue:
    plan, store = get_store_plan_or_404(plan_id)
    return _plan_page(plan, store)


_MOVES = {
    "pause": (services.pause, "is paused: it earns nothing on new orders until you resume it."),
    "resume": (services.resume, "is running again."),
    "end": (services.end, "has ended."),
}


@bp.post("/<int:plan_id>/<any(pause, resume, end):action>")
@role_required(Role.SELLER)
def move(plan_id: int, action: str) -> ResponseReturnValue:
    plan, store = get_store_plan_or_404(plan_id)
    if (refused := _confirmed(plan, store)) is not None:
        return refused
    service, outcome = _MOVES[action]
    try:
        service(plan, actor_id=_actor())
    except PlanError as error:
        return _refused(plan, error)
    return _done(plan, f"“{plan.name}” {outcome}")


@bp.post("/<int:plan_id>/rate")
@role_required(Role.SELLER)
def change_rate(plan_id: int) -> ResponseReturnValue:
    plan, store = get_store_plan_or_404(plan_id)
    form = RateForm()
    if not form.validate_on_submit():
        return _plan_page(plan, store, 400, error="Enter the new rate.", rate_form=form)
    raw_product = (form.product_id.data or "").strip()
    product_id = int(raw_product) if raw_product.isdigit() and len(raw_product) <= 18 else None
    if plan.kind != PlanKind.STORE.value and product_id is None:
        return _plan_page(plan, store, 400, error="Choose the product whose rate changes.")
    try:
        rate_bps = services.parse_rate_percent(form.rate.data)
        rate = services.change_rate(
            plan, product_id, rate_bps, notice_days=_notice_days(), actor_id=_actor()
        )
    except PlanError as error:
        return _refused(plan, error, rate_form=form)
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
    plan, store = get_store_plan_or_404(plan_id)
    if (refused := _confirmed(plan, store)) is not None:
        return refused
    try:
        rates = product_rates_from(request.form)
        services.add_products(plan, rates, actor_id=_actor())
    except PlanError as error:
        return _refused(plan, error)
    return _done(plan, f"{len(rates)} product(s) added to “{plan.name}”.")


@bp.post("/<int:plan_id>/products/<int:product_id>/remove")
@role_required(Role.SELLER)
def remove_product(plan_id: int, product_id: int) -> ResponseReturnValue:
    plan, store = get_store_plan_or_404(plan_id)
    if (refused := _confirmed(plan, store)) is not None:
        return refused
    try:
        services.remove_product(plan, product_id, actor_id=_actor())
    except PlanError as error:
        return _refused(plan, error)
    return _done(plan, "Product removed from the plan.")


@bp.post("/<int:plan_id>/invite")
@role_required(Role.SELLER)
def invite(plan_id: int) -> ResponseReturnValue:
    plan, store = get_store_plan_or_404(plan_id)
    form = InviteForm()
    if not form.validate_on_submit():
        return _plan_page(plan, store, 400, error="Check the creators.", invite_form=form)
    try:
        creator_ids = ids_from(request.form.getlist("creator_ids"))
        creator_ids += services.find_creator_ids(split_identifiers(form.creators.data))
        if not creator_ids:
            return _plan_page(
                plan, store, 400, error="Name at least one creator.", invite_form=form
            )
        memberships = services.invite(plan, list(dict.fromkeys(creator_ids)), actor_id=_actor())
    except PlanError as error:
        return _refused(plan, error, invite_form=form)
    return _done(plan, f"{len(memberships)} creator(s) invited to “{plan.name}”.")


@bp.post("/<int:plan_id>/members/<int:membership_id>/<any(approve, reject):decision>")
@role_required(Role.SELLER)
def decide(plan_id: int, membership_id: int, decision: str) -> ResponseReturnValue:
    plan, store = get_store_plan_or_404(plan_id)
    if (refused := _confirmed(plan, store)) is not None:
        return refused
    try:
        services.decide_joiner(
            plan, membership_id, approve=decision == "approve", actor_id=_actor()
        )
    except PlanError as error:
        return _refused(plan, error)
    return _done(plan, "Creator approved." if decision == "approve" else "Request declined.")
