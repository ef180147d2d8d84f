"""Seller centre: the store, its products, their variants and images; and ``/media`` files.

Views parse a form, load and authorise through ``_own_product`` (404 if the id names nothing,
403 if it is another store's), call one service, write image files, commit, then redirect.
Image files are written only after the service accepted the change and removed if the commit
fails; files a change made obsolete are removed after it committed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from core.accounts.authz import get_or_404, role_required
from core.accounts.models import Role
from core.extensions import db
from core.web.pagination import page_arg
from shop.blueprints import seller_bp as bp
from shop.blueprints import shop_bp
from shop.catalog import images, services
from shop.catalog.exceptions import CatalogError, ImageError, InvalidVariant, NotFound
from shop.catalog.forms import (
    ActionForm,
    BulkForm,
    ProductForm,
    StoreForm,
    format_amount,
    uploaded,
)
from shop.catalog.models import Product, ProductStatus, Store

PER_PAGE = 25
LOGO_SIZE = 400
BANNER_SIZE = 1600
MEDIA_MAX_AGE = 365 * 24 * 3600
# Only the files that shop.catalog.images writes are served: random, sharded WebP names.
_MEDIA_NAME = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}(?:-thumb)?\.webp")


# --- helpers ---------------------------------------------------------------------------------


def current_store() -> Store | None:
    """The signed-in user's store (once per request), or None."""
    if "seller_store" not in g:
        g.seller_store = (
            services.get_store_for_owner(current_user.id) if current_user.is_authenticated else None
        )
    return g.seller_store


@bp.context_processor
def inject_store() -> dict[str, object]:
    return {
        "current_store": current_store,
        "max_image_mb": f"{_max_image_bytes() / (1024 * 1024):g}",
        "max_images": services.MAX_IMAGES,
    }


def _upload_dir() -> str:
    return current_app.config["UPLOAD_DIR"]


def _max_image_bytes() -> int:
    return int(current_app.config.get("UPLOAD_MAX_IMAGE_BYTES") or images.DEFAULT_MAX_BYTES)


def _process(files: Iterable, field, **sizes: int | None) -> list[images.ProcessedImage] | None:
    """Validate and re-encode uploads; on a bad one, put its error on ``field``."""
    try:
        return [
            images.process_image(f.stream, max_bytes=_max_image_bytes(), **sizes) for f in files
        ]
    except ImageError as error:
        field.errors = [*field.errors, str(error)]
        return None


def _commit(new_images: Iterable[images.ProcessedImage] = (), obsolete: Iterable[str] = ()) -> None:
    """Write the new image files, commit, then remove the files the change made obsolete."""
    written = images.write_images(new_images, _upload_dir())
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        images.remove_files(written, _upload_dir())
        raise
    images.remove_files(obsolete, _upload_dir())


def _own_product(product_id: int) -> tuple[Store, Product]:
    """The product if it is the signed-in seller's: 404 if it does not exist, else 403."""
    product = get_or_404(Product, product_id)
    store = current_store()
    if store is None or product.store_id != store.id:
        abort(403)
    return store, product


def _require_store() -> Store | None:
    store = current_store()
    if store is None:
        flash("Open your store first; then you can list products.", "info")
    return store


# --- store -----------------------------------------------------------------------------------


def _store_input(form: StoreForm) -> services.StoreInput:
    return services.StoreInput(
        name=form.name.data,
        handle=form.handle.data or services.available_handle(form.name.data),
        description=form.description.data or "",
        currency=form.currency.data,
        return_address=form.return_address.data or "",
    )


def _store_images(form: StoreForm) -> tuple[list[images.ProcessedImage], dict] | None:
    processed: list[images.ProcessedImage] = []
    paths: dict[str, str] = {}
    for name, size in (("logo", LOGO_SIZE), ("banner", BANNER_SIZE)):
        field = form[name]
        files = uploaded(field.data)
        if not files:
            continue
        result = _process(files[:1], field, main_size=size, thumb_size=None)
        if result is None:
            return None
        processed.extend(result)
        paths[f"{name}_path"] = result[0].path
    return processed, paths


