"""Error pages: every error is a friendly page (or JSON for JSON clients), never a stack trace."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, InternalServerError

from core.extensions import db

MESSAGES = {
    400: ("Something in that request was not right", "Go back, check the form and try again."),
    401: ("Please sign in", "You need to sign in to see this page."),
    403: (
        "You don't have access to this page",
        "Your account does not have the role this page needs.",
    ),
    404: ("We couldn't find that page", "The link may be old, or the page may have moved."),
    405: (
        "That action isn't allowed here",
        "Use the buttons on the page instead of the address bar.",
    ),
    413: ("That upload is too large", "Choose a smaller file and try again."),
    429: ("Too many attempts", "Please wait a few minutes before you try again."),
    500: ("Something went wrong on our side", "We've logged it. Please try again in a moment."),
}


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


CSRF_TITLE = "Your form expired"
CSRF_HINT = "Your form expired or was sent from elsewhere; go back, reload and try again."


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _back_url() -> str | None:
    """The page the request came from, if it is one of ours (a link back to the form)."""
    referrer = urlsplit(request.referrer or "")
    ours = referrer.scheme in {"http", "https"} and referrer.netloc == request.host
    path = referrer.path
    if not ours or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None  # "//host/..." (or "/\\host/...") would leave the site
    return path + (f"?{referrer.query}" if referrer.query else "")


def render_error(
    code: int, detail: str | None = None, *, title: str | None = None, back_url: str | None = None
) -> tuple[str, int]:
    default_title, hint = MESSAGES.get(code, (f"Error {code}", ""))
    title = title or default_title
    if _wants_json():
        return jsonify(error=title, detail=detail or hint), code  # type: ignore[return-value]
    if _is_htmx():  # a fragment for the element being swapped, not a whole page
        fragment = Markup('<div class="alert alert-danger" role="alert">{}</div>')
        return fragment.format(detail or hint), code
    return render_template(
        "errors/error.html", code=code, title=title, hint=detail or hint, back_url=back_url
    ), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(400, CSRF_HINT, title=CSRF_TITLE, back_url=_back_url())

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        code = error.code or 500
        if code < 400:
            return error
        return render_error(code)

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError) -> tuple[str, int]:
        # Flask has logged the original exception; the session is rolled back at teardown.
        db.session.rollback()
        return render_error(500)
