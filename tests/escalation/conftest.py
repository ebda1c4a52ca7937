"""Fixtures for escalation tests against real parts: the fake Twilio server
and a runtime that sends through it, its app served over HTTP so status
callbacks arrive as they would from Twilio."""

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from gateway import config, create_app, runtime, sms
from gateway.dev.embedded_redis import free_port
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, environ
from tests.support.fake_twilio import FakeTwilio


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as fake:
        yield fake


@pytest.fixture
def live(database_url, redis_url, redis, tmp_path, twilio, monkeypatch):
    """A runtime sending through the fake Twilio, its app served over HTTP."""
    # A hung create must time out within the test, not after ten seconds.
    monkeypatch.setattr(sms, "TIMEOUT_S", 1.0)
    port = free_port()
    env = environ(
        database_url,
        redis_url,
        tmp_path,
        SMS_BACKEND="twilio",
        TWILIO_API_URL=twilio.url,
        TWILIO_FROM="+61491570999",
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        SWEEP_INTERVAL="1",
        NO_PROXY="127.0.0.1,localhost",
    )
    rt = runtime.Runtime(config.load(env))
    server = make_server("127.0.0.1", port, create_app(rt=rt), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rt, env
    server.shutdown()
    runtime.install(None)
    rt.db.dispose()
