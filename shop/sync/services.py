"""Product sync: preview a CSV against a store, commit it all or nothing, export the catalogue.

An import is planned in memory (``planner``: three queries, whatever the size) and written
with a handful of executemany statements per thousand rows, never one query per row. The
rules on products are the catalogue's own:

- ``Product.price`` is the lowest price among its active variants (0 without any);
- ``Product.currency`` is the store's currency; a variant's ``store_id`` is its product's store.

Rows match what exists by SKU (variants) and handle (products); a product made in the Seller
centre has no handle, so export names it ``p-<id>`` and an import matches it by that name or by
its SKUs. Variants that the file does not name are left alone. These functions flush; the
request or the job commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.db import is_sqlite
from core.extensions import db
from core.jobs import enqueue_after_commit
from core.types import utcnow
from core.web.pagination import Page
from shop.catalog.models import Category, Product, Store, Variant
from shop.sync import csv_format
from shop.sync.exceptions import ImportConflict, ImportInvalid, ImportNotPending
from shop.sync.models import CatalogImport, ImportStatus
from shop.sync.planner import ImportPlan, ProductChange, plan_import
from shop.sync.states import IMPORT

__all__ = ["ImportPlan", "plan_import"]  # with the use cases below

# Files with more rows than this are committed by a background job, with progress.
JOB_THRESHOLD_ROWS = 2_000
# Rows written per group of statements (and per progress report).
CHUNK_ROWS = 1_000
IMPORTS_DIR = "imports"

Progress = Callable[[int], None]


# --- reading the store -------------------------------------------------------------------


def store_of(owner_id: int) -> Store | None:
    return db.session.scalars(select(Store).where(Store.owner_id == owner_id)).one_or_none()


def get_import_for_store(import_id: int, store_id: int) -> CatalogImport | None:
    """The import if it belongs to the store; ``None`` for another store's (answer 404)."""
    return db.session.scalars(
        select(CatalogImport).where(
            CatalogImport.id == import_id, CatalogImport.store_id == store_id
        )
    ).one_or_none()


