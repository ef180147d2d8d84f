"""Signed links: a payload signed with the app's secret and a purpose of its own (a link made
for one purpose never works for another), optionally expiring."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from core.exceptions import DomainError


class LinkError(DomainError):
    status_code = 400


class LinkExpired(LinkError):
    def __init__(self) -> None:
        super().__init__("This link has expired. Ask for a new one.")


class LinkInvalid(LinkError):
    def __init__(self) -> None:
        super().__init__("This link is not valid: it may be incomplete or already used.")


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"yellowcart.{purpose}")


def sign(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def unsign(purpose: str, token: str, *, max_age: int | None = None) -> dict[str, Any]:
    """The payload of ``token``; raise ``LinkExpired`` or ``LinkInvalid``."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkExpired() from None
    except BadSignature:
        raise LinkInvalid() from None
    if not isinstance(payload, dict):
        raise LinkInvalid()
    return payload
