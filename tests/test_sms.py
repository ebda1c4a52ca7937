"""The Twilio seam honours the environment's proxy settings, read once when
its client is built, through a real forwarding proxy to the fake Twilio."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from gateway import config, sms
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, environ
from tests.support.fake_twilio import FakeTwilio


class Proxy(ThreadingHTTPServer):
    """A plain HTTP forwarding proxy on 127.0.0.1 that counts what it carries."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.carried: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(BaseHTTPRequestHandler):
    server: Proxy

    def do_POST(self) -> None:
        self.server.carried.append(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        with requests.Session() as session:
            session.trust_env = False
            answer = session.post(self.path, data=body, headers=headers, timeout=5)
        self.send_response(answer.status_code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    server = Proxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from an environment without proxy variables."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as fake:
        yield fake


def sender(twilio: FakeTwilio, tmp_path: Path) -> sms.TwilioSender:
    env = environ(
        "sqlite://",
        "redis://127.0.0.1:1/0",
        tmp_path,
        SMS_BACKEND="twilio",
        TWILIO_API_URL=twilio.url,
        TWILIO_FROM="+61491570999",
    )
    return sms.TwilioSender(config.load(env))


def test_sends_go_through_the_proxy_the_environment_names(
    twilio, proxy, tmp_path, monkeypatch
):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)

    result = sender(twilio, tmp_path).send("+61491570156", "Hello", None)

    assert result.sid is not None and result.sid.startswith("SM")
    assert [path.startswith(twilio.url) for path in proxy.carried] == [True]
    assert [m.body for m in twilio.messages] == ["Hello"]


def test_no_proxy_sends_straight_to_twilio(twilio, proxy, tmp_path, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    sender(twilio, tmp_path).send("+61491570156", "Hello", None)

    assert proxy.carried == []
    assert len(twilio.messages) == 1


def test_the_environment_is_read_when_the_client_is_built_not_per_send(
    twilio, proxy, tmp_path, monkeypatch
):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    direct = sender(twilio, tmp_path)
    direct.send("+61491570156", "first", None)

    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY")
    direct.send("+61491570156", "second", None)

    assert proxy.carried == []
    assert [m.body for m in twilio.messages] == ["first", "second"]
