"""Product sync pages of the Seller centre: upload, preview, commit, progress, export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.accounts.authz import role_required
from core.accounts.models import Role
from core.extensions import db
from core.web.pagination import page_arg
from shop.blueprints import seller_bp as bp
from shop.catalog.models import Store
from shop.sync import csv_format, services
from shop.sync.exceptions import (
    FileRejected,
    ImportConflict,
    ImportInvalid,
    ImportNotPending,
)
from shop.sync.forms import ImportCommitForm, ImportUploadForm
from shop.sync.models import CatalogImport

MAX_ERRORS_SHOWN = 500
# The form around the file: boundary, CSRF token and headers.
_FORM_OVERHEAD = 64 * 1024


@bp.url_value_preprocessor
def _allow_large_imports(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Let an upload of up to 20 MB through (the app's limit is lower).

    URL value preprocessors run before every ``before_request`` hook, and the CSRF check in
    one of those reads the form, so this is the last moment to raise the limit.
    """
    if endpoint == "seller.imports" and request.method == "POST":
        request.max_content_length = csv_format.MAX_FILE_BYTES + _FORM_OVERHEAD


def _store() -> Store | None:
    return services.store_of(current_user.id)


def _store_or_404() -> Store:
    store = _store()
    if store is None:
        abort(404)
    return store


def _import_or_404(import_id: int, store: Store) -> CatalogImport:
    catalog_import = services.get_import_for_store(import_id, store.id)
    if catalog_import is None:
        abort(404)
    return catalog_import


def _upload_dir() -> str:
    return current_app.config["UPLOAD_DIR"]


def _render_imports(
    store: Store | None, form: ImportUploadForm, status: int = 200, file_error: str | None = None
) -> ResponseReturnValue:
    page = services.imports_page(store.id, page_arg()) if store is not None else None
    return (
        render_template(
            "seller/imports.html",
            store=store,
            form=form,
            page=page,
            file_error=file_error,
            job_threshold=services.JOB_THRESHOLD_ROWS,
        ),
        status,
    )


@bp.route("/imports", methods=["GET", "POST"])
@role_required(Role.SELLER)
def imports() -> ResponseReturnValue:
    store = _store()
    form = ImportUploadForm()
    if request.method == "GET" or store is None:
        return _render_imports(store, form, 200 if request.method == "GET" else 404)
    if not form.validate_on_submit():
        return _render_imports(store, form, 400)
    upload = form.file.data
    data = upload.stream.read(csv_format.MAX_FILE_BYTES + 1)
    try:
        catalog_import, _plan = services.preview_import(
            store, upload.filename or "products.csv", data, _upload_dir()
        )
    except FileRejected as error:
        db.session.rollback()
        return _render_imports(store, form, 400, file_error=str(error))
    db.session.commit()
    return redirect(url_for("seller.import_preview", import_id=catalog_import.id), 303)


def _render_preview(
    catalog_import: CatalogImport,
    plan: services.ImportPlan | None,
    status: int = 200,
    file_error: str | None = None,
) -> ResponseReturnValue:
    return (
        render_template(
            "seller/imports_preview.html",
            catalog_import=catalog_import,
            plan=plan,
            errors=plan.errors[:MAX_ERRORS_SHOWN] if plan else [],
            file_error=file_error,
            form=ImportCommitForm(),
            runs_as_job=services.runs_as_job(catalog_import),
        ),
        status,
    )


@bp.get("/imports/<int:import_id>")
@role_required(Role.SELLER)
def import_preview(import_id: int) -> ResponseReturnValue:
    store = _store_or_404()
    catalog_import = _import_or_404(import_id, store)
    if not catalog_import.awaits_confirmation:
        return _render_preview(catalog_import, None)
    try:
        plan = services.plan_stored_import(catalog_import, _upload_dir())
    except FileRejected as error:
        return _render_preview(catalog_import, None, file_error=str(error))
    return _render_preview(catalog_import, plan)


@bp.post("/imports/<int:import_id>/commit")
@role_required(Role.SELLER)
def import_commit(import_id: int) -> ResponseReturnValue:
    store = _store_or_404()
    catalog_import = _import_or_404(import_id, store)
    form = ImportCommitForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        plan = services.commit_import(catalog_import, _upload_dir())
    except ImportNotPending:
        db.session.rollback()
        if catalog_import.failed:
            flash("This import failed. Upload the corrected file to try again.", "warning")
        else:
            flash("This import was already confirmed.", "info")
        return redirect(url_for("seller.import_preview", import_id=import_id), 303)
    except ImportInvalid as error:
        db.session.rollback()
        plan = services.ImportPlan(rows=catalog_import.total_rows, errors=error.errors, changes=[])
        return _render_preview(catalog_import, plan, 400)
    except (ImportConflict, FileRejected) as error:
        db.session.rollback()
        return _render_preview(catalog_import, None, 400, file_error=str(error))
    db.session.commit()  # a large import's job starts now (in-process, it runs to the end)
    if plan is None:
        flash("The import has started. This page shows its progress.", "info")
    else:
        flash(
            f"Imported {plan.rows:,} rows: {plan.products_to_create:,} products created, "
            f"{plan.products_to_update:,} updated.",
            "success",
        )
    return redirect(url_for("seller.import_preview", import_id=import_id), 303)


@bp.get("/imports/<int:import_id>/status")
@role_required(Role.SELLER)
def import_status(import_id: int) -> ResponseReturnValue:
    store = _store_or_404()
    catalog_import = _import_or_404(import_id, store)
    total = catalog_import.total_rows
    processed = catalog_import.processed_rows
    return jsonify(
        id=catalog_import.id,
        status=catalog_import.status,
        finished=catalog_import.finished,
        total_rows=total,
        processed_rows=processed,
        percent=100 if total == 0 else min(100, processed * 100 // total),
        created_count=catalog_import.created_count,
        updated_count=catalog_import.updated_count,
        error=catalog_import.error,
    )


def _csv_response(body: Any, filename: str) -> Response:
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/imports/export.csv")
@role_required(Role.SELLER)
def export_csv() -> ResponseReturnValue:
    store = _store_or_404()
    day = datetime.now(UTC).strftime("%Y-%m-%d")

    def body() -> Any:
        yield "\ufeff"
        yield from csv_format.write_rows(services.export_rows(store))

    return _csv_response(stream_with_context(body()), f"{store.handle}-products-{day}.csv")


@bp.get("/imports/template.csv")
@role_required(Role.SELLER)
def import_template() -> ResponseReturnValue:
    return _csv_response(csv_format.template_csv(), "product-import-template.csv")