def imports_page(store_id: int, page: int, per_page: int = 20) -> Page[CatalogImport]:
    total = db.session.scalar(
        select(func.count()).select_from(CatalogImport).where(CatalogImport.store_id == store_id)
    )
    items = db.session.scalars(
        select(CatalogImport)
        .where(CatalogImport.store_id == store_id)
        .order_by(CatalogImport.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(items), page, per_page, total or 0)


# --- preview -----------------------------------------------------------------------------


def preview_import(
    store: Store, filename: str, data: bytes, upload_dir: str | Path
) -> tuple[CatalogImport, ImportPlan]:
    """Check an uploaded file and keep it for a later commit; raise ``FileRejected``.

    Writes nothing to the catalogue: only the import record and the stored file.
    """
    parsed = csv_format.parse(data, store.currency)
    plan = plan_import(store, parsed, row_count=parsed.row_count)
    directory = Path(upload_dir) / IMPORTS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    relative = f"{IMPORTS_DIR}/{secrets.token_hex(16)}.csv"
    (Path(upload_dir) / relative).write_bytes(data)
    catalog_import = CatalogImport(
        store_id=store.id,
        filename=_display_name(filename),
        stored_path=relative,
        status=ImportStatus.PREVIEWED.value,
        total_rows=plan.rows,
    )
    db.session.add(catalog_import)
    db.session.flush()
    return catalog_import, plan


def _display_name(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name.strip() or "products.csv"
    return "".join(ch for ch in name if ch.isprintable())[:255]


def read_stored_file(catalog_import: CatalogImport, upload_dir: str | Path) -> bytes:
    path = (Path(upload_dir) / catalog_import.stored_path).resolve()
    if not path.is_relative_to((Path(upload_dir) / IMPORTS_DIR).resolve()):
        raise csv_format.FileRejected("The stored file of this import is missing.")
    try:
        return path.read_bytes()
    except OSError:
        raise csv_format.FileRejected(
            "The stored file of this import is missing. Upload it again."
        ) from None


def plan_stored_import(catalog_import: CatalogImport, upload_dir: str | Path) -> ImportPlan:
    """Re-check a stored import against the store as it is now."""
    store = db.session.get_one(Store, catalog_import.store_id)
    parsed = csv_format.parse(read_stored_file(catalog_import, upload_dir), store.currency)
    return plan_import(store, parsed, row_count=parsed.row_count)


# --- commit ------------------------------------------------------------------------------


def runs_as_job(catalog_import: CatalogImport) -> bool:
    return catalog_import.total_rows > JOB_THRESHOLD_ROWS


def _claim(catalog_import: CatalogImport, source: ImportStatus, target: ImportStatus) -> None:
    """Move the import from ``source`` to ``target`` atomically, or raise ``ImportNotPending``.

    A guarded ``UPDATE`` rather than ``IMPORT.move``: of two requests (or workers) claiming the
    same import, one wins and the other is told, without either holding a lock."""
    if target not in IMPORT.transitions[source]:
        raise ValueError(f"an import cannot go from {source.value} to {target.value}")
    result = db.session.execute(
        update(CatalogImport)
        .where(CatalogImport.id == catalog_import.id, CatalogImport.status == source.value)
        .values(status=target.value)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ImportNotPending(f"import {catalog_import.id} is not {source.value}")
    db.session.refresh(catalog_import)


def commit_import(catalog_import: CatalogImport, upload_dir: str | Path) -> ImportPlan | None:
    """Commit a previewed import: write it now, or queue it as a job when large.

    Returns the plan that was written, or ``None`` when a job was queued (it starts once the
    caller commits). Raises ``ImportInvalid`` or ``ImportConflict`` with nothing written (the
    caller rolls back), ``ImportNotPending`` if it was already committed.
    """
    if runs_as_job(catalog_import):
        _claim(catalog_import, ImportStatus.PREVIEWED, ImportStatus.QUEUED)

        enqueue_after_commit("shop.sync.jobs.run_catalog_import", catalog_import.id)
        return None
    _claim(catalog_import, ImportStatus.PREVIEWED, ImportStatus.RUNNING)
    return apply_import(catalog_import, upload_dir)


def start_queued_import(import_id: int) -> CatalogImport | None:
    """Mark a queued import as running (the job commits this at once); ``None`` if not queued."""
    catalog_import = db.session.get(CatalogImport, import_id)
    if catalog_import is None:
        return None
    try:
        _claim(catalog_import, ImportStatus.QUEUED, ImportStatus.RUNNING)
    except ImportNotPending:
        return None
    return catalog_import


def apply_import(
    catalog_import: CatalogImport, upload_dir: str | Path, progress: Progress | None = None
) -> ImportPlan:
    """Check the stored file again and write it all; raise with nothing written on any error."""
    store = db.session.get_one(Store, catalog_import.store_id)
    _lock_store(store.id)
    plan = plan_stored_import(catalog_import, upload_dir)
    if not plan.ok:
        raise ImportInvalid(plan.errors)
    try:
        _write(plan, progress)
    except IntegrityError as error:
        raise ImportConflict(
            "Another change took one of these SKUs or handles while the import ran. "
            "Nothing was imported; preview the file again."
        ) from error
    IMPORT.move(catalog_import, ImportStatus.DONE)
    catalog_import.processed_rows = plan.rows
    catalog_import.total_rows = plan.rows
    catalog_import.created_count = plan.products_to_create
    catalog_import.updated_count = plan.products_to_update
    catalog_import.error = None
    catalog_import.finished_at = utcnow()
    db.session.flush()
    return plan


def mark_failed(import_id: int, message: str) -> None:
    """Record why an import failed (after the caller rolled its writes back)."""
    db.session.execute(
        update(CatalogImport)
        .where(CatalogImport.id == import_id)
        .values(status=ImportStatus.FAILED.value, error=message[:4000], finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def failure_message(error: Exception) -> str:
    if isinstance(error, ImportInvalid):
        shown = "; ".join(str(e) for e in error.errors[:20])
        more = len(error.errors) - 20
        tail = f"; and {more} more" if more > 0 else ""
        return f"{len(error.errors)} row error(s): {shown}{tail}"
    if isinstance(error, ImportConflict | csv_format.FileRejected):
        return str(error)
    return "The import stopped on an unexpected error. Nothing was imported."


def _lock_store(store_id: int) -> None:
    """Serialise imports of one store (PostgreSQL; SQLite transactions are serial already).

    ``FOR NO KEY UPDATE`` leaves rows that refer to the store (orders, products) insertable.
    """
    if not is_sqlite():
        db.session.execute(
            select(Store.id).where(Store.id == store_id).with_for_update(key_share=True)
        )


def _write(plan: ImportPlan, progress: Progress | None) -> None:
    done = 0
    for chunk in _chunks(plan.changes):
        new = [c for c in chunk if c.is_new]
        if new:
            # Matched back by handle (unique in the store): asking RETURNING for the rows'
            # order would make SQLite insert them one statement at a time.
            ids = dict(
                db.session.execute(
                    insert(Product).returning(Product.handle, Product.id),
                    [c.product_values for c in new],
                ).all()
            )
            for change in new:
                change.product_id = ids[change.handle]
                for variant in change.variant_inserts:
                    variant["product_id"] = change.product_id
        variant_inserts = [v for c in chunk for v in c.variant_inserts]
        if variant_inserts:
            db.session.execute(insert(Variant), variant_inserts)
        variant_updates = [v for c in chunk for v in c.variant_updates]
        if variant_updates:
            db.session.execute(update(Variant), variant_updates)
        product_updates = [c.product_values for c in chunk if not c.is_new and c.product_values]
        if product_updates:
            db.session.execute(update(Product), product_updates)
        done += sum(c.rows for c in chunk)
        if progress is not None:
            progress(done)


def _chunks(changes: list[ProductChange]) -> Iterator[list[ProductChange]]:
    chunk: list[ProductChange] = []
    rows = 0
    for change in changes:
        chunk.append(change)
        rows += change.rows
        if rows >= CHUNK_ROWS:
            yield chunk
            chunk, rows = [], 0
    if chunk:
        yield chunk


def progress_reporter(import_id: int) -> Progress | None:
    """Report rows written on a connection of its own, so that pollers see it at once.

    SQLite has one writer at a time and the import holds it, so there the count appears
    only when the import commits.
    """
    if is_sqlite():
        return None

    def report(rows: int) -> None:
        with db.engine.begin() as connection:
            connection.execute(
                update(CatalogImport.__table__)
                .where(CatalogImport.__table__.c.id == import_id)
                .values(processed_rows=rows)
            )

    return report


# --- export ------------------------------------------------------------------------------


def export_rows(store: Store) -> Iterator[dict[str, str]]:
    """Every active variant of the store as a CSV row, streamed from the database."""
    query = (
        select(
            Product.id,
            Product.handle,
            Product.title,
            Product.description,
            Category.slug,
            Product.status,
            Product.compare_at_price,
            Variant.sku,
            Variant.option1,
            Variant.option2,
            Variant.price,
            Variant.stock,
        )
        .join(Variant, Variant.product_id == Product.id)
        .join(Category, Category.id == Product.category_id)
        .where(Product.store_id == store.id, Variant.active.is_(True))
        .order_by(Product.id, Variant.position, Variant.id)
        .execution_options(yield_per=1000)
    )
    currency = store.currency
    previous: int | None = None
    for row in db.session.execute(query):
        first = row.id != previous
        previous = row.id
        yield {
            "handle": row.handle or csv_format.generated_handle(row.id),
            "title": row.title if first else "",
            "description": row.description if first else "",
            "category": row.slug if first else "",
            "status": row.status if first else "",
            "compare_at_price": csv_format.format_amount(row.compare_at_price, currency)
            if first
            else "",
            "sku": row.sku,
            "option1": row.option1,
            "option2": row.option2,
            "price": csv_format.format_amount(row.price, currency),
            "stock": str(row.stock),
        }
