"""The machinery every API operation shares, declared once beside each route.

``Routes`` gathers a module's operations (like a blueprint); ``api.v1.setup`` includes each
module's ``routes`` explicitly, builds the Flask blueprint from them and the OpenAPI document
from the same declarations. Each call of an operation runs, in order:

1. authentication: ``Authorization: Bearer <key>``; a missing, unknown or revoked key is a 401;
2. scope: the key's scopes, cut down to what its owner's roles allow now; a missing one is 403;
3. for a POST with an ``Idempotency-Key``: the stored first answer of the same key and body is
   returned (24 hours); the same key with another body is a 422;
4. query parameters and the JSON body, checked against their schemas (422 with field errors);
5. the handler, which calls the features' services; a ``DomainError`` rolls back and becomes a
   problem with its status (and field);
6. a write is audited with the key's name and committed; a read carries an ``ETag`` and answers
   ``304`` to a matching ``If-None-Match``.

Lists page through ``api.v1.pagination``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, g, request
from sqlalchemy.exc import IntegrityError

from api.keys import services as keys
from api.keys.models import ApiKey
from api.v1 import replay
from api.v1.problems import ApiProblem, FieldError, problem_response, validation_problem
from api.v1.representation import MAX_ID
from api.v1.validation import check
from core.accounts.models import User
from core.audit import services as audit
from core.exceptions import DomainError
from core.extensions import db


@dataclass(frozen=True)
class Param:
    """A query parameter, documented and checked by its JSON Schema."""

    name: str
    schema: dict[str, Any]
    description: str = ""


@dataclass
class Call:
    """One request as the handler sees it: who calls, with what."""

    user: User
    key: ApiKey
    body: dict[str, Any]
    query: dict[str, Any]
    operation: Operation
    subject: tuple[str, int | str] | None = None

    def about(self, subject_type: str, subject_id: int | str) -> None:
        """Name the object a write changed, for its audit event."""
        self.subject = (subject_type, subject_id)


Handler = Callable[..., Any]


@dataclass
class Operation:
    method: str
    rule: str  # Flask form: /products/<int:product_id>
    operation_id: str
    summary: str
    tag: str
    scope: str
    handler: Handler
    description: str = ""
    body: dict[str, Any] | None = None
    response: dict[str, Any] | None = None
    status: int = 200
    params: Sequence[Param] = ()
    paginated: bool = False
    errors: Sequence[int] = ()

    @property
    def is_write(self) -> bool:
        return self.method != "GET"

    @property
    def openapi_path(self) -> str:
        return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", self.rule)

    @property
    def path_params(self) -> list[tuple[str, str]]:
        """(name, converter) of each path parameter."""
        return [
            (name, conv or "string")
            for conv, name in re.findall(r"<(?:([a-z]+):)?([a-z_]+)>", self.rule)
        ]


@dataclass
class Routes:
    """The operations of one module, included in the API by ``api.v1.setup``."""

    tag: str
    description: str = ""
    operations: list[Operation] = field(default_factory=list)

    def _add(self, method: str, rule: str, **options: Any) -> Callable[[Handler], Handler]:
        def decorator(handler: Handler) -> Handler:
            self.operations.append(
                Operation(
                    method=method,
                    rule=rule,
                    operation_id=options.pop("operation_id", handler.__name__),
                    summary=options.pop("summary", (handler.__doc__ or "").strip()),
                    tag=self.tag,
                    handler=handler,
                    **options,
                )
            )
            return handler

        return decorator

    def get(self, rule: str, **options: Any) -> Callable[[Handler], Handler]:
        return self._add("GET", rule, **options)

    def post(self, rule: str, **options: Any) -> Callable[[Handler], Handler]:
        return self._add("POST", rule, **options)

    def patch(self, rule: str, **options: Any) -> Callable[[Handler], Handler]:
        return self._add("PATCH", rule, **options)


# --- the call -------------------------------------------------------------------------------


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def rate_limit_key() -> str:
    """Flask-Limiter's key for API requests: the key (by a hash of it), else the address."""
    token = bearer_token()
    if token:
        return "api-key:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return "api-ip:" + (request.remote_addr or "unknown")


def _authenticate(operation: Operation) -> tuple[User, ApiKey]:
    token = bearer_token()
    challenge = {"WWW-Authenticate": 'Bearer realm="api"'}
    if token is None:
        raise ApiProblem(
            401,
            "Send your API key as `Authorization: Bearer <key>`.",
            kind="unauthenticated",
            headers=challenge,
        )
    key = keys.authenticate(token)
    if key is None:
        raise ApiProblem(
            401, "The API key is unknown or revoked.", kind="unauthenticated", headers=challenge
        )
    if operation.scope not in keys.effective_scopes(key):
        raise ApiProblem(
            403,
            f"This key lacks the scope `{operation.scope}` (or its owner's roles do not allow it).",
            kind="insufficient-scope",
        )
    g.api_key_id = key.id
    return key.user, key


