"""Two-factor sign-in: TOTP codes (RFC 6238), recovery codes and remembered devices.

TOTP here is the one authenticator apps use: HMAC-SHA1 over the number of 30-second steps
since the epoch, dynamically truncated to 6 digits (RFC 4226 section 5.3). A code is accepted
for its step and one step either side (clock drift), and never twice: the accepted step is
stored and only later steps pass afterwards. Callers commit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime, timedelta
from urllib.parse import quote

import segno
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select

from core.accounts.exceptions import AccountError
from core.accounts.models import STAFF_ROLES, User
from core.accounts.security_models import RecoveryCode, TwoFactor, new_device_secret
from core.audit import services as audit
from core.extensions import db
from core.types import utcnow

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
ISSUER = "Yellowcart"
REMEMBER_DEVICE_COOKIE = "yc_2fa_device"
REMEMBER_DEVICE_SALT = "two-factor-remember-device"


class TwoFactorError(AccountError):
    status_code = 400
    field = "code"


class WrongCode(TwoFactorError):
    def __init__(self) -> None:
        super().__init__("That code is not right (or was already used). Try the next one.")


class TwoFactorRequired(TwoFactorError):
    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            "Finance and admin accounts must keep two-factor sign-in on; "
            "you can set up a new authenticator app instead."
        )


# ---------------------------------------------------------------------------- TOTP


def new_secret() -> str:
    """A random 160-bit secret in base32 without padding, as authenticator apps take it."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def step_at(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_for_step(secret: str, step: int) -> str:
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def code_at(secret: str, moment: datetime) -> str:
    """The code an authenticator app shows at ``moment``."""
    return code_for_step(secret, step_at(moment))


def matching_step(
    secret: str, code: str, *, at: datetime, after_step: int | None = None
) -> int | None:
    """The step whose code ``code`` is (within one step of ``at``, later than ``after_step``)."""
    code = normalise_code(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = step_at(at)
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        # Compare every candidate in constant time; keep the latest match.
        if hmac.compare_digest(code_for_step(secret, step), code):
            found = step
    if found is None or (after_step is not None and found <= after_step):
        return None
    return found


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def provisioning_uri(secret: str, account: str) -> str:
    label = quote(f"{ISSUER}:{account}")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(ISSUER)}&digits={DIGITS}&period={STEP_SECONDS}"


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as inline SVG (no image file, no script, no CDN)."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, border=2, omitsize=False))


