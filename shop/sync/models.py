"""Catalogue imports: a previewed file, then a run with progress."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.types import UTCDateTime, utcnow


class ImportStatus(StrEnum):
    PREVIEWED = "previewed"
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class CatalogImport(db.Model):
    __tablename__ = "catalog_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(12), default=ImportStatus.PREVIEWED.value)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def awaits_confirmation(self) -> bool:
        """Previewed: the seller may confirm it."""
        return self.status == ImportStatus.PREVIEWED.value

    @property
    def in_progress(self) -> bool:
        return self.status in (ImportStatus.QUEUED.value, ImportStatus.RUNNING.value)

    @property
    def done(self) -> bool:
        return self.status == ImportStatus.DONE.value

    @property
    def failed(self) -> bool:
        return self.status == ImportStatus.FAILED.value

    @property
    def finished(self) -> bool:
        return self.done or self.failed
