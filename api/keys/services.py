"""Create, rename, re-scope, revoke and authenticate API keys.

A key reads ``yck_<8-character prefix>_<secret>``. Only the SHA-256 of the whole key is stored
(a key has 190 bits of randomness, so a fast hash is enough, and it lets a request be
authenticated with one indexed lookup); the prefix is kept apart, to be shown to the owner.
The full key is returned once, by ``create_key``, and never again.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from api.keys.exceptions import InvalidKeyName, InvalidScopes, KeyNotFound
from api.keys.models import ApiKey
from api.keys.scopes import ALL_SCOPES, allowed_scopes, ordered
from core.accounts.models import User
from core.audit import services as audit
from core.extensions import db
from core.types import utcnow

KEY_MARK = "yck_"
NAME_MAX = 80
#: ``last_used_at`` is written at most this often per key (no write on every request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    secret: str  # the whole key, shown once


def clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidKeyName("Give the key a name, such as the tool that will use it.")
    if len(name) > NAME_MAX:
        raise InvalidKeyName(f"A key's name is at most {NAME_MAX} characters.")
    return name


def check_scopes(user: User, scopes: Iterable[str]) -> list[str]:
    """The scopes, ordered, if ``user``'s roles allow each; else ``InvalidScopes``."""
    wanted = {s.strip() for s in scopes if s.strip()}
    unknown = sorted(wanted - set(ALL_SCOPES))
    if unknown:
        raise InvalidScopes(f"Unknown scope: {', '.join(unknown)}.")
    if not wanted:
        raise InvalidScopes("Choose at least one scope.")
    refused = sorted(wanted - allowed_scopes(user.role_set))
    if refused:
        raise InvalidScopes(f"Your roles do not allow: {', '.join(refused)}.")
    return ordered(wanted)


def parse_scopes(user: User, text: str) -> list[str]:
    """``all`` (every scope the user's roles allow) or a comma/space separated list."""
    if text.strip().lower() == "all":
        scopes = ordered(allowed_scopes(user.role_set))
        if not scopes:
            raise InvalidScopes("This account's roles allow no API scope.")
        return scopes
    return check_scopes(user, text.replace(",", " ").split())


def create_key(user: User, name: str, scopes: Iterable[str]) -> NewKey:
    name = clean_name(name)
    checked = check_scopes(user, scopes)
    prefix = KEY_MARK + secrets.token_hex(4)
    secret = f"{prefix}_{secrets.token_urlsafe(24)}"
    key = ApiKey(
        user_id=user.id,
        name=name,
        prefix=prefix,
        key_hash=hash_key(secret),
        scopes=" ".join(checked),
    )
    db.session.add(key)
    db.session.flush()
    audit.record(
        actor_id=user.id,
        action="api_key.create",
        subject_type="api_key",
        subject_id=key.id,
        reason=f"{name}: {key.scopes}",
    )
    return NewKey(key=key, secret=secret)


def keys_of(user_id: int) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.id.desc())
    return list(db.session.scalars(query))


def get_key_of(user_id: int, key_id: int) -> ApiKey:
    key = db.session.get(ApiKey, key_id) if 0 < key_id < 2**63 else None
    if key is None or key.user_id != user_id:
        raise KeyNotFound("That key does not exist.")
    return key


def update_key(user: User, key: ApiKey, name: str, scopes: Iterable[str]) -> ApiKey:
    if key.is_revoked:
        raise InvalidScopes("A revoked key cannot be changed.")
    key.name = clean_name(name)
    key.scopes = " ".join(check_scopes(user, scopes))
    audit.record(
        actor_id=user.id,
        action="api_key.update",
        subject_type="api_key",
        subject_id=key.id,
        reason=f"{key.name}: {key.scopes}",
    )
    db.session.flush()
    return key


def revoke_key(user: User, key: ApiKey, *, now: datetime | None = None) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = now or utcnow()
        audit.record(
            actor_id=user.id,
            action="api_key.revoke",
            subject_type="api_key",
            subject_id=key.id,
            reason=key.name,
        )
        db.session.flush()
    return key


def authenticate(raw: str, *, now: datetime | None = None) -> ApiKey | None:
    """The live key whose secret is ``raw``, its owner active; None otherwise."""
    if not raw.startswith(KEY_MARK) or len(raw) > 200:
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(raw)))
    if key is None or key.is_revoked or not key.user.is_active:
        return None
    now = now or utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = now
    return key


def effective_scopes(key: ApiKey) -> frozenset[str]:
    """The key's scopes that its owner's roles still allow."""
    return key.scope_set & allowed_scopes(key.user.role_set)
