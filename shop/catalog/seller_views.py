"""Seller centre: the store's products, their variants and images.

Views parse a form, load and authorise through ``loaders.get_product_or_404`` (404 if the id
names nothing, 403 if it is another store's), call one service, write image files, commit, then
redirect; a refusal is answered by ``core.web.refusals.refuse``, on the field or variant row it
concerns. Image files are written only after the service accepted the change and removed if
the commit fails; files a change made obsolete are removed after it committed
(``commit_with_files``). The store's own pages are ``shop.seller.views``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.accounts.authz import role_required
from core.accounts.models import Role
from core.extensions import db
from core.web.pagination import page_arg
from core.web.refusals import refuse
from shop.blueprints import seller_bp as bp
from shop.catalog import images, product_images, seller_queries, services, stores
from shop.catalog.exceptions import CatalogError, ImageError, InvalidVariant, NotFound
from shop.catalog.forms import ActionForm, BulkForm, ProductForm, format_amount, uploaded
from shop.catalog.loaders import get_product_or_404
from shop.catalog.models import Product, ProductStatus, Store

PER_PAGE = 25


# --- helpers of every Seller centre page with images -----------------------------------------


def current_store() -> Store | None:
    """The signed-in user's store (once per request), or None."""
    if "seller_store" not in g:
        g.seller_store = (
            stores.get_store_for_owner(current_user.id) if current_user.is_authenticated else None
        )
    return g.seller_store


@bp.context_processor
def inject_store() -> dict[str, object]:
    return {
        "current_store": current_store,
        "max_image_mb": f"{_max_image_bytes() / (1024 * 1024):g}",
        "max_images": services.MAX_IMAGES,
    }


def upload_dir() -> str:
    return current_app.config["UPLOAD_DIR"]


def _max_image_bytes() -> int:
    return int(current_app.config.get("UPLOAD_MAX_IMAGE_BYTES") or images.DEFAULT_MAX_BYTES)


def process_uploads(
    files: Iterable[Any], field: Any, **sizes: int | None
) -> list[images.ProcessedImage] | None:
    """Validate and re-encode uploads; on a bad one, put its error on ``field``."""
    try:
        return [
            images.process_image(f.stream, max_bytes=_max_image_bytes(), **sizes) for f in files
        ]
    except ImageError as error:
        field.errors = [*field.errors, str(error)]
        return None


def commit_with_files(
    new_images: Iterable[images.ProcessedImage] = (), obsolete: Iterable[str] = ()
) -> None:
    """Write the new image files, commit, then remove the files the change made obsolete."""
    written = images.write_images(new_images, upload_dir())
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        images.remove_files(written, upload_dir())
        raise
    images.remove_files(obsolete, upload_dir())


def _own_product(product_id: int) -> tuple[Store, Product]:
    """The signed-in seller's product: 404 if it does not exist, 403 if another store's."""
    store = current_store()
    product = get_product_or_404(product_id, store=store)
    assert store is not None  # the loader answered 403 without a store
    return store, product


def _require_store() -> Store | None:
    store = current_store()
    if store is None:
        flash("Open your store first; then you can list products.", "info")
    return store


# --- products --------------------------------------------------------------------------------


@bp.get("/products")
@role_required(Role.SELLER)
def products() -> ResponseReturnValue:
    shop = current_store()
    status = request.args.get("status", "")
    query = request.args.get("q", "").strip()[:100]
    page = None
    if shop is not None:
        page = seller_queries.list_products(
            shop, status=status, query=query, page=page_arg(), per_page=PER_PAGE
        )
    return render_template(
        "seller/products.html",
        store=shop,
        page=page,
        status=status,
        query=query,
        statuses=[s.value for s in ProductStatus],
        bulk_form=BulkForm(),
    )


def _bulk_ids() -> list[int]:
    raw = request.form.getlist("product_ids")
    if not all(v.isascii() and v.isdigit() and len(v) < 19 for v in raw):
        abort(400)
    return [int(v) for v in raw]


@bp.post("/products/bulk")
@role_required(Role.SELLER)
def products_bulk() -> ResponseReturnValue:
    form = BulkForm()
    if not form.validate_on_submit():
        abort(400)
    shop = current_store()
    ids = _bulk_ids()
    if shop is None:
        abort(403 if ids else 400)
    if not ids:
        flash("Tick the products to change first.", "warning")
        return redirect(url_for("seller.products"))
    status = ProductStatus.ARCHIVED if form.action.data == "archive" else ProductStatus.ACTIVE
    try:
        changed = services.set_status(shop, ids, status.value)
    except NotFound:
        db.session.rollback()
        abort(404)
    commit_with_files()
    flash(f"{changed} product{'s' if changed != 1 else ''} now {status.value}.", "success")
    return redirect(url_for("seller.products"))


