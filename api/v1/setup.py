"""Build the ``/api/v1`` blueprint from the operations of each module, listed here."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_limiter.errors import RateLimitExceeded
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException, InternalServerError

from api.v1 import (
    commissions,
    creator,
    creators,
    disputes,
    finance,
    orders,
    plans,
    products,
    promotions,
    wallet,
)
from api.v1.framework import Routes, include, rate_limit_key
from api.v1.openapi import build_document
from api.v1.problems import ApiProblem, problem_response
from core.extensions import csrf, db, limiter

#: Every module of operations, in the order of the reference.
MODULES: list[Routes] = [
    products.routes,
    orders.routes,
    plans.routes,
    creators.routes,
    commissions.routes,
    disputes.routes,
    promotions.routes,
    creator.routes,
    wallet.routes,
    finance.routes,
]

DEFAULT_RATE_LIMIT = "300 per minute"


def api_rate_limit() -> str:
    return str(current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT))


def make_blueprint() -> Blueprint:
    bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
    for routes in MODULES:
        include(bp, routes)
    bp.add_url_rule("/openapi.json", "openapi", openapi_json, methods=["GET"])
    bp.add_url_rule("/docs", "reference", reference, methods=["GET"])
    bp.add_url_rule(
        "/<path:anything>",
        "unknown",
        unknown,
        methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
    )
    bp.register_error_handler(HTTPException, http_problem)
    bp.register_error_handler(InternalServerError, server_problem)
    # Bearer keys only (no cookie is ever read), so no request can ride on a browser's session.
    csrf.exempt(bp)
    limiter.limit(api_rate_limit, key_func=rate_limit_key)(bp)
    return bp


def document() -> dict[str, Any]:
    return build_document(MODULES, server_url=url_for("api_v1.openapi").rsplit("/", 1)[0])


def openapi_json() -> Response:
    response = jsonify(document())
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def inline_code(text: str | None) -> Markup:
    """Escape ``text`` and show its `backticked` parts as code, as the document writes them."""
    parts = escape(text or "").split("`")
    return Markup("").join(
        Markup("<code>{}</code>").format(part) if index % 2 else part
        for index, part in enumerate(parts)
    )


def reference() -> str:
    return render_template("api/reference.html", doc=document(), code=inline_code)


def unknown(anything: str) -> Response:
    """A path no operation has (404), or one that has others' methods (405, with ``Allow``)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST", "PATCH"):
        try:
            endpoint, _ = adapter.match(request.path, method=method)
        except HTTPException:
            continue
        if endpoint != "api_v1.unknown":
            allowed.append(method)
    if allowed and request.method not in allowed:
        problem = ApiProblem(
            405, "This path does not take that method.", headers={"Allow": ", ".join(allowed)}
        )
        return problem_response(problem)
    return problem_response(ApiProblem(404, "No such API path.", kind="not-found"))


def http_problem(error: HTTPException) -> Response:
    headers = {}
    if isinstance(error, RateLimitExceeded):
        headers["Retry-After"] = "60"
    code = error.code or 500
    return problem_response(ApiProblem(code, error.description or "", headers=headers))


def server_problem(error: InternalServerError) -> Response:
    db.session.rollback()
    return problem_response(ApiProblem(500, "Something went wrong on our side."))


def init_app(app: Flask) -> None:
    app.register_blueprint(make_blueprint())
