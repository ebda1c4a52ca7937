"""The product end to end, in real processes: gunicorn, rq's job runner, a real
Redis, a Twilio-compatible server and signed webhooks.

Jane goes silent and her level-1 contact's phone gets the alert through the
Twilio REST API; Ravi arrives in time and nobody is alerted about him.
"""

import json
import time

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from gateway.models import Outbox
from tests.conftest import reply_text
from tests.e2e.processes import (
    SignedPhone,
    cli,
    free_tcp_port,
    gateway_env,
    job_runner,
    web,
)
from tests.support.fake_twilio import FakeTwilio

JANE, RAVI, SAM, ALEX = "+61491570006", "+61491570007", "+61491570156", "+61491570157"
pytestmark = pytest.mark.e2e


@pytest.fixture
def twilio():
    with FakeTwilio(auth_token="test_auth_token_0123456789abcdef") as fake:
        fake.auto_status = ["sent", "delivered"]
        yield fake


def test_silence_reaches_the_supervisor_and_arrival_does_not(
    database_url, redis_url, redis, twilio
):
    port = free_tcp_port()
    env = gateway_env(database_url, redis_url, twilio.url, port)
    cli(
        env,
        "org",
        "create",
        "Pilbara Survey",
        "--timezone",
        "Australia/Perth",
        "--region",
        "AU",
    )
    cli(
        env,
        "policy",
        "set",
        "--org",
        "Pilbara Survey",
        "--grace",
        "3s",
        "--level-delay",
        "60s",
        "--min-journey",
        "1m",
        "--reminder",
        "0s",
    )
    jane = json.loads(
        cli(
            env,
            "worker",
            "add",
            "--org",
            "Pilbara Survey",
            "--first",
            "Jane",
            "--last",
            "Nguyen",
            "--phone",
            "0491 570 006",
            "--json",
        )
    )
    ravi = json.loads(
        cli(
            env,
            "worker",
            "add",
            "--org",
            "Pilbara Survey",
            "--first",
            "Ravi",
            "--last",
            "Singh",
            "--json",
        )
    )
    cli(
        env,
        "contact",
        "add",
        "--org",
        "Pilbara Survey",
        "--name",
        "Sam",
        "--phone",
        SAM,
        "--level",
        "1",
    )
    cli(
        env,
        "contact",
        "add",
        "--org",
        "Pilbara Survey",
        "--name",
        "Alex",
        "--phone",
        ALEX,
        "--level",
        "2",
    )

    with web(env, port) as base, job_runner(env):
        public = env["PUBLIC_URL"]
        jane_phone, ravi_phone = (
            SignedPhone(base, public, JANE),
            SignedPhone(base, public, RAVI),
        )
        replies = [
            reply_text(p.text(body).text)
            for p, body in [
                (jane_phone, jane["code"]),
                (jane_phone, "Nguyen"),
                (jane_phone, "START 1 Newman to Hedland"),
                (ravi_phone, ravi["code"]),
                (ravi_phone, "singh"),
                (ravi_phone, "START 1 bore run"),
            ]
        ]
        time.sleep(20)
        arrived = reply_text(ravi_phone.text("ARRIVED").text)
        alerts = twilio.wait_for(
            lambda sent: any(m.to == SAM for m in sent), timeout=90
        )
        time.sleep(3)  # time for a duplicate page to show, were there one

    assert replies[0] == "Reply with your last name to confirm this number."
    assert replies[2].startswith("Journey started. Due ")
    assert replies[5].startswith("Journey started. Due ")
    assert arrived.startswith("Welcome back.")
    to_sam = [m for m in twilio.messages if m.to == SAM]
    assert len(to_sam) == 1
    assert to_sam[0].body.startswith("ALERT ")
    assert "Jane Nguyen" in to_sam[0].body and "Newman to Hedland" in to_sam[0].body
    assert not any("Ravi" in m.body for m in twilio.messages)
    assert [m for m in twilio.messages if m.to == ALEX] == []
    assert len(alerts) >= 1
    _assert_delivered(database_url, SAM)


def _assert_delivered(database_url: str, number: str) -> None:
    engine = create_engine(database_url)
    deadline = time.monotonic() + 10
    status = None
    while time.monotonic() < deadline:
        with Session(engine) as session:
            status = session.scalar(
                select(Outbox.status).where(
                    Outbox.to_phone == number, Outbox.kind == "alert"
                )
            )
        if status == "delivered":
            break
        time.sleep(0.2)
    engine.dispose()
    assert status == "delivered"