def _parse_query(operation: Operation) -> dict[str, Any]:
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for param in operation.params:
        raw = request.args.get(param.name)
        if raw is None or raw == "":
            continue
        value: Any = raw
        if param.schema.get("type") == "integer":
            if not re.fullmatch(r"-?\d{1,19}", raw):
                errors.append(FieldError(param.name, "must be integer"))
                continue
            value = int(raw)
        elif param.schema.get("type") == "boolean":
            if raw not in {"true", "false"}:
                errors.append(FieldError(param.name, "must be true or false"))
                continue
            value = raw == "true"
        problems = check(param.schema, value, param.name)
        if problems:
            errors += problems
        else:
            values[param.name] = value
    if errors:
        raise validation_problem(errors)
    return values


def _parse_body(operation: Operation) -> dict[str, Any]:
    if operation.body is None:
        return {}
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw or b"{}")
    except ValueError as error:
        raise validation_problem([FieldError("body", "is not valid JSON")]) from error
    errors = check(operation.body, data)
    if errors:
        raise validation_problem(errors)
    return data


def _audit(call: Call, status: int) -> None:
    subject_type, subject_id = call.subject or ("api_key", call.key.id)
    audit.record(
        actor_id=call.user.id,
        action=f"api.{call.operation.operation_id}"[:60],
        subject_type=subject_type,
        subject_id=subject_id,
        reason=f"API key '{call.key.name}' ({call.key.prefix}): "
        f"{request.method} {request.path} → {status}"[:500],
    )


def _run(operation: Operation, path_args: dict[str, Any]) -> Response:
    user, key = _authenticate(operation)
    idem_key = replay.idempotency_key() if operation.method == "POST" else None
    fingerprint = replay.request_fingerprint() if idem_key else ""
    if idem_key:
        replayed = replay.stored_answer(user, idem_key, fingerprint)
        if replayed is not None:
            db.session.commit()  # last_used_at
            return replayed
    call = Call(
        user=user,
        key=key,
        body={},
        query=_parse_query(operation),
        operation=operation,
    )
    try:
        call.body = _parse_body(operation)
        result = operation.handler(call, **path_args)
        if isinstance(result, Response):  # a file (an export): sent as the handler made it
            response = result
            status = result.status_code
        else:
            payload, status = result if isinstance(result, tuple) else (result, operation.status)
            response = replay.json_response(payload, status)
        if operation.is_write:
            _audit(call, status)
    except (ApiProblem, DomainError) as error:
        db.session.rollback()
        problem = error if isinstance(error, ApiProblem) else domain_problem(error)
        response = problem_response(problem)
        if not idem_key or problem.status in {401, 403, 409, 429}:
            raise problem from None
    if idem_key:
        replay.remember(user, idem_key, fingerprint, response)
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise ApiProblem(
            409,
            "Another request with this Idempotency-Key is in progress; retry it shortly.",
            kind="idempotency-conflict",
        ) from error
    if operation.method == "GET" and not response.is_streamed:
        return replay.with_etag(response)
    return response


def domain_problem(error: DomainError) -> ApiProblem:
    """A service's refusal: its own status, except that a plain "bad input" (400) is a 422,
    the API's one answer to a request it understood but will not act on as sent."""
    status = error.status_code if 400 <= error.status_code < 500 else 422
    if status == 400:
        status = 422
    errors = [FieldError(error.field, str(error))] if error.field else []
    if status == 422:
        return ApiProblem(
            422, str(error), title="Validation failed", kind="validation", errors=errors
        )
    return ApiProblem(status, str(error), kind="refused" if status == 409 else None, errors=errors)


def view_for(operation: Operation) -> Callable[..., Response]:
    def view(**path_args: Any) -> Response:
        try:
            if any(isinstance(v, int) and not 0 < v <= MAX_ID for v in path_args.values()):
                _authenticate(operation)  # a bad key is still a 401, a missing scope a 403
                raise not_found()
            return _run(operation, path_args)
        except ApiProblem as problem:
            db.session.rollback()
            return problem_response(problem)

    view.__name__ = operation.operation_id
    return view


def include(blueprint: Blueprint, routes: Routes) -> None:
    """Add every operation of ``routes`` to ``blueprint``."""
    for operation in routes.operations:
        blueprint.add_url_rule(
            operation.rule,
            endpoint=operation.operation_id,
            view_func=view_for(operation),
            methods=[operation.method],
        )


def not_found(what: str = "object") -> ApiProblem:
    return ApiProblem(404, f"No such {what}.", kind="not-found")
