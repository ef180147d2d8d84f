"""Background jobs of product sync: large imports run here, with progress."""

from __future__ import annotations

from flask import current_app

from core.extensions import db
from core.jobs import job
from shop.sync import services
from shop.sync.exceptions import FileRejected, SyncError


@job
def run_catalog_import(import_id: int) -> None:
    """Write a queued import in one transaction, reporting rows written as it goes."""
    catalog_import = services.start_queued_import(import_id)
    if catalog_import is None:
        return  # gone, or already run by a duplicate delivery
    db.session.commit()  # "running" is visible at once
    try:
        services.apply_import(
            catalog_import,
            current_app.config["UPLOAD_DIR"],
            progress=services.progress_reporter(import_id),
        )
    except Exception as error:
        db.session.rollback()
        services.mark_failed(import_id, services.failure_message(error))
        db.session.commit()
        if not isinstance(error, SyncError | FileRejected):
            raise
