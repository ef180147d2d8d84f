"""``/healthz`` and the favicon."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from affiliate.extensions import csrf, db, limiter
from affiliate.jobs import jobs

bp = Blueprint("main", __name__)


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    return redirect(url_for("static", filename="img/favicon.svg"), code=301)


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz() -> ResponseReturnValue:
    """Report whether the database and Redis answer; 503 if either does not."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:
        current_app.logger.exception("health check: database unreachable")
        checks["database"] = "unreachable"
    if current_app.config.get("REDIS_URL"):
        try:
            jobs.connection.ping()
            checks["redis"] = "ok"
        except Exception:
            current_app.logger.exception("health check: redis unreachable")
            checks["redis"] = "unreachable"
    else:
        checks["redis"] = "not configured (jobs run in-process)"
    healthy = all(v == "ok" or v.startswith("not configured") for v in checks.values())
    return jsonify(status="ok" if healthy else "unhealthy", checks=checks), 200 if healthy else 503
