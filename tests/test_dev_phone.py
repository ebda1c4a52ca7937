"""The dev phone: a simulated handset, only under `gateway dev`."""

import pytest

from gateway import config, create_app, runtime
from tests.conftest import environ
from tests.helpers import WORKER_PHONE, make_org


@pytest.fixture
def dev_client(database_url, redis_url, redis, tmp_path):
    rt = runtime.Runtime(
        config.load(environ(database_url, redis_url, tmp_path, GATEWAY_DEV="1"))
    )
    app = create_app(rt=rt)
    yield rt, app.test_client()
    runtime.install(None)
    rt.db.dispose()


def test_a_text_from_the_dev_phone_gets_its_reply_in_local_time(dev_client):
    rt, client = dev_client
    make_org(rt)

    client.post("/dev/phone", data={"number": "0491 570 006", "body": "START 2h"})
    page = client.get("/dev/phone", query_string={"number": WORKER_PHONE})

    text = page.get_data(as_text=True)
    assert "Journey started. Due" in text
    assert "AWST" in text


def test_a_bad_number_is_answered_beside_the_form(dev_client):
    _, client = dev_client

    response = client.post("/dev/phone", data={"number": "04l2", "body": "hi"})

    assert response.status_code == 302
    assert "error=" in response.headers["Location"]


def test_the_dev_phone_is_absent_outside_dev(client):
    response = client.get("/dev/phone")

    assert response.status_code == 404
