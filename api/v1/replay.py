"""Idempotent POSTs and conditional GETs of the API: a POST's first answer is stored under its
``Idempotency-Key`` (24 hours) and replayed for the same key and body, refused (422) for another
body; a read carries an ``ETag`` and answers 304 to a matching ``If-None-Match``."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Response, request
from sqlalchemy import delete, select

from api.keys.jobs import IDEMPOTENCY_TTL
from api.keys.models import IdempotentRequest
from api.v1.problems import ApiProblem, FieldError, validation_problem
from core.accounts.models import User
from core.extensions import db
from core.types import utcnow

IDEMPOTENCY_KEY_MAX = 255
JSON = "application/json"


def request_fingerprint() -> str:
    raw = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(raw or b"{}"), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = raw.decode("utf-8", "replace")
    text = f"{request.method} {request.path}\n{canonical}"
    return hashlib.sha256(text.encode()).hexdigest()


def idempotency_key() -> str | None:
    value = request.headers.get("Idempotency-Key")
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > IDEMPOTENCY_KEY_MAX:
        raise validation_problem(
            [FieldError("Idempotency-Key", f"must have 1 to {IDEMPOTENCY_KEY_MAX} characters")]
        )
    return value


def stored_answer(user: User, key: str, fingerprint: str) -> Response | None:
    """The stored first answer for ``key``, or None (an expired one is forgotten)."""
    stored = db.session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.user_id == user.id, IdempotentRequest.key == key
        )
    )
    if stored is None:
        return None
    if stored.created_at <= utcnow() - IDEMPOTENCY_TTL:
        db.session.execute(delete(IdempotentRequest).where(IdempotentRequest.id == stored.id))
        db.session.flush()
        return None
    if stored.request_hash != fingerprint:
        raise ApiProblem(
            422,
            "This Idempotency-Key was used with another request; use a new key.",
            title="Idempotency-Key reused",
            kind="idempotency-key-reused",
        )
    mimetype = JSON if stored.status_code < 400 else "application/problem+json"
    response = Response(stored.response_body, status=stored.status_code, mimetype=mimetype)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def remember(user: User, key: str, fingerprint: str, response: Response) -> None:
    db.session.add(
        IdempotentRequest(
            user_id=user.id,
            key=key,
            request_hash=fingerprint,
            status_code=response.status_code,
            response_body=response.get_data(as_text=True),
        )
    )


def json_response(payload: Any, status: int) -> Response:
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return Response(body, status=status, mimetype=JSON)


def with_etag(response: Response) -> Response:
    tag = hashlib.sha256(response.get_data()).hexdigest()[:32]
    response.set_etag(tag)
    response.headers["Cache-Control"] = "private, no-cache"
    wanted = request.headers.get("If-None-Match")
    if wanted and (wanted.strip() == "*" or tag in _etags(wanted)):
        not_modified = Response(status=304)
        not_modified.set_etag(tag)
        not_modified.headers["Cache-Control"] = "private, no-cache"
        return not_modified
    return response


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/").strip('"') for part in header.split(",")}
