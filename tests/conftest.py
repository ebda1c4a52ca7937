"""Fixtures: a real database (SQLite, and PostgreSQL when configured), a real
Redis, the app, a signed-webhook client and a controllable clock.

Set GATEWAY_TEST_POSTGRES to a PostgreSQL URL to run every database test on
PostgreSQL as well; set GATEWAY_TEST_REDIS to use an existing Redis (its
database is flushed), otherwise an embedded server is started.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import create_engine, text
from twilio.request_validator import RequestValidator

from gateway import config, create_app, runtime
from gateway.db import Database
from gateway.dev.embedded_redis import EmbeddedRedis

AUTH_TOKEN = "test_auth_token_0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32
PUBLIC_URL = "http://127.0.0.1:5000"
POSTGRES = os.environ.get("GATEWAY_TEST_POSTGRES", "")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES else ["sqlite"]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    existing = os.environ.get("GATEWAY_TEST_REDIS")
    if existing:
        yield existing
        return
    with EmbeddedRedis() as server:
        yield server.url


@pytest.fixture
def redis(redis_url: str) -> Iterator[Redis]:
    client = Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    """A private schema in the configured PostgreSQL, created with our tables."""
    if not POSTGRES:
        pytest.skip("GATEWAY_TEST_POSTGRES is not set")
    name = f"gw_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES)
    with admin.begin() as conn:  # fails, not skips, when PostgreSQL is down
        conn.execute(text(f"CREATE SCHEMA {name}"))
    url = _with_search_path(POSTGRES, name)
    Database(url).init_schema()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
    admin.dispose()


def _with_search_path(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
        Database(url).init_schema()
        yield url
        return
    url = request.getfixturevalue("pg_schema")
    yield url
    _truncate(url)


def _truncate(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        ).scalars()
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


def environ(
    database_url: str, redis_url: str, tmp_path: Path, **extra: str
) -> dict[str, str]:
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret-key-0123456789",
        "PUBLIC_URL": PUBLIC_URL,
        "SMS_BACKEND": "outbox",
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "GATEWAY_INSTANCE": str(tmp_path / "instance"),
    }
    env.update(extra)
    return env


@pytest.fixture
def env(
    database_url: str, redis_url: str, redis: Redis, tmp_path: Path
) -> dict[str, str]:
    return environ(database_url, redis_url, tmp_path)


@pytest.fixture
def rt(env: dict[str, str]) -> Iterator[runtime.Runtime]:
    current = runtime.Runtime(config.load(env))
    runtime.install(current)
    yield current
    runtime.install(None)
    current.db.dispose()
    if current.redis is not None:
        current.redis.close()


@pytest.fixture
def app(rt: runtime.Runtime) -> Flask:
    flask_app = create_app(rt=rt)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(url, params))


class Phone:
    """Texts the gateway through its signed webhook, as Twilio would."""

    def __init__(self, client: FlaskClient, number: str) -> None:
        self.client = client
        self.number = number

    def text(self, body: str, sid: str | None = None) -> str:
        params = {
            "MessageSid": sid or "SM" + uuid.uuid4().hex,
            "AccountSid": ACCOUNT_SID,
            "From": self.number,
            "To": "+61491570999",
            "Body": body,
            "NumMedia": "0",
        }
        response = self.client.post(
            "/sms/inbound",
            data=params,
            headers={"X-Twilio-Signature": sign(PUBLIC_URL + "/sms/inbound", params)},
        )
        assert response.status_code == 200, response.data
        return reply_text(response.get_data(as_text=True))


def reply_text(twiml: str) -> str:
    """The text of the TwiML reply, or "" for an empty response."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(twiml)
    message = root.find("Message")
    return "" if message is None else (message.text or "")


@pytest.fixture
def phone(client: FlaskClient) -> Any:
    return lambda number: Phone(client, number)
