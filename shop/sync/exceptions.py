"""What can go wrong with a product sync, each mapped to one outcome for the seller.

One hierarchy under ``core.exceptions.DomainError``, each with its HTTP status: a file that is
not a product CSV, rows that fail their checks or an import that another change overtook are a
400 (nothing written; the preview shows why), an import already confirmed a 409.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.exceptions import DomainError

if TYPE_CHECKING:  # csv_format raises FileRejected, so it imports this module
    from shop.sync.csv_format import RowError

__all__ = ["FileRejected", "ImportConflict", "ImportInvalid", "ImportNotPending", "SyncError"]


class SyncError(DomainError):
    """Base of the product-sync errors."""

    status_code = 400


class FileRejected(SyncError, ValueError):
    """The upload as a whole is not a product CSV (binary, too large, no header...)."""


class ImportInvalid(SyncError):
    """Some rows do not pass the checks: nothing is written (the preview shows them)."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} row error(s), first: {errors[0] if errors else '-'}")


class ImportConflict(SyncError):
    """A SKU or handle was taken by another change while the import ran: nothing is written
    (the seller previews the file again)."""


class ImportNotPending(SyncError):
    """The import was already committed (or is running): it cannot be committed again."""

    status_code = 409
