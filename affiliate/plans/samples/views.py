"""Free samples: the creator's requests (``/creator/samples``) and the seller's queue
(``/seller/samples``).

A creator sees and cancels only their own requests, a seller sees and answers only their own
store's: anybody else's request is a 404. Bad input answers 400 with the form's errors, a move
the request's state (or the stock, or the cap) forbids 409 with a message, and nothing is
written. Each action is one transaction, committed here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.plans import queries as plan_queries
from affiliate.plans.exceptions import PlanError
from affiliate.plans.forms import ConfirmForm
from affiliate.plans.samples import caps, obligations, queries, rules, services
from affiliate.plans.samples.forms import (
    DeclineSampleForm,
    SampleCapForm,
    SampleRequestForm,
    ShippingCostForm,
)
from affiliate.plans.samples.jobs import posting_days
from affiliate.plans.samples.loaders import get_sample_or_404
from affiliate.plans.samples.models import SampleStatus
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.extensions import db
from core.money import parse_amount, to_decimal
from core.web.pagination import page_arg
from core.web.refusals import refuse
from shop.catalog.models import Product, Store
from shop.catalog.stores import get_store_for_owner
from shop.orders.checkout.services import addresses_of

bp = Blueprint("samples", __name__)

SELLER_TABS = (
    (SampleStatus.REQUESTED.value, "Waiting"),
    (SampleStatus.APPROVED.value, "Approved"),
    (SampleStatus.DECLINED.value, "Declined"),
    (SampleStatus.CANCELLED.value, "Cancelled"),
    ("all", "All"),
)
_TABS = {value for value, _ in SELLER_TABS}
FORM_EXPIRED = "The form expired; try again."


def _missing_is_404(error: PlanError) -> None:
    """A refusal that reads as missing is the 404 page, like a request that is not there."""
    if error.status_code == 404:
        db.session.rollback()
        abort(404)


# ---------------------------------------------------------------------------------------------
# The creator's side
# ---------------------------------------------------------------------------------------------


def _new_page(
    product: Product | None, form: SampleRequestForm | None, status: int = 200
) -> ResponseReturnValue:
    addresses = addresses_of(current_user.id) if product is not None else []
    cap = used = None
    if product is not None and form is not None:
        form.set_addresses(addresses)
        form.set_variants(services.sample_variants(product), product.currency)
        cap = queries.sample_cap(product.id)
        used = queries.sample_counts([product.id]).get(product.id, 0)
    return (
        render_template(
            "plans/samples_new.html",
            product=product,
            form=form,
            addresses=addresses,
            cap=cap,
            used=used,
        ),
        status,
    )


@bp.route("/creator/samples/new/<int:product_id>", methods=["GET", "POST"])
@role_required(Role.CREATOR)
def new(product_id: int) -> ResponseReturnValue:
    try:
        product = services.sample_product(current_user.id, product_id)
    except PlanError as error:
        _missing_is_404(error)
        return refuse(error, page=lambda status: _new_page(None, None, status))
    if request.method == "GET":
        return _new_page(product, SampleRequestForm(formdata=None))
    form = SampleRequestForm()
    form.set_addresses(addresses_of(current_user.id))
    form.set_variants(services.sample_variants(product), product.currency)
    if not form.validate_on_submit():
        flash("Check the highlighted fields.", "danger")
        return _new_page(product, form, 400)
    try:
        sample = services.request_sample(
            current_user,
            product.id,
            form.variant_id.data,
            form.note.data,
            None if form.wants_new_address else int(form.address.data),
            new_address=form.new_address_fields() if form.wants_new_address else None,
        )
    except PlanError as error:
        return refuse(error, form=form, page=lambda status: _new_page(product, form, status))
    db.session.commit()
    if sample.approved_by_rule:
        flash(
            f"Sample of “{product.title}” approved at once by the seller's "
            f"{sample.approved_by_rule[0].lower()}{sample.approved_by_rule[1:]}: it ships soon.",
            "success",
        )
    else:
        flash(
            f"Sample of “{product.title}” requested. The seller will approve or decline.",
            "success",
        )
    return redirect(url_for("samples.creator_requests"))


def _creator_page(status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "plans/creator_samples.html",
            page=queries.creator_requests(current_user.id, page_arg()),
            rate=obligations.posting_rate(current_user.id),
            posting_days=posting_days(),
            cancel_form=ConfirmForm(formdata=None),
        ),
        status,
    )


@bp.get("/creator/samples")
@role_required(Role.CREATOR)
def creator_requests() -> ResponseReturnValue:
    return _creator_page()


@bp.post("/creator/samples/<int:request_id>/cancel")
@role_required(Role.CREATOR)
def cancel(request_id: int) -> ResponseReturnValue:
    sample = get_sample_or_404(request_id, creator_id=current_user.id)
    if not ConfirmForm().validate_on_submit():
        flash(FORM_EXPIRED, "danger")
        return _creator_page(400)
    try:
        services.cancel_sample(current_user, sample.id)
    except PlanError as error:
        return refuse(error, page=_creator_page)
    db.session.commit()
    flash("Sample request cancelled.", "info")
    return redirect(url_for("samples.creator_requests"))


# ---------------------------------------------------------------------------------------------
# The seller's side
# ---------------------------------------------------------------------------------------------


def _tab() -> str:
    tab = request.args.get("status", SampleStatus.REQUESTED.value)
    return tab if tab in _TABS else SampleStatus.REQUESTED.value


def _cap_product_arg() -> int | None:
    raw = request.args.get("cap_product", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


def _queue_page(
    store: Store | None,
    status: int = 200,
    *,
    decline_for: int | None = None,
    decline_form: DeclineSampleForm | None = None,
    cap_for: int | None = None,
    cap_form: SampleCapForm | None = None,
) -> ResponseReturnValue:
    if store is None:
        return render_template("plans/seller_samples.html", store=None), status
    tab = _tab()
    cap_product = cap_for or _cap_product_arg()

    def decline_form_for(request_id: int) -> DeclineSampleForm:
        if decline_form is not None and decline_for == request_id:
            return decline_form
        return DeclineSampleForm(formdata=None)

    def cap_form_for(product_id: int, cap: int | None) -> SampleCapForm:
        if cap_form is not None and cap_for == product_id:
            return cap_form
        form = SampleCapForm(formdata=None)
        form.max_requests.data = cap
        return form

    page = queries.seller_queue(
        store.id, None if tab == "all" else tab, page_arg(), queries.PER_PAGE
    )
    floor = rules.posting_floor(store.id)
    return (
        render_template(
            "plans/seller_samples.html",
            store=store,
            tab=tab,
            tabs=SELLER_TABS,
            counts=queries.status_counts(store.id),
            page=page,
            rates=obligations.posting_rates(row.request.creator_id for row in page.items),
            floor=floor,
            below_floor=rules.below_floor,
            shipping_form=ShippingCostForm(formdata=None),
            amount_text=lambda amount, currency: str(to_decimal(amount, currency)),
            caps=queries.store_caps(store.id, also=cap_product),
            cap_product=cap_product,
            products=plan_queries.store_products(store),
            confirm_form=ConfirmForm(formdata=None),
            decline_form_for=decline_form_for,
            cap_form_for=cap_form_for,
        ),
        status,
    )


def _my_store() -> Store | None:
    return get_store_for_owner(current_user.id)


def _my_store_or_404() -> Store:
    store = _my_store()
    if store is None:
        abort(404)
    return store


def _back_to_queue(message: str, category: str = "success") -> ResponseReturnValue:
    db.session.commit()
    flash(message, category)
    return redirect(url_for("samples.seller_queue", status=_tab()))


def _refused(store: Store, error: PlanError, **forms: Any) -> ResponseReturnValue:
    _missing_is_404(error)
    return refuse(error, page=lambda status: _queue_page(store, status, **forms))


@bp.get("/seller/samples")
@role_required(Role.SELLER)
def seller_queue() -> ResponseReturnValue:
    return _queue_page(_my_store())


@bp.post("/seller/samples/<int:request_id>/approve")
@role_required(Role.SELLER)
def approve(request_id: int) -> ResponseReturnValue:
    store = _my_store_or_404()
    sample = get_sample_or_404(request_id, store=store)
    if not ConfirmForm().validate_on_submit():
        flash(FORM_EXPIRED, "danger")
        return _queue_page(store, 400)
    try:
        services.approve_sample(current_user, sample.id)
    except PlanError as error:
        return _refused(store, error)
    return _back_to_queue(
        f"Sample approved: order #{sample.order_id} is ready to ship from your orders."
    )


@bp.post("/seller/samples/<int:request_id>/decline")
@role_required(Role.SELLER)
def decline(request_id: int) -> ResponseReturnValue:
    store = _my_store_or_404()
    sample = get_sample_or_404(request_id, store=store)
    form = DeclineSampleForm()
    if not form.validate_on_submit():
        flash("Say why you decline the request.", "danger")
        return _queue_page(store, 400, decline_for=sample.id, decline_form=form)
    try:
        services.decline_sample(current_user, sample.id, form.reason.data)
    except PlanError as error:
        return _refused(store, error, decline_for=sample.id, decline_form=form)
    return _back_to_queue("Sample request declined; the creator sees your reason.", "info")


@bp.post("/seller/products/<int:product_id>/sample-cap")
@role_required(Role.SELLER)
def set_cap(product_id: int) -> ResponseReturnValue:
    store = _my_store_or_404()
    form = SampleCapForm()
    if not form.validate_on_submit():
        flash("Enter the cap as a whole number, or leave it empty for no cap.", "danger")
        return _queue_page(store, 400, cap_for=product_id, cap_form=form)
    cap = form.max_requests.data
    try:
        caps.set_sample_cap(current_user, product_id, cap)
    except PlanError as error:
        return _refused(store, error, cap_for=product_id, cap_form=form)
    if cap is None:
        message = "Cap lifted: creators may request samples of it without a limit."
    elif cap == 0:
        message = "Samples are off for that product."
    else:
        message = f"At most {cap} sample requests for that product (waiting or approved)."
    return _back_to_queue(message)


@bp.post("/seller/samples/<int:request_id>/nudge")
@role_required(Role.SELLER)
def nudge(request_id: int) -> ResponseReturnValue:
    store = _my_store_or_404()
    sample = get_sample_or_404(request_id, store=store)
    if not ConfirmForm().validate_on_submit():
        flash(FORM_EXPIRED, "danger")
        return _queue_page(store, 400)
    try:
        obligations.nudge(current_user, sample.id)
    except PlanError as error:
        return _refused(store, error)
    return _back_to_queue("Nudge sent: the creator is reminded of the deadline.", "info")


@bp.post("/seller/samples/<int:request_id>/shipping-cost")
@role_required(Role.SELLER)
def shipping_cost(request_id: int) -> ResponseReturnValue:
    store = _my_store_or_404()
    sample = get_sample_or_404(request_id, store=store)
    form = ShippingCostForm()
    amount = None
    if form.validate_on_submit():
        try:
            amount = parse_amount(form.amount.data or "", store.currency)
        except ValueError:
            amount = None
    if amount is None or amount < 0:
        flash("Enter the shipping cost like 4.50.", "danger")
        return _queue_page(store, 400)
    try:
        services.set_shipping_cost(current_user, sample.id, amount)
    except PlanError as error:
        return _refused(store, error)
    return _back_to_queue("Shipping cost recorded; it counts in the sample economics.")