def _variant_rows(product: Product) -> list[dict[str, object]]:
    return [
        {
            "id": str(v.id),
            "option1": v.option1,
            "option2": v.option2,
            "sku": v.sku,
            "price": format_amount(v.price, product.currency),
            "cost_price": format_amount(v.cost_price, product.currency),
            "stock": str(v.stock),
        }
        for v in product.variants
        if v.active
    ]


def _render_product(form: ProductForm, shop: Store, product: Product | None, status: int = 200):
    return render_template(
        "seller/product_form.html",
        form=form,
        store=shop,
        product=product,
        has_orders=services.has_orders(product) if product else False,
        action_form=ActionForm(),
    ), status


def _refused(
    form: ProductForm, shop: Store, product: Product | None, error: CatalogError
) -> ResponseReturnValue:
    """The form again, with the refusal where the seller fixes it: on the field of its variant
    row, on its field of the form, or above the form."""
    target: Any = form
    rows = form.input_rows
    if isinstance(error, InvalidVariant) and error.index is not None and error.index < len(rows):
        target = rows[error.index]

    def page(status: int) -> ResponseReturnValue:
        again = db.session.get(Product, product.id) if product is not None else None
        return _render_product(form, shop, again, status)

    return refuse(error, form=target, page=page)


def _save_product(form: ProductForm, shop: Store, product: Product | None) -> ResponseReturnValue:
    if form.add_variant.data:
        form.variants.append_entry()
        return _render_product(form, shop, product)
    if not form.validate_for(shop.currency):
        return _render_product(form, shop, product, 400)
    processed = process_uploads(uploaded(form.images.data), form.images)
    if processed is None:
        return _render_product(form, shop, product, 400)
    assert form.product_input is not None
    try:
        if product is None:
            product = services.create_product(
                shop, form.product_input, form.variant_inputs, images=processed
            )
            message = "Product created."
        else:
            services.update_product(product, form.product_input, form.variant_inputs)
            if processed:
                product_images.add_images(product, processed)
            message = "Product saved."
    except CatalogError as error:
        return _refused(form, shop, product, error)
    commit_with_files(processed)
    flash(message, "success")
    return redirect(url_for("seller.products_edit", product_id=product.id))


@bp.route("/products/new", methods=["GET", "POST"])
@role_required(Role.SELLER)
def products_new() -> ResponseReturnValue:
    shop = _require_store()
    if shop is None:
        return redirect(url_for("seller.store_new"))
    form = ProductForm()
    if request.method == "GET":
        return _render_product(form, shop, None)
    return _save_product(form, shop, None)


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@role_required(Role.SELLER)
def products_edit(product_id: int) -> ResponseReturnValue:
    shop, product = _own_product(product_id)
    if request.method == "GET":
        form = ProductForm(
            data={
                "title": product.title,
                "description": product.description,
                "category_id": product.category_id,
                "status": product.status,
                "compare_at_price": format_amount(product.compare_at_price, product.currency),
                "featured": product.featured,
                "variants": _variant_rows(product),
            }
        )
        return _render_product(form, shop, product)
    return _save_product(ProductForm(), shop, product)


@bp.post("/products/<int:product_id>/delete")
@role_required(Role.SELLER)
def products_delete(product_id: int) -> ResponseReturnValue:
    _, product = _own_product(product_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    title = product.title
    removal = services.delete_or_archive_product(product)
    commit_with_files(obsolete=removal.files)
    if removal.deleted:
        flash(f"“{title}” is deleted.", "success")
        return redirect(url_for("seller.products"))
    flash(f"“{title}” has orders, so it is archived instead of deleted.", "info")
    return redirect(url_for("seller.products_edit", product_id=product_id))


@bp.post("/products/<int:product_id>/images/<int:image_id>/<any(up, down):direction>")
@role_required(Role.SELLER)
def products_image_move(product_id: int, image_id: int, direction: str) -> ResponseReturnValue:
    _, product = _own_product(product_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        product_images.move_image(product, image_id, -1 if direction == "up" else 1)
    except NotFound:
        db.session.rollback()
        abort(404)
    commit_with_files()
    return redirect(url_for("seller.products_edit", product_id=product_id) + "#images")


@bp.post("/products/<int:product_id>/images/<int:image_id>/delete")
@role_required(Role.SELLER)
def products_image_delete(product_id: int, image_id: int) -> ResponseReturnValue:
    _, product = _own_product(product_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        files = product_images.delete_image(product, image_id)
    except NotFound:
        db.session.rollback()
        abort(404)
    commit_with_files(obsolete=files)
    flash("Image deleted.", "success")
    return redirect(url_for("seller.products_edit", product_id=product_id) + "#images")
