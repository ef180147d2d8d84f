"""``/healthz`` and the favicon."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from core.extensions import csrf, db, limiter
from core.jobs import jobs, outbox

bp = Blueprint("main", __name__)


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    return redirect(url_for("static", filename="img/favicon.svg"), code=301)


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz() -> ResponseReturnValue:
    """Say which dependency answers: 503 without the database; ``degraded`` (200) when the
    queue is down or behind, since every committed action still succeeds and waits in the
    outbox."""
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
        except Exception as error:
            current_app.logger.warning("health check: redis unreachable: %s", error)
            checks["redis"] = "unreachable (jobs wait in the outbox)"
    else:
        checks["redis"] = "not configured (jobs run in-process)"
    outbox_report: dict[str, object] = {}
    if checks["database"] == "ok":
        stats = outbox.stats(overdue_after_seconds=current_app.config["OUTBOX_OVERDUE_SECONDS"])
        outbox_report = {"due": stats.due, "overdue": stats.overdue, "dead": stats.dead}
        checks["outbox"] = "ok" if stats.overdue == 0 and stats.dead == 0 else "behind"
    if checks["database"] != "ok":
        status, code = "unhealthy", 503
    elif all(value == "ok" or value.startswith("not configured") for value in checks.values()):
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    degraded = sorted(
        name for name, value in checks.items() if value != "ok" and "not configured" not in value
    )
    return jsonify(status=status, checks=checks, degraded=degraded, outbox=outbox_report), code