def grouped(secret: str) -> str:
    """The secret in groups of four, as people type it."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# ---------------------------------------------------------------------------- enrolment


def enrolment_of(user_id: int) -> TwoFactor | None:
    return db.session.scalar(select(TwoFactor).where(TwoFactor.user_id == user_id))


def is_enabled(user_id: int) -> bool:
    found = enrolment_of(user_id)
    return found is not None and found.enabled


def is_required(user: User) -> bool:
    """Finance and admin accounts move money and users: they must use a second factor."""
    return user.has_role(*STAFF_ROLES)


def start_enrolment(user: User) -> TwoFactor:
    """The pending enrolment (a new secret unless one is already waiting for its code)."""
    found = enrolment_of(user.id)
    if found is not None and found.enabled:
        raise TwoFactorError("Two-factor sign-in is already on for your account.")
    if found is None:
        found = TwoFactor(user_id=user.id, secret=new_secret())
        db.session.add(found)
        db.session.flush()
    return found


def confirm_enrolment(user: User, code: str, *, now: datetime | None = None) -> list[str]:
    """Turn two-factor sign-in on once the app shows the right code; return recovery codes."""
    now = now or utcnow()
    pending = enrolment_of(user.id)
    if pending is None or pending.enabled:
        raise TwoFactorError("Start the set-up again: there is no code waiting to be confirmed.")
    step = matching_step(pending.secret, code, at=now)
    if step is None:
        raise WrongCode()
    pending.confirmed_at = now
    pending.last_used_step = step
    pending.device_secret = new_device_secret()
    codes = _new_recovery_codes(user.id, now)
    audit.record(
        actor_id=user.id, action="two_factor_enabled", subject_type="user", subject_id=user.id
    )
    return codes


def disable(user: User, code: str, *, now: datetime | None = None) -> None:
    """Turn two-factor sign-in off (a current code or a recovery code is needed)."""
    if is_required(user):
        raise TwoFactorRequired()
    verify(user, code, now=now)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    audit.record(
        actor_id=user.id, action="two_factor_disabled", subject_type="user", subject_id=user.id
    )


def regenerate_recovery_codes(user: User, code: str, *, now: datetime | None = None) -> list[str]:
    """Replace every recovery code (the old ones stop working) after a current code."""
    now = now or utcnow()
    verify(user, code, now=now, allow_recovery=False)
    codes = _new_recovery_codes(user.id, now)
    audit.record(
        actor_id=user.id,
        action="two_factor_recovery_codes_renewed",
        subject_type="user",
        subject_id=user.id,
    )
    return codes


# ---------------------------------------------------------------------------- verification


def verify(
    user: User, code: str, *, now: datetime | None = None, allow_recovery: bool = True
) -> str:
    """Accept a current TOTP code or an unused recovery code once; return which ("totp",
    "recovery"). Raise ``WrongCode`` otherwise."""
    now = now or utcnow()
    enrolment = enrolment_of(user.id)
    if enrolment is None or not enrolment.enabled:
        raise TwoFactorError("Two-factor sign-in is not on for this account.")
    cleaned = normalise_code(code)
    if len(cleaned) == DIGITS and cleaned.isdigit():
        # Lock the enrolment row: two requests with one code cannot both pass (PostgreSQL).
        db.session.refresh(enrolment, with_for_update=True)
        step = matching_step(enrolment.secret, cleaned, at=now, after_step=enrolment.last_used_step)
        if step is None:
            raise WrongCode()
        enrolment.last_used_step = step
        return "totp"
    if allow_recovery and _use_recovery_code(user.id, cleaned, now):
        audit.record(
            actor_id=user.id,
            action="two_factor_recovery_code_used",
            subject_type="user",
            subject_id=user.id,
        )
        return "recovery"
    raise WrongCode()


# ---------------------------------------------------------------------------- recovery codes


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def _new_recovery_codes(user_id: int, now: datetime) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # nothing to confuse: no 0/o, 1/l/i
    codes = [
        "".join(secrets.choice(alphabet) for _ in range(5))
        + "-"
        + "".join(secrets.choice(alphabet) for _ in range(5))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    db.session.add_all(
        RecoveryCode(user_id=user_id, code_hash=_hash_recovery(code), created_at=now)
        for code in codes
    )
    db.session.flush()
    return codes


def _use_recovery_code(user_id: int, cleaned: str, now: datetime) -> bool:
    if not cleaned or len(cleaned) > 32:
        return False
    found = db.session.scalar(
        select(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == _hash_recovery(cleaned),
            RecoveryCode.used_at.is_(None),
        )
        .with_for_update()
    )
    if found is None:
        return False
    found.used_at = now
    db.session.flush()
    return True


def recovery_codes_left(user_id: int) -> int:
    count = db.session.scalar(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
        )
    )
    return count or 0


# ---------------------------------------------------------------------------- remembered devices


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=REMEMBER_DEVICE_SALT)


def _device_tag(enrolment: TwoFactor) -> str:
    return hashlib.sha256(enrolment.device_secret.encode()).hexdigest()[:16]


def remember_device_days() -> int:
    return int(current_app.config.get("TWO_FACTOR_REMEMBER_DAYS", 30))


def remember_device_token(user: User) -> str:
    """A signed cookie value saying "this browser showed ``user``'s second factor"."""
    enrolment = enrolment_of(user.id)
    if enrolment is None or not enrolment.enabled:
        raise TwoFactorError("Two-factor sign-in is not on for this account.")
    return _device_serializer().dumps({"u": user.id, "d": _device_tag(enrolment)})


def is_remembered_device(user: User, token: str | None) -> bool:
    """Whether ``token`` is an unexpired, untampered cookie for ``user``'s current devices."""
    if not token:
        return False
    enrolment = enrolment_of(user.id)
    if enrolment is None or not enrolment.enabled:
        return False
    max_age = int(timedelta(days=remember_device_days()).total_seconds())
    try:
        data = _device_serializer().loads(token, max_age=max_age)
    except BadSignature:  # also SignatureExpired, its subclass
        return False
    if not isinstance(data, dict) or data.get("u") != user.id:
        return False
    return hmac.compare_digest(str(data.get("d", "")), _device_tag(enrolment))


def forget_devices(user: User) -> None:
    """Every "remember this device" cookie of this user stops working."""
    enrolment = enrolment_of(user.id)
    if enrolment is not None:
        enrolment.device_secret = new_device_secret()
        audit.record(
            actor_id=user.id,
            action="two_factor_devices_forgotten",
            subject_type="user",
            subject_id=user.id,
        )
