"""Errors as ``application/problem+json`` (RFC 9457)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from flask import Response
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM_TYPE = "application/problem+json"
TYPE_BASE = "https://yellowcart.example/problems/"


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class ApiProblem(Exception):
    """Raised by the framework or a handler to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str = "",
        *,
        title: str | None = None,
        kind: str | None = None,
        errors: Sequence[FieldError] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTP_STATUS_CODES.get(status, "Error")
        self.kind = kind
        self.errors = list(errors)
        self.headers = headers or {}


def problem_body(problem: ApiProblem) -> dict[str, object]:
    body: dict[str, object] = {
        "type": TYPE_BASE + problem.kind if problem.kind else "about:blank",
        "title": problem.title,
        "status": problem.status,
    }
    if problem.detail:
        body["detail"] = problem.detail
    if problem.errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in problem.errors]
    return body


def problem_response(problem: ApiProblem) -> Response:
    response = Response(
        json.dumps(problem_body(problem)), status=problem.status, mimetype=PROBLEM_TYPE
    )
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


def validation_problem(errors: Sequence[FieldError], detail: str = "") -> ApiProblem:
    return ApiProblem(
        422,
        detail or "The request has invalid fields.",
        title="Validation failed",
        kind="validation",
        errors=errors,
    )
