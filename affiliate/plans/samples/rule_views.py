"""The seller's sample rules (``/seller/samples/rules``) and sample economics
(``/seller/samples/economics``, CSV at ``/seller/samples/economics.csv``).

A seller sees and changes only their own store's rules: another store's rule is a 404. Bad
input answers 400 with the form's errors and writes nothing. Each change is one transaction,
committed here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.plans import queries as plan_queries
from affiliate.plans.exceptions import PlanError
from affiliate.plans.forms import ConfirmForm
from affiliate.plans.samples import economics, rules
from affiliate.plans.samples.forms import PostingFloorForm, RuleForm
from affiliate.plans.samples.models import SampleRule
from affiliate.plans.samples.obligations import format_rate
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from core.web.refusals import refuse
from shop.catalog.models import Store
from shop.catalog.stores import get_store_for_owner

bp = Blueprint("sample_rules", __name__)

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


def _store_or_404() -> Store:
    store = get_store_for_owner(current_user.id)
    if store is None:
        abort(404)
    return store


def _rule_or_404(store: Store, rule_id: int) -> SampleRule:
    rule = db.session.get(SampleRule, rule_id) if 0 < rule_id < 2**63 else None
    if rule is None or rule.store_id != store.id:
        abort(404)
    return rule


def _rules_page(
    store: Store,
    status: int = 200,
    *,
    form: RuleForm | None = None,
    floor_form: PostingFloorForm | None = None,
) -> ResponseReturnValue:
    if form is None:
        form = RuleForm(formdata=None)
        form.active.data = True
    form.set_products(plan_queries.store_products(store))
    floor = rules.posting_floor(store.id)
    if floor_form is None:
        floor_form = PostingFloorForm(formdata=None)
        floor_form.min_posting_rate.data = None if floor is None else floor / 100
    return (
        render_template(
            "plans/sample_rules.html",
            store=store,
            rules=rules.store_rules(store.id),
            approvals=rules.rule_approvals(store.id),
            conditions=rules.conditions,
            floor=None if floor is None else format_rate(floor),
            form=form,
            floor_form=floor_form,
            confirm_form=ConfirmForm(formdata=None),
        ),
        status,
    )


@bp.get("/seller/samples/rules")
@role_required(Role.SELLER)
def index() -> ResponseReturnValue:
    store = get_store_for_owner(current_user.id)
    if store is None:
        return redirect(url_for("samples.seller_queue"))
    return _rules_page(store)


@bp.post("/seller/samples/rules")
@role_required(Role.SELLER)
def create() -> ResponseReturnValue:
    store = _store_or_404()
    form = RuleForm()
    form.set_products(plan_queries.store_products(store))
    data = form.parse(store.currency)
    if data is None:
        flash("Check the highlighted fields.", "danger")
        return _rules_page(store, 400, form=form)
    try:
        rule = rules.create_rule(current_user, data)
    except PlanError as error:
        return refuse(error, form=form, page=lambda s: _rules_page(store, s, form=form))
    db.session.commit()
    flash(f"Rule “{rule.name}” saved: it approves matching requests by itself.", "success")
    return redirect(url_for("sample_rules.index"))


def _edit_page(
    store: Store, rule: SampleRule, form: RuleForm, status: int = 200
) -> ResponseReturnValue:
    form.set_products(plan_queries.store_products(store))
    return render_template("plans/sample_rule_edit.html", store=store, rule=rule, form=form), status


@bp.route("/seller/samples/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@role_required(Role.SELLER)
def edit(rule_id: int) -> ResponseReturnValue:
    store = _store_or_404()
    rule = _rule_or_404(store, rule_id)
    if request.method == "GET":
        form = RuleForm(formdata=None)
        form.fill(rule, store.currency)
        return _edit_page(store, rule, form)
    form = RuleForm()
    form.set_products(plan_queries.store_products(store))
    data = form.parse(store.currency)
    if data is None:
        flash("Check the highlighted fields.", "danger")
        return _edit_page(store, rule, form, 400)
    try:
        rules.update_rule(current_user, rule.id, data)
    except PlanError as error:
        return refuse(error, form=form, page=lambda s: _edit_page(store, rule, form, s))
    db.session.commit()
    flash("Rule saved.", "success")
    return redirect(url_for("sample_rules.index"))


@bp.post("/seller/samples/rules/<int:rule_id>/delete")
@role_required(Role.SELLER)
def delete(rule_id: int) -> ResponseReturnValue:
    store = _store_or_404()
    rule = _rule_or_404(store, rule_id)
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; try again.", "danger")
        return _rules_page(store, 400)
    rules.delete_rule(current_user, rule.id)
    db.session.commit()
    flash("Rule deleted; the requests it approved still say so.", "info")
    return redirect(url_for("sample_rules.index"))


@bp.post("/seller/samples/posting-floor")
@role_required(Role.SELLER)
def set_floor() -> ResponseReturnValue:
    store = _store_or_404()
    form = PostingFloorForm()
    if not form.validate_on_submit():
        flash("Enter a posting rate from 0 to 100, or leave it empty.", "danger")
        return _rules_page(store, 400, floor_form=form)
    value = form.min_posting_rate.data
    try:
        rules.set_posting_floor(current_user, None if value is None else int(value * 100))
    except PlanError as error:
        return refuse(error, form=form, page=lambda s: _rules_page(store, s, floor_form=form))
    db.session.commit()
    flash(
        "No posting-rate floor: rules decide."
        if value is None
        else f"Creators below {value}% posting rate now wait for you, whatever the rules.",
        "success",
    )
    return redirect(url_for("sample_rules.index"))


# ---------------------------------------------------------------------------------------------
# Economics
# ---------------------------------------------------------------------------------------------


class BadPeriod(ValueError):
    pass


def _date_arg(name: str, default: date) -> date:
    raw = request.args.get(name, "")
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadPeriod(f"Enter the {name} date as YYYY-MM-DD.") from None


def _period() -> tuple[date, date]:
    today = utcnow().date()
    start = _date_arg("from", today - timedelta(days=DEFAULT_DAYS - 1))
    end = _date_arg("to", today)
    if end < start:
        raise BadPeriod("The period ends before it starts.")
    if (end - start).days >= MAX_DAYS:
        raise BadPeriod("Choose a period of at most three years.")
    return start, end


def _economics(store: Store) -> tuple[economics.Economics, date, date]:
    start, end = _period()
    by = "product" if request.args.get("by") == "product" else "creator"
    sort = request.args.get("sort", "net")
    descending = request.args.get("dir", "desc") != "asc"
    since = datetime.combine(start, time.min, tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    data = economics.sample_economics(
        store.id,
        store.currency,
        since,
        until,
        by=by,  # type: ignore[arg-type]
        sort=sort,
        descending=descending,
    )
    return data, start, end


@bp.get("/seller/samples/economics")
@role_required(Role.SELLER)
def economics_page() -> ResponseReturnValue:
    store = _store_or_404()
    try:
        data, start, end = _economics(store)
    except BadPeriod as error:
        flash(str(error), "danger")
        return render_template("plans/sample_economics.html", store=store, data=None), 400
    return render_template(
        "plans/sample_economics.html",
        store=store,
        data=data,
        start=start,
        end=end,
        sort=request.args.get("sort", "net"),
        descending=request.args.get("dir", "desc") != "asc",
        sorts=economics.SORTS,
    )


@bp.get("/seller/samples/economics.csv")
@role_required(Role.SELLER)
def economics_csv() -> ResponseReturnValue:
    store = _store_or_404()
    try:
        data, start, end = _economics(store)
    except BadPeriod as error:
        return Response(str(error), status=400, mimetype="text/plain")
    name = f"sample-economics-{data.by}-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(
        data.csv_text(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
