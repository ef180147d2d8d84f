"""A notification: one short notice for one user, unread until they open it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import Model
from core.types import UTCDateTime, utcnow

KIND_LENGTH = 40
MESSAGE_LENGTH = 500
LINK_LENGTH = 300


class Notification(Model):
    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(KIND_LENGTH))  # "plan.rate_cut", "sample.approved"
    message: Mapped[str] = mapped_column(String(MESSAGE_LENGTH))
    link: Mapped[str | None] = mapped_column(String(LINK_LENGTH))  # a local path, never a URL
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        # The bell counts a user's unread notices on every page: this index alone answers it.
        Index("ix_notification_user_unread", "user_id", "read_at", "id"),
    )

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
