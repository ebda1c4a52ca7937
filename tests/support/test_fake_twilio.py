"""The fake Twilio must look like Twilio to the real twilio-python client."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.rest.api.v2010.account.message import MessageInstance

from tests.support.fake_twilio import FakeTwilio, segment_count

SENDER = "+15555550100"
ALICE = "+15555550123"
BOB = "+15555550145"
SERVICE = "MG" + "ab" * 16
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Callback:
    path: str
    params: dict[str, str]
    signature: str


@dataclass
class Receiver:
    """A tiny app stand-in that records the status callbacks it is sent."""

    url: str
    answer: int = 200
    calls: list[Callback] = field(default_factory=list)

    def wait_for_calls(self, count: int, timeout: float = 5.0) -> list[Callback]:
        deadline = time.monotonic() + timeout
        while len(self.calls) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.calls) >= count, f"got {len(self.calls)} of {count} calls"
        return list(self.calls)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def client(fake: FakeTwilio) -> Client:
    return _client_for(fake)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
            signature = self.headers.get("X-Twilio-Signature", "")
            params = dict(parse_qsl(raw, keep_blank_values=True))
            state.calls.append(Callback(self.path, params, signature))
            self.send_response(state.answer)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _client_for(
    fake: FakeTwilio,
    token: str | None = None,
    http_client: TwilioHttpClient | None = None,
) -> Client:
    client = Client(
        fake.account_sid,
        token or fake.auth_token,
        http_client=http_client,
        environment={},
    )
    client.api.base_url = fake.url
    return client


def _send(client: Client, to: str = ALICE, **extra: str) -> MessageInstance:
    return client.messages.create(to=to, from_=SENDER, body="Check in by 6pm", **extra)


def test_it_accepts_a_message_and_answers_like_twilio(
    fake: FakeTwilio, client: Client
) -> None:
    body = "Check in by 6pm"

    message = client.messages.create(to=ALICE, from_=SENDER, body=body)

    assert re.fullmatch(r"SM[0-9a-f]{32}", message.sid)
    assert (message.status, message.num_segments, message.error_code) == (
        "queued",
        "1",
        None,
    )
    assert message.date_created is not None and message.date_created.tzinfo
    [stored] = fake.messages
    assert (stored.sid, stored.to, stored.from_, stored.body) == (
        message.sid,
        ALICE,
        SENDER,
        body,
    )
    assert stored.created_at.utcoffset() is not None


def test_create_response_has_the_twenty_documented_keys(fake: FakeTwilio) -> None:
    url = f"{fake.url}/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
    form = {"To": ALICE, "From": SENDER, "Body": "x" * 161}

    response = requests.post(
        url, data=form, auth=(fake.account_sid, fake.auth_token), timeout=5
    )

    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json"
    payload = response.json()
    assert len(payload) == 20
    assert payload["num_segments"] == "2" and payload["num_media"] == "0"
    assert payload["error_code"] is None and payload["direction"] == "outbound-api"
    assert re.fullmatch(
        r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000", payload["date_created"]
    )
    assert payload["uri"].endswith(f"/Messages/{payload['sid']}.json")


def test_messaging_service_send_is_accepted_without_sender(
    fake: FakeTwilio, client: Client
) -> None:
    body = "Check in by 6pm"

    message = client.messages.create(to=ALICE, messaging_service_sid=SERVICE, body=body)

    assert (message.status, message.from_, message.num_segments) == (
        "accepted",
        None,
        "0",
    )
    assert fake.messages[0].messaging_service_sid == SERVICE


def test_wrong_token_is_refused_with_20003(fake: FakeTwilio) -> None:
    client = _client_for(fake, token="not-the-token")

    with pytest.raises(TwilioRestException) as caught:
        _send(client)

    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert fake.messages == []
    assert len(fake.attempts) == 1


def test_other_account_in_path_is_refused_with_20003(fake: FakeTwilio) -> None:
    client = Client("AC" + "1" * 32, fake.auth_token, environment={})
    client.api.base_url = fake.url

    with pytest.raises(TwilioRestException) as caught:
        _send(client)

    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert fake.messages == []


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"to": "", "from_": SENDER, "body": "hi"}, 21604),
        ({"to": ALICE, "body": "hi"}, 21603),
        ({"to": ALICE, "from_": SENDER}, 21602),
        ({"to": ALICE, "from_": SENDER, "body": "a" * 1601}, 21617),
    ],
)
def test_invalid_create_answers_400_with_code(
    client: Client, form: dict[str, str], code: int
) -> None:
    create = client.messages.create

    with pytest.raises(TwilioRestException) as caught:
        create(**form)

    assert (caught.value.status, caught.value.code) == (400, code)
    assert caught.value.msg.startswith("Unable to create record: ")


def test_fail_next_429_raises_once_then_sends(fake: FakeTwilio, client: Client) -> None:
    fake.fail_next(1, 429)

    with pytest.raises(TwilioRestException) as caught:
        _send(client)
    retried = _send(client)

    assert (caught.value.status, caught.value.code) == (429, 20429)
    assert [m.sid for m in fake.messages] == [retried.sid]
    assert len(fake.attempts) == 2


def test_generic_500_has_no_twilio_code(fake: FakeTwilio, client: Client) -> None:
    fake.fail_next(1)

    with pytest.raises(TwilioRestException) as caught:
        _send(client)

    # twilio-python fills a missing "code" with the HTTP status.
    assert (caught.value.status, caught.value.code) == (500, 500)


def test_opted_out_number_gets_21610_until_opt_in(
    fake: FakeTwilio, client: Client
) -> None:
    fake.opt_out(ALICE)

    with pytest.raises(TwilioRestException) as caught:
        _send(client)
    _send(client, to=BOB)
    fake.opt_in(ALICE)
    _send(client)

    assert (caught.value.status, caught.value.code) == (400, 21610)
    assert [m.to for m in fake.messages] == [BOB, ALICE]


def test_rejected_number_gets_its_code(fake: FakeTwilio, client: Client) -> None:
    fake.reject_number(BOB, code=21614)

    with pytest.raises(TwilioRestException) as caught:
        _send(client, to=BOB)

    assert (caught.value.status, caught.value.code) == (400, 21614)
    assert fake.messages_to(BOB) == []


def test_hang_next_makes_a_client_timeout_but_message_exists(
    fake: FakeTwilio,
) -> None:
    client = _client_for(fake, http_client=TwilioHttpClient(timeout=0.5))
    fake.hang_next(1, seconds=3)

    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        _send(client)

    assert time.monotonic() - started < 2
    assert len(fake.messages) == 1


def test_send_status_posts_a_signature_twilio_validates(
    fake: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    callback_url = receiver.url + "/twilio/status?journey=7"
    sent = _send(client, status_callback=callback_url)

    answered = fake.send_status(sent.sid, "undelivered", error_code=30003)

    assert answered == 200
    [call] = receiver.calls
    assert call.path == "/twilio/status?journey=7"
    assert RequestValidator(fake.auth_token).validate(
        callback_url, call.params, call.signature
    )
    assert call.params["MessageStatus"] == "undelivered"
    assert call.params["ErrorCode"] == "30003"
    assert call.params["MessageSid"] == sent.sid


def test_send_status_returns_the_apps_answer(
    fake: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    receiver.answer = 403
    sent = _send(client, status_callback=receiver.url + "/twilio/status")

    answered = fake.send_status(sent.sid, "delivered")

    assert answered == 403
    assert "ErrorCode" not in receiver.calls[0].params


def test_send_status_refuses_a_non_loopback_callback(
    fake: FakeTwilio, client: Client
) -> None:
    sent = _send(client, status_callback="https://sms.example.com/twilio/status")

    with pytest.raises(ValueError, match="non-loopback"):
        fake.send_status(sent.sid, "delivered")

    assert fake.messages[0].status == "queued"


def test_auto_status_delivers_sent_then_delivered(
    fake: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    fake.auto_status = ["sent", "delivered"]

    sent = _send(client, status_callback=receiver.url + "/twilio/status")

    calls = receiver.wait_for_calls(2)
    assert [c.params["MessageStatus"] for c in calls] == ["sent", "delivered"]
    assert {c.params["MessageSid"] for c in calls} == {sent.sid}
    fake.wait_for(lambda ms: ms[0].status == "delivered")


def test_fetch_returns_the_message_with_its_latest_status(
    fake: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    sent = _send(client, status_callback=receiver.url + "/s")
    fake.send_status(sent.sid, "delivered")

    fetched = client.messages(sent.sid).fetch()

    assert (fetched.to, fetched.body, fetched.status) == (
        ALICE,
        "Check in by 6pm",
        "delivered",
    )
    assert fetched.date_sent is not None


def test_unknown_paths_answer_404_json(fake: FakeTwilio) -> None:
    auth = (fake.account_sid, fake.auth_token)

    response = requests.get(fake.url + "/2010-04-01/Calls.json", auth=auth, timeout=5)

    assert response.status_code == 404
    assert response.json()["code"] == 20404


def test_wait_for_explains_a_timeout(fake: FakeTwilio) -> None:
    timeout = 0.1

    with pytest.raises(AssertionError, match="0 accepted, 0 attempts"):
        fake.wait_for(lambda messages: len(messages) > 0, timeout=timeout)


def _burst(client: Client, worker: int, errors: list[BaseException]) -> None:
    try:
        for n in range(25):
            client.messages.create(to=ALICE, from_=SENDER, body=f"{worker}-{n}")
    except BaseException as exc:  # collected so the main thread can fail on it
        errors.append(exc)


def test_concurrent_creates_are_all_recorded(fake: FakeTwilio) -> None:
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_burst, args=(_client_for(fake), worker, errors))
        for worker in range(16)
    ]

    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    elapsed = time.monotonic() - started

    assert errors == []
    sids = [m.sid for m in fake.messages]
    assert len(sids) == 400 and len(set(sids)) == 400
    # Clients share this process's GIL, so this is a floor against a per-request
    # stall, not the server's capacity (about 350/s measured on 2 cores).
    assert 400 / elapsed > 150, f"only {400 / elapsed:.0f} creates/s"


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),
        ("€" * 81, 2),
        ("á" * 70, 1),
        ("á" * 71, 2),
        ("á" * 134, 2),
        ("á" * 135, 3),
        ("😀" * 35, 1),
        ("😀" * 36, 2),
        ("a" * 1600, 11),
    ],
)
def test_segment_count_matches_twilio_rules(body: str, segments: int) -> None:
    text = body

    counted = segment_count(text)

    assert counted == segments


def test_standalone_prints_url_records_and_masks_numbers(tmp_path: Path) -> None:
    record = tmp_path / "sent.jsonl"
    command = [sys.executable, "-m", "tests.support.fake_twilio", "--port", "0"]
    command += ["--auth-token", "tok", "--record", str(record)]
    proc = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    try:
        line = proc.stdout.readline().strip()  # type: ignore[union-attr]
        client = Client("AC" + "0" * 32, "tok", environment={})
        client.api.base_url = line.removeprefix("FAKE_TWILIO_URL=")
        sent = client.messages.create(to=ALICE, from_=SENDER, body="secret words")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=10)

    assert re.fullmatch(r"FAKE_TWILIO_URL=http://127\.0\.0\.1:\d+", line)
    assert proc.returncode == 0
    assert "***0123" in stderr and ALICE not in stderr and "secret" not in stderr
    [entry] = [json.loads(row) for row in record.read_text().splitlines()]
    assert (entry["sid"], entry["to"], entry["body_length"]) == (sent.sid, ALICE, 12)
