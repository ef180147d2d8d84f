"""Collections: the Creator centre's pages (list, create, rename, delete; add, remove and move
products) and the public page of one collection, whose product links are touches.

``GET /creators/<handle>/collections/<slug>/p/<product>`` remembers the touch (kind
``collection``, last touch wins, as a tap on a video's yellow cart) and opens the product
page, where adding to the cart keeps the attribution. Another creator's collection is a 404.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from affiliate.creators.attribution import touches
from affiliate.creators.collections import queries, services
from affiliate.creators.collections.exceptions import CollectionError
from affiliate.creators.collections.forms import AddProductForm, ButtonForm, CollectionForm
from affiliate.creators.collections.loaders import get_own_collection_or_404
from affiliate.creators.collections.models import MAX_COLLECTION_PRODUCTS, Collection
from affiliate.profiles.services import profile_for_user
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.extensions import db
from core.web.pagination import page_arg
from core.web.refusals import refuse

bp = Blueprint("collections", __name__)


@bp.url_defaults
def _keep_view_args(endpoint: str, values: dict[str, Any]) -> None:
    """Links from a page to itself (pagination) keep its handle and slug."""
    if has_request_context() and endpoint == request.endpoint and request.view_args:
        for key, value in request.view_args.items():
            values.setdefault(key, value)


def _errors(form: CollectionForm | AddProductForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _manage_url(collection: Collection) -> str:
    return url_for("collections.edit", collection_id=collection.id)


def _problem(back: str, status: int) -> ResponseReturnValue:
    return render_template("creators/collections/problem.html", back=back), status


# --- the Creator centre --------------------------------------------------------------------------


def _mine(form: CollectionForm, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "creators/collections/mine.html",
        cards=queries.collections_of(current_user.id),
        form=form,
        delete_form=ButtonForm(formdata=None),
        handle=_handle(),
    ), status


def _handle() -> str | None:
    profile = profile_for_user(current_user.id)
    return profile.handle if profile else None


@bp.get("/creator/collections")
@role_required(Role.CREATOR)
def mine() -> ResponseReturnValue:
    return _mine(CollectionForm(formdata=None))


@bp.post("/creator/collections")
@role_required(Role.CREATOR)
def create() -> ResponseReturnValue:
    form = CollectionForm()
    if not form.validate_on_submit():
        return _mine(form, 400)
    try:
        collection = services.create_collection(
            current_user.id, form.name.data, form.description.data
        )
    except CollectionError as error:
        return refuse(error, form=form, page=lambda status: _mine(form, status))
    db.session.commit()
    flash(f"Collection “{collection.name}” created. Add products from your showcase.", "success")
    return redirect(_manage_url(collection), 303)


def _edit_page(
    collection: Collection, form: CollectionForm, status: int = 200
) -> ResponseReturnValue:
    return render_template(
        "creators/collections/edit.html",
        collection=collection,
        products=queries.items_of(collection),
        addable=queries.addable_products(collection),
        form=form,
        add_form=AddProductForm(formdata=None),
        button=ButtonForm(formdata=None),
        max_products=MAX_COLLECTION_PRODUCTS,
        handle=_handle(),
    ), status


@bp.get("/creator/collections/<int:collection_id>")
@role_required(Role.CREATOR)
def edit(collection_id: int) -> ResponseReturnValue:
    collection = get_own_collection_or_404(collection_id, creator_id=current_user.id)
    form = CollectionForm(
        formdata=None, data={"name": collection.name, "description": collection.description}
    )
    return _edit_page(collection, form)


@bp.post("/creator/collections/<int:collection_id>/rename")
@role_required(Role.CREATOR)
def rename(collection_id: int) -> ResponseReturnValue:
    collection = get_own_collection_or_404(collection_id, creator_id=current_user.id)
    form = CollectionForm()
    if not form.validate_on_submit():
        return _edit_page(collection, form, 400)
    try:
        services.rename_collection(collection, form.name.data, form.description.data)
    except CollectionError as error:
        return refuse(error, form=form, page=lambda status: _edit_page(collection, form, status))
    db.session.commit()
    flash("Collection saved; its link stays the same.", "success")
    return redirect(_manage_url(collection), 303)


@bp.post("/creator/collections/<int:collection_id>/delete")
@role_required(Role.CREATOR)
def delete(collection_id: int) -> ResponseReturnValue:
    collection = get_own_collection_or_404(collection_id, creator_id=current_user.id)
    if not ButtonForm().validate_on_submit():
        flash("The form expired; try again.", "danger")
        return _problem(url_for("collections.mine"), 400)
    name = collection.name
    services.delete_collection(collection)
    db.session.commit()
    flash(f"Collection “{name}” deleted.", "success")
    return redirect(url_for("collections.mine"), 303)


@bp.post("/creator/collections/<int:collection_id>/products")
@role_required(Role.CREATOR)
def add_product(collection_id: int) -> ResponseReturnValue:
    collection = get_own_collection_or_404(collection_id, creator_id=current_user.id)
    back = _manage_url(collection)
    form = AddProductForm()
    if not form.validate_on_submit():
        flash(_errors(form) or "Choose a product.", "danger")
        return _problem(back, 400)
    try:
        services.add_product(collection, form.product_id.data)
    except CollectionError as error:
        return refuse(error, page=lambda status: _problem(back, status))
    db.session.commit()
    flash("Product added to the collection.", "success")
    return redirect(back, 303)


@bp.post("/creator/collections/<int:collection_id>/products/<int:product_id>/remove")
@role_required(Role.CREATOR)
def remove_product(collection_id: int, product_id: int) -> ResponseReturnValue:
    collection = get_own_collection_or_404(collection_id, creator_id=current_user.id)
    back = _manage_url(collection)
    if not ButtonForm().validate_on_submit():
        flash("The form expired; try again.", "danger")
        return _problem(back, 400)
    if not services.remove_product(collection, product_id):
        abort(404)
    db.session.commit()
    flash("Product removed from the collection.", "success")
    return redirect(back, 303)


@bp.post(
    "/creator/collections/<int:collection_id>/products/<int:product_id>/<any(up, down):direction>"
)
@role_required(Role.CREATOR)
def move_product(collection_id: int, product_id: int, direction: str) -> ResponseReturnValue:
    collection = get_own_collection_or_404(collection_id, creator_id=current_user.id)
    back = _manage_url(collection)
    if not ButtonForm().validate_on_submit():
        flash("The form expired; try again.", "danger")
        return _problem(back, 400)
    try:
        services.move_product(collection, product_id, -1 if direction == "up" else 1)
    except CollectionError as error:
        return refuse(error, page=lambda status: _problem(back, status))
    db.session.commit()
    return redirect(back + "#items", 303)


# --- the public page -----------------------------------------------------------------------------


@bp.get("/creators/<handle>/collections/<slug>")
def public(handle: str, slug: str) -> ResponseReturnValue:
    found = queries.public_collection(handle, slug)
    if found is None:
        abort(404)
    collection, profile = found
    return render_template(
        "creators/collections/public.html",
        collection=collection,
        profile=profile,
        page=queries.public_products(collection, page_arg()),
    )


@bp.get("/creators/<handle>/collections/<slug>/p/<int:product_id>")
def open_product(handle: str, slug: str, product_id: int) -> ResponseReturnValue:
    """A tap on a product of the collection: remember the touch, open the product page."""
    found = queries.public_collection(handle, slug)
    if found is None or not 0 < product_id < 2**31:
        abort(404)
    collection = found[0]
    if not queries.is_in_collection(collection.id, product_id):
        abort(404)
    touches.touch_source(collection.creator_id, collection.id, touches.COLLECTION, product_id)
    return redirect(url_for("shop.product", product_id=product_id))
