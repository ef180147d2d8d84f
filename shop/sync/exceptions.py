"""What can go wrong with a product sync, each mapped to one outcome for the seller."""

from __future__ import annotations

from shop.sync.csv_format import FileRejected, RowError

__all__ = ["FileRejected", "ImportConflict", "ImportInvalid", "ImportNotPending", "SyncError"]


class SyncError(Exception):
    """Base of the product-sync errors."""


class ImportInvalid(SyncError):
    """Some rows do not pass the checks: nothing is written (the preview shows them)."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} row error(s), first: {errors[0] if errors else '-'}")


class ImportConflict(SyncError):
    """A SKU or handle was taken by another change while the import ran: nothing is written."""


class ImportNotPending(SyncError):
    """The import was already committed (or is running): it cannot be committed again."""
