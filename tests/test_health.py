"""/healthz: 200 only with database, Redis, a job runner and a fresh sweeper."""

from datetime import timedelta

import pytest
from freezegun import freeze_time
from rq import Queue
from rq.worker import Worker

from gateway import config, create_app, runtime
from gateway.dev.embedded_redis import EmbeddedRedis
from gateway.escalation.sweeper import sweep
from tests.conftest import environ
from tests.helpers import T0


@pytest.fixture
def job_runner(rt):
    """A job runner registered on the gateway queue, as `rq worker` registers."""
    queue = Queue(runtime.QUEUE, connection=rt.redis)
    registered = Worker([queue], connection=rt.redis)
    registered.register_birth()
    yield registered
    registered.register_death()


def test_all_well_is_200_with_the_figures(rt, client, job_runner):
    with freeze_time(T0) as clock:
        sweep(rt)
        clock.tick(timedelta(seconds=4))

        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {
        "database": "ok",
        "redis": "ok",
        "job_runners": 1,
        "sweeper_age_s": 4.0,
        "status": "ok",
    }


def test_a_stale_sweeper_is_503(rt, client, job_runner):
    with freeze_time(T0) as clock:
        sweep(rt)
        clock.tick(timedelta(seconds=3 * rt.settings.sweep_interval + 1))

        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json["status"] == "degraded"
    assert response.json["redis"] == "ok"
    assert response.json["sweeper_age_s"] == 3 * rt.settings.sweep_interval + 1


def test_no_sweeper_heartbeat_at_all_is_503(rt, client, job_runner):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json["sweeper_age_s"] is None


def test_no_job_runner_is_503(rt, client):
    sweep(rt)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json["job_runners"] == 0
    assert response.json["database"] == "ok"


def test_redis_down_is_503(database_url, tmp_path):
    stopped = EmbeddedRedis().start()
    stopped.stop()
    env = environ(database_url, stopped.url, tmp_path)
    rt = runtime.Runtime(config.load(env))
    client = create_app(rt=rt).test_client()
    sweep(rt)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json["redis"] == "down"
    assert response.json["database"] == "ok"
    runtime.install(None)
    rt.db.dispose()
