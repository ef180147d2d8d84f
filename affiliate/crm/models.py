"""A store's tags on creators, its private notes, and its saved segments (named filter sets).

Everything here belongs to one store: no other store ever reads it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import Model
from core.types import UTCDateTime, utcnow

TAG_NAME_MAX = 40
MAX_TAGS_PER_STORE = 100
NOTE_MAX = 2000
SEGMENT_NAME_MAX = 60
MAX_SEGMENTS_PER_STORE = 50


class CreatorTag(Model):
    __tablename__ = "creator_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="CASCADE"))
    #: Stored as typed; ``key`` (lowercase) keeps "VIP" and "vip" one tag.
    name: Mapped[str] = mapped_column(String(TAG_NAME_MAX))
    key: Mapped[str] = mapped_column(String(TAG_NAME_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("store_id", "key"),
        CheckConstraint(f"length(name) BETWEEN 1 AND {TAG_NAME_MAX}", name="name_length"),
    )


class CreatorTagging(Model):
    """A tag put on a creator (a user with the creator role)."""

    __tablename__ = "creator_tagging"

    tag_id: Mapped[int] = mapped_column(
        ForeignKey("creator_tag.id", ondelete="CASCADE"), primary_key=True
    )
    creator_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_creator_tagging_creator", "creator_id", "tag_id"),)


class CreatorNote(Model):
    """A store's private note on a creator (the creator never sees it)."""

    __tablename__ = "creator_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="CASCADE"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        CheckConstraint(f"length(body) BETWEEN 1 AND {NOTE_MAX}", name="body_length"),
        Index("ix_creator_note_store_creator", "store_id", "creator_id", "id"),
    )


class CreatorSegment(Model):
    """A named set of directory filters (JSON of the query string's filter fields)."""

    __tablename__ = "creator_segment"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(SEGMENT_NAME_MAX))
    filters: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("store_id", "name"),
        CheckConstraint(f"length(name) BETWEEN 1 AND {SEGMENT_NAME_MAX}", name="name_length"),
    )
