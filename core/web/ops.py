"""Operations: request ids on every log line, security headers, request timing."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterable, Mapping

from flask import Flask, Response, abort, g, has_request_context, request
from werkzeug.datastructures import MultiDict
from werkzeug.middleware.proxy_fix import ProxyFix

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

CSP_DIRECTIVES: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:", "blob:"),
    "media-src": ("'self'", "blob:"),
    "font-src": ("'self'", "data:"),
    "connect-src": ("'self'",),
    "frame-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}


def content_security_policy(extra: Mapping[str, Iterable[str]] | None = None) -> str:
    """The site's policy, with ``extra`` sources added to some directives for one page
    (e.g. ``{"script-src": ["https://js.stripe.com"]}``); a view sets it on its response."""
    extra = extra or {}
    unknown = set(extra) - set(CSP_DIRECTIVES)
    if unknown:
        raise ValueError(f"unknown CSP directives: {sorted(unknown)}")
    parts = []
    for directive, sources in CSP_DIRECTIVES.items():
        added = [s for s in extra.get(directive, ()) if s not in sources]
        parts.append(" ".join([directive, *sources, *dict.fromkeys(added)]))
    return "; ".join(parts)


CONTENT_SECURITY_POLICY = content_security_policy()

log = logging.getLogger("affiliate.request")


class RequestIdFilter(logging.Filter):
    """Stamp every record with the id of the request it was logged in (or ``-``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def trust_proxies(app: Flask) -> None:
    """Read the client address from ``X-Forwarded-*`` only behind known proxies."""
    count = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_affiliate", False):
            root.removeHandler(existing)
    handler._affiliate = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    for noisy in ("alembic.runtime.plugins", "fakeredis"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app.logger.handlers.clear()
    app.logger.propagate = True


def has_nul_byte(values: MultiDict[str, str]) -> bool:
    return any("\x00" in key or any("\x00" in v for v in vs) for key, vs in values.lists())


def register_request_hooks(app: Flask) -> None:
    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.before_request
    def refuse_nul_bytes() -> None:
        """No person types a NUL byte, and PostgreSQL cannot store or even compare one in text:
        refuse it in the query string or a form as a bad request before it reaches a query."""
        if has_nul_byte(request.args):
            abort(400)
        if request.mimetype == "application/x-www-form-urlencoded":
            request.get_data(cache=True)  # keep the raw body readable (e.g. signed webhooks)
        elif request.mimetype != "multipart/form-data":
            return
        if has_nul_byte(request.form):
            abort(400)

    @app.after_request
    def finish_response(response: Response) -> Response:
        set_security_headers(app, response)
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        if started is not None and request.endpoint != "static":
            elapsed_ms = (time.perf_counter() - started) * 1000
            log.info(
                "%s %s %s %.1fms", request.method, request.path, response.status_code, elapsed_ms
            )
        return response


def set_security_headers(app: Flask, response: Response) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if app.config.get("HSTS_ENABLED"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static" and "Cache-Control" not in headers:
        # Pages show private data; never let a shared cache keep them.
        headers["Cache-Control"] = "no-store"
