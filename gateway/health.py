"""Health and metrics endpoints for operators."""

import json

from flask import Blueprint, Response, current_app
from redis.exceptions import RedisError
from sqlalchemy import text

from gateway import clock, runtime
from gateway.escalation import sweeper

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    rt: runtime.Runtime = current_app.extensions["gateway"]
    checks: dict[str, object] = {}
    try:
        with rt.db.session() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "down"
    try:
        checks["redis"] = "ok" if rt.redis is not None and rt.redis.ping() else "down"
    except RedisError:
        checks["redis"] = "down"
    beat = sweeper.last_beat(rt) if checks["database"] == "ok" else None
    age = (clock.now() - beat).total_seconds() if beat else None
    checks["sweeper_age_s"] = None if age is None else round(age, 1)
    stale = age is None or age > 3 * rt.settings.sweep_interval
    healthy = checks["database"] == "ok" and checks["redis"] == "ok" and not stale
    checks["status"] = "ok" if healthy else "degraded"
    return Response(
        json.dumps(checks), status=200 if healthy else 503, mimetype="application/json"
    )
