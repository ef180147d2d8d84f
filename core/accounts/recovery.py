"""Proving and recovering an address: email verification, change of address, password reset.

Every link is signed with a purpose of its own and expires. Each works once:

- a verification link names the address it verifies; once that address is verified (or the
  account's address changed) the link is spent;
- an address-change link names the address it replaces; once replaced, it is spent;
- a reset link carries a fingerprint of the password hash; a new password spends it.

Callers commit.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from flask import current_app

from core.accounts import security_mail, sessions
from core.accounts.exceptions import AccountError, EmailTaken, InvalidCredentials
from core.accounts.models import User, new_session_token
from core.accounts.passwords import passwords
from core.accounts.services import check_password_strength, find_by_email, normalise_email
from core.audit import services as audit
from core.extensions import db
from core.mail import signing
from core.mail.models import MailCategory
from core.mail.services import absolute_url, queue_mail
from core.types import utcnow

VERIFY_PURPOSE = "email-verify"
CHANGE_PURPOSE = "email-change"
RESET_PURPOSE = "password-reset"


class LinkAlreadyUsed(signing.LinkInvalid):
    def __init__(self, message: str = "This link was already used.") -> None:
        signing.LinkError.__init__(self, message)


class EmailNotVerified(AccountError):
    """The action needs a verified address (opening a store, payouts, withdrawals)."""

    status_code = 403

    def __init__(self, action: str) -> None:
        super().__init__(verification_required_message(action))


def verification_required_message(action: str) -> str:
    return (
        f"Verify your email address before you {action}: follow the link we mailed you, "
        "or ask for a new one (Resend verification email, on your account page)."
    )


def require_verified(user: User, action: str) -> None:
    """Raise ``EmailNotVerified`` unless ``user`` proved their address."""
    if user.email_verified_at is None:
        raise EmailNotVerified(action)


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def _event_suffix() -> str:
    return str(time.time_ns())


# --- verification at sign-up -----------------------------------------------------------------


def send_verification(user: User) -> bool:
    """Mail ``user`` a link that verifies their current address; False if already verified."""
    if user.email_verified_at is not None:
        return False
    token = signing.sign(VERIFY_PURPOSE, {"u": user.id, "e": user.email})
    queue_mail(
        "verify_email",
        event_key=f"verify-email:{user.id}:{_event_suffix()}",
        category=MailCategory.SECURITY,
        subject="Confirm your email address",
        user=user,
        paragraphs=[
            "Welcome to Yellowcart! Please confirm that this address is yours.",
            "You can browse and buy right away; opening a store, connecting a payout account "
            "and withdrawing earnings wait until your address is confirmed.",
        ],
        button_label="Confirm my email address",
        button_url=absolute_url(f"/account/verify/{token}"),
        footnotes=[
            f"The link works for {_setting('EMAIL_VERIFY_HOURS', 72)} hours. "
            "If you did not create this account, ignore this mail."
        ],
    )
    return True


def verify_email(token: str) -> User:
    """Mark the address the link names as verified; raise ``LinkError`` otherwise."""
    payload = signing.unsign(
        VERIFY_PURPOSE, token, max_age=_setting("EMAIL_VERIFY_HOURS", 72) * 3600
    )
    user = _user(payload.get("u"))
    if user.email != payload.get("e"):
        raise LinkAlreadyUsed("This link is for an address your account no longer uses.")
    if user.email_verified_at is not None:
        raise LinkAlreadyUsed("This link was already used: your address is verified.")
    user.email_verified_at = utcnow()
    audit.record(actor_id=user.id, action="email_verified", subject_type="user", subject_id=user.id)
    return user


def _user(user_id: object) -> User:
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.is_suspended:
        raise signing.LinkInvalid()
    return user


# --- change of address ------------------------------------------------------------------------


def request_email_change(user: User, *, new_email: str, password: str) -> str:
    """Mail a confirmation link to ``new_email``; the address changes when it is followed."""
    if not passwords.verify(user.password_hash, password):
        raise InvalidCredentials()
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise AccountError("That is already your address.", field="email")
    if find_by_email(new_email) is not None:
        raise EmailTaken()
    token = signing.sign(CHANGE_PURPOSE, {"u": user.id, "from": user.email, "to": new_email})
    queue_mail(
        "email_change_confirm",
        event_key=f"email-change:{user.id}:{_event_suffix()}",
        category=MailCategory.SECURITY,
        subject="Confirm your new email address",
        user=user,
        to=new_email,
        paragraphs=[
            f"You asked to use {new_email} for your Yellowcart account. Confirm that this "
            "address is yours; your account moves to it when you follow the link.",
        ],
        button_label="Confirm my new address",
        button_url=absolute_url(f"/account/email/confirm/{token}"),
        footnotes=[
            f"The link works once, for {_setting('EMAIL_CHANGE_HOURS', 24)} hours. "
            "If you did not ask for this, ignore this mail."
        ],
    )
    return new_email


def confirm_email_change(token: str) -> User:
    """Move the account to the new (now verified) address and tell the old one."""
    payload = signing.unsign(
        CHANGE_PURPOSE, token, max_age=_setting("EMAIL_CHANGE_HOURS", 24) * 3600
    )
    user = _user(payload.get("u"))
    old, new = payload.get("from"), payload.get("to")
    if not isinstance(new, str) or user.email != old:
        raise LinkAlreadyUsed()
    if find_by_email(new) is not None:
        raise EmailTaken()
    user.email = new
    user.email_verified_at = utcnow()
    audit.record(
        actor_id=user.id,
        action="email_changed",
        subject_type="user",
        subject_id=user.id,
        from_state=old,
        to_state=new,
    )
    queue_mail(
        "email_changed",
        event_key=f"email-changed:{user.id}:{_event_suffix()}",
        category=MailCategory.SECURITY,
        subject="Your Yellowcart email address was changed",
        user=user,
        to=old,
        paragraphs=[
            f"The email address of your Yellowcart account was changed from {old} to {new}.",
            "If you made this change, there is nothing to do.",
        ],
        footnotes=[
            "If you did not make it, someone may have your password: reply to this mail or "
            "contact support at once so that we can lock the account."
        ],
    )
    return user


# --- password reset ---------------------------------------------------------------------------


def _fingerprint(user: User) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:24]


def request_password_reset(email: str) -> None:
    """Mail a reset link if ``email`` has an active account; answer the same either way."""
    user = find_by_email(email)
    if user is None or user.is_suspended:
        return
    token = signing.sign(RESET_PURPOSE, {"u": user.id, "p": _fingerprint(user)})
    queue_mail(
        "password_reset",
        event_key=f"password-reset:{user.id}:{_event_suffix()}",
        category=MailCategory.SECURITY,
        subject="Reset your Yellowcart password",
        user=user,
        paragraphs=["Someone (we hope you) asked to reset the password of your account."],
        button_label="Choose a new password",
        button_url=absolute_url(f"/password/reset/{token}"),
        footnotes=[
            f"The link works once, for {_setting('PASSWORD_RESET_MINUTES', 60)} minutes. "
            "Resetting your password signs you out everywhere. If you did not ask for it, "
            "ignore this mail: your password stays as it is."
        ],
    )


def user_for_reset(token: str) -> User:
    """The user a live reset link is for; raise ``LinkError`` if expired, spent or forged."""
    payload = signing.unsign(
        RESET_PURPOSE, token, max_age=_setting("PASSWORD_RESET_MINUTES", 60) * 60
    )
    user = _user(payload.get("u"))
    if not hmac.compare_digest(str(payload.get("p", "")), _fingerprint(user)):
        raise LinkAlreadyUsed("This reset link was already used. Ask for a new one.")
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password, spend the link and end every session of the account."""
    user = user_for_reset(token)
    check_password_strength(new_password, email=user.email)
    user.password_hash = passwords.hash(new_password)
    user.session_token = new_session_token()
    sessions.end_all_sessions(user.id)  # the account's session list shows them ended, too
    # Following the mailed link proves the address as well.
    user.email_verified_at = user.email_verified_at or utcnow()
    audit.record(actor_id=user.id, action="password_reset", subject_type="user", subject_id=user.id)
    security_mail.password_changed(user)
    return user
