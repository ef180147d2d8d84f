"""Second factors and signed-in sessions: a user's TOTP enrolment, recovery codes, and one
server-side record per sign-in (what the session list shows and what ending a session ends)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.extensions import Model
from core.types import UTCDateTime, utcnow


def new_device_secret() -> str:
    return secrets.token_urlsafe(24)


class TwoFactor(Model):
    """One user's authenticator app: pending until ``confirmed_at`` (a code was shown)."""

    __tablename__ = "two_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    secret: Mapped[str] = mapped_column(String(64))  # base32, as the app is given it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last 30-second step whose code was accepted: no code is ever accepted twice.
    last_used_step: Mapped[int | None] = mapped_column(BigInteger())
    # Signs the "remember this device" cookies; a new one forgets every remembered device.
    device_secret: Mapped[str] = mapped_column(String(64), default=new_device_secret)

    @property
    def enabled(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(Model):
    """A single-use recovery code, stored as its SHA-256 (the codes are random, not chosen)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_recovery_code_user_id", "user_id"),)


class UserSession(Model):
    """One sign-in on one browser, from sign-in until it is ended (sign-out or by the user)."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(120), default="")  # "Firefox on Linux"
    ip: Mapped[str] = mapped_column(String(45), default="")
    # A hash of the browser's device cookie: a sign-in from a browser never seen is "new".
    device_hash: Mapped[str] = mapped_column(String(64), default="")
    # The first characters of a hash of the user's session token when it began: a session
    # older than the latest token (password changed or reset, suspension) is over.
    token_hint: Mapped[str] = mapped_column(String(16), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When this session showed a second factor (code, recovery code or remembered device).
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the user last confirmed it was them (step-up), for money-moving changes.
    step_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="raise_on_sql")

    __table_args__ = (Index("ix_user_session_user_id_ended_at", "user_id", "ended_at"),)

    @property
    def active(self) -> bool:
        return self.ended_at is None
