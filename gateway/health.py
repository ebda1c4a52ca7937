"""Health and metrics endpoints for operators."""

import json
import logging

from flask import Blueprint, Response, current_app
from redis.exceptions import RedisError
from rq.worker import Worker
from sqlalchemy import text

from gateway import clock, metrics, runtime
from gateway.escalation import sweeper

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


def _runtime() -> runtime.Runtime:
    rt: runtime.Runtime = current_app.extensions["gateway"]
    return rt


@bp.get("/healthz")
def healthz() -> Response:
    """200 when database, Redis, a job runner and a fresh sweeper are all there."""
    rt = _runtime()
    checks: dict[str, object] = {"database": _database(rt)}
    checks["redis"], checks["job_runners"] = _redis(rt)
    beat = sweeper.last_beat(rt) if checks["database"] == "ok" else None
    age = (clock.now() - beat).total_seconds() if beat else None
    checks["sweeper_age_s"] = None if age is None else round(age, 1)
    stale = age is None or age > 3 * rt.settings.sweep_interval
    healthy = (
        checks["database"] == "ok"
        and checks["redis"] == "ok"
        and bool(checks["job_runners"])
        and not stale
    )
    checks["status"] = "ok" if healthy else "degraded"
    if not healthy:
        log.warning("healthz: degraded %s", checks)
    return Response(
        json.dumps(checks), status=200 if healthy else 503, mimetype="application/json"
    )


def _database(rt: runtime.Runtime) -> str:
    try:
        with rt.db.session() as session:
            session.execute(text("SELECT 1"))
        return "ok"
    except Exception:
        return "down"


def _redis(rt: runtime.Runtime) -> tuple[str, int]:
    """Redis state and how many job runners are registered on the gateway queue."""
    if rt.redis is None or rt.queue is None:
        return "down", 0
    try:
        rt.redis.ping()
        # Worker.all skips registrations whose key has expired, so a runner
        # killed without a goodbye drops out within its --worker-ttl.
        return "ok", len(Worker.all(queue=rt.queue))
    except RedisError:
        return "down", 0


@bp.get("/metrics")
def prometheus() -> Response:
    body = metrics.exposition(_runtime())
    return Response(body, mimetype="text/plain; version=0.0.4; charset=utf-8")
