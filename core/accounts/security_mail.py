"""Security notices by mail that other account features send (always sent, no unsubscribe)."""

from __future__ import annotations

import time

from core.accounts.models import User
from core.mail.models import MailCategory
from core.mail.services import absolute_url, queue_mail
from core.types import utcnow


def new_sign_in(user: User, *, device: str, ip: str) -> None:
    """Mail "a new device signed in" (call it where a sign-in from an unknown device is
    detected: ``core.accounts.sessions``); the caller commits."""
    queue_mail(
        "new_sign_in",
        event_key=f"new-sign-in:{user.id}:{time.time_ns()}",
        category=MailCategory.SECURITY,
        subject="New sign-in to your Yellowcart account",
        user=user,
        paragraphs=["Your account was signed in to from a device it had not used before."],
        details=[
            ("When", f"{utcnow():%d %b %Y, %H:%M} UTC"),
            ("Browser", device or "an unknown browser"),
            ("Network address", ip or "unknown"),
        ],
        footnotes=[
            "If this was you, there is nothing to do. If not, reset your password now: "
            "that signs out every session."
        ],
        button_label="Reset my password",
        button_url=absolute_url("/password/forgot"),
    )


def password_changed(user: User) -> None:
    """Mail "your password was changed"; the caller commits."""
    queue_mail(
        "password_changed",
        event_key=f"password-changed:{user.id}:{time.time_ns()}",
        category=MailCategory.SECURITY,
        subject="Your Yellowcart password was changed",
        user=user,
        paragraphs=[
            "The password of your Yellowcart account was just changed, and every other "
            "session was signed out.",
            "If you did not change it, reset it now and contact support.",
        ],
        button_label="Reset my password",
        button_url=absolute_url("/password/forgot"),
    )


def payout_account_changed(user: User, *, before: str, after: str, opens_at: str) -> None:
    """Mail "your payout account was changed"; the caller commits."""
    queue_mail(
        "payout_account_changed",
        event_key=f"payout-account-changed:{user.id}:{time.time_ns()}",
        category=MailCategory.SECURITY,
        subject="Your Yellowcart payout account was changed",
        user=user,
        paragraphs=[
            f"The payout account of your creator wallet was changed from {before} to {after}.",
            f"For your safety, new withdrawals open again on {opens_at}.",
        ],
        footnotes=[
            "If you did not make this change, reset your password and contact support now: "
            "someone may be trying to redirect your earnings."
        ],
        button_label="Review my wallet",
        button_url=absolute_url("/creator/wallet"),
    )