def _form_error(form, error: CatalogError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        form.form_errors.append(str(error))
    else:
        field.errors = [*field.errors, str(error)]


@bp.route("/store/new", methods=["GET", "POST"])
@login_required
def store_new() -> ResponseReturnValue:
    if current_store() is not None:
        flash("You already have a store; here it is.", "info")
        return redirect(url_for("seller.store"))
    form = StoreForm()
    if request.method == "GET":
        return render_template("seller/store_new.html", form=form)
    stored = _store_images(form) if form.validate_on_submit() else None
    if stored is None:
        return render_template("seller/store_new.html", form=form), 400
    processed, paths = stored
    try:
        store = services.create_store(current_user, _store_input(form), **paths)
    except CatalogError as error:
        db.session.rollback()
        _form_error(form, error)
        return render_template("seller/store_new.html", form=form), 400
    _commit(processed)
    flash(f"{store.name} is open. Add your first product.", "success")
    return redirect(url_for("seller.products"))


@bp.route("/store", methods=["GET", "POST"])
@role_required(Role.SELLER)
def store() -> ResponseReturnValue:
    shop = current_store()
    if shop is None:
        if request.method == "POST":
            abort(404)
        return render_template("seller/store.html", form=None, store=None)
    form = StoreForm(obj=shop)
    has_products = services.store_has_products(shop)
    if request.method == "GET":
        return render_template("seller/store.html", form=form, store=shop, locked=has_products)
    stored = _store_images(form) if form.validate_on_submit() else None
    if stored is None:
        return render_template("seller/store.html", form=form, store=shop, locked=has_products), 400
    processed, paths = stored
    try:
        obsolete = services.update_store(shop, _store_input(form), **paths)
    except CatalogError as error:
        db.session.rollback()
        _form_error(form, error)
        return render_template("seller/store.html", form=form, store=shop, locked=has_products), 400
    _commit(processed, obsolete)
    flash("Your store is saved.", "success")
    return redirect(url_for("seller.store"))


@bp.get("/store/view")
@role_required(Role.SELLER)
def store_view() -> ResponseReturnValue:
    """The store as buyers see it. The menu of every Seller centre page links here, so that
    drawing the menu costs no query: the store is looked up only when the link is followed."""
    shop = current_store()
    if shop is None:
        flash("Open your store first; then buyers can visit it.", "info")
        return redirect(url_for("seller.store_new"))
    return redirect(url_for("shop.store", handle=shop.handle))


# --- products --------------------------------------------------------------------------------


@bp.get("/products")
@role_required(Role.SELLER)
def products() -> ResponseReturnValue:
    shop = current_store()
    status = request.args.get("status", "")
    query = request.args.get("q", "").strip()[:100]
    page = None
    if shop is not None:
        page = services.list_products(
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
    _commit()
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
            "stock": str(v.stock),
        }
        for v in product.variants
        if v.active
    ]


def _apply_error(form: ProductForm, error: CatalogError) -> None:
    """Show a service's refusal next to the field (or variant row) it concerns."""
    if isinstance(error, InvalidVariant) and error.index is not None:
        rows = form.input_rows
        if 0 <= error.index < len(rows):
            row = rows[error.index]
            field = row[error.field] if error.field in row._fields else row.sku
            field.errors = [*field.errors, str(error)]
            return
    if isinstance(error, NotFound):
        form.variants_error = "One of these variant rows is not one of this product's variants."
        return
    if isinstance(error, InvalidVariant):
        form.variants_error = str(error)
        return
    _form_error(form, error)


def _render_product(form: ProductForm, shop: Store, product: Product | None, status: int = 200):
    return render_template(
        "seller/product_form.html",
        form=form,
        store=shop,
        product=product,
        has_orders=services.has_orders(product) if product else False,
        action_form=ActionForm(),
    ), status


def _save_product(form: ProductForm, shop: Store, product: Product | None) -> ResponseReturnValue:
    if form.add_variant.data:
        form.variants.append_entry()
        return _render_product(form, shop, product)
    if not form.validate_for(shop.currency):
        return _render_product(form, shop, product, 400)
    processed = _process(uploaded(form.images.data), form.images)
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
                services.add_images(product, processed)
            message = "Product saved."
    except CatalogError as error:
        db.session.rollback()
        _apply_error(form, error)
        return _render_product(form, shop, product and db.session.get(Product, product.id), 400)
    _commit(processed)
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
    _commit(obsolete=removal.files)
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
        services.move_image(product, image_id, -1 if direction == "up" else 1)
    except NotFound:
        db.session.rollback()
        abort(404)
    _commit()
    return redirect(url_for("seller.products_edit", product_id=product_id) + "#images")


@bp.post("/products/<int:product_id>/images/<int:image_id>/delete")
@role_required(Role.SELLER)
def products_image_delete(product_id: int, image_id: int) -> ResponseReturnValue:
    _, product = _own_product(product_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        files = services.delete_image(product, image_id)
    except NotFound:
        db.session.rollback()
        abort(404)
    _commit(obsolete=files)
    flash("Image deleted.", "success")
    return redirect(url_for("seller.products_edit", product_id=product_id) + "#images")


# --- media -----------------------------------------------------------------------------------


@shop_bp.get("/media/<path:filename>")
def media(filename: str) -> ResponseReturnValue:
    """Serve an uploaded image: random immutable names, so caches may keep them for a year."""
    if not _MEDIA_NAME.fullmatch(filename):
        abort(404)
    response = send_from_directory(
        _upload_dir(), filename, mimetype="image/webp", max_age=MEDIA_MAX_AGE
    )
    response.headers["Cache-Control"] = f"public, max-age={MEDIA_MAX_AGE}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
