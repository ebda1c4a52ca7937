"""A local stand-in for Twilio's Messages REST API and its status callbacks.

Real HTTP on 127.0.0.1 so the gateway's real twilio client, timeouts and
connection pool are exercised. Protocol facts: /work/shared/reference/TWILIO.md.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import functools
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import re
import secrets
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

log = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
MAX_BODY_CHARS = 1600
_CREATE_PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
_FETCH_PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages/([^/]+)\.json$")

# Wording is ours; the codes are the ones TWILIO.md section 3 lists.
_ERROR_TEXT = {
    20003: "Authentication Error - invalid username or password",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    21211: "Invalid 'To' Phone Number",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    21617: "The concatenated message body exceeds the 1600 character limit.",
}
_DEFAULT_CODE_FOR_STATUS = {401: 20003, 404: 20404, 429: 20429}

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


def segment_count(body: str) -> int:
    """Return how many SMS segments Twilio would bill for ``body``."""
    if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENSION for ch in body):
        costs = [2 if ch in _GSM7_EXTENSION else 1 for ch in body]
        single, per_part = 160, 153
    else:
        # One non-GSM character turns the whole message into UCS-2, where
        # characters beyond the BMP take a UTF-16 surrogate pair.
        costs = [2 if ord(ch) > 0xFFFF else 1 for ch in body]
        single, per_part = 70, 67
    if sum(costs) <= single:
        return 1

    # Escape pairs and surrogate pairs are never split across segments, so
    # pack greedily instead of dividing the total.
    segments, used = 1, 0
    for cost in costs:
        if used + cost > per_part:
            segments, used = segments + 1, 0
        used += cost
    return segments


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """Sign like Twilio: HMAC-SHA1 of URL plus sorted name+value pairs, base64."""
    payload = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def mask_number(number: str) -> str:
    return "***" + number[-4:]


@dataclasses.dataclass(frozen=True)
class SentMessage:
    sid: str
    to: str
    from_: str | None
    body: str
    messaging_service_sid: str | None
    status_callback: str | None
    status: str
    created_at: datetime
    account_sid: str
    error_code: int | None = None
    num_segments: int = 1


@dataclasses.dataclass
class _Reply:
    status: int
    payload: dict[str, Any]
    delay: float = 0.0
    then: Callable[[], None] | None = None


def _error(status: int, code: int | None, message: str | None = None) -> _Reply:
    text = message or _ERROR_TEXT.get(code or 0) or HTTPStatus(status).phrase
    payload: dict[str, Any] = {"message": text, "status": status}
    if code is not None:
        # A body without "code" makes twilio-python fall back to the HTTP
        # status as exc.code, which is how a bare 500 reaches the gateway.
        payload["code"] = code
        payload["more_info"] = f"https://www.twilio.com/docs/errors/{code}"
    return _Reply(status, payload)


class FakeTwilio:
    """Twilio Messages API on 127.0.0.1 with switchable failures and callbacks."""

    def __init__(
        self,
        account_sid: str = "AC" + "0" * 32,
        auth_token: str = "fake_twilio_auth_token_0123456789",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        record_path: str | Path | None = None,
    ) -> None:
        address = ipaddress.ip_address(host)
        if address.version != 4 or not address.is_loopback:
            raise ValueError(f"FakeTwilio binds IPv4 loopback only, not {host}")
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.host, self.port = host, port
        self.url = ""
        self.auto_status: list[str] = []
        self.auto_status_delay = 0.05
        # Seconds every create waits before answering, as the real API does.
        self.latency = 0.0
        # Requests being answered at once, and the most there have been.
        self.in_flight = 0
        self.peak_in_flight = 0
        self._record_path = Path(record_path) if record_path else None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._messages: dict[str, SentMessage] = {}
        self._attempts: list[dict[str, str]] = []
        self._failures: list[tuple[int, int | None]] = []
        self._hangs: list[float] = []
        self._opted_out: set[str] = set()
        self._rejected: dict[str, int] = {}
        self._connections: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> FakeTwilio:
        self._stopping.clear()
        self._server = _Server((self.host, self.port), _Handler, self)
        self.port = self._server.server_address[1]
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-twilio",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        # Wakes hung requests and pending auto callbacks so stop() is prompt.
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            connections = list(self._connections)
        # Keep-alive clients would otherwise pin handler threads open.
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- inspection ----------------------------------------------------------

    @property
    def messages(self) -> list[SentMessage]:
        with self._lock:
            return list(self._messages.values())

    @property
    def attempts(self) -> list[dict[str, str]]:
        with self._lock:
            return [dict(attempt) for attempt in self._attempts]

    def messages_to(self, number: str) -> list[SentMessage]:
        return [message for message in self.messages if message.to == number]

    def wait_for(
        self,
        predicate: Callable[[list[SentMessage]], bool],
        timeout: float = 10.0,
    ) -> list[SentMessage]:
        """Poll until ``predicate(messages)`` holds; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            snapshot = self.messages
            if predicate(snapshot):
                return snapshot
            if time.monotonic() >= deadline:
                seen = [(m.sid, mask_number(m.to), m.status) for m in snapshot[-5:]]
                raise AssertionError(
                    f"fake twilio: condition not met within {timeout}s; "
                    f"{len(snapshot)} accepted, {len(self.attempts)} attempts, "
                    f"last: {seen}"
                )
            time.sleep(0.02)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self._attempts.clear()
            self._failures.clear()
            self._hangs.clear()
            self._opted_out.clear()
            self._rejected.clear()
            self.peak_in_flight = 0
        self.auto_status = []
        self.latency = 0.0

    # -- behaviour switches --------------------------------------------------

    def fail_next(self, count: int, status: int = 500, code: int | None = None) -> None:
        code = code if code is not None else _DEFAULT_CODE_FOR_STATUS.get(status)
        with self._lock:
            self._failures.extend([(status, code)] * count)

    def hang_next(self, count: int, seconds: float) -> None:
        """Delay the next ``count`` accepted creates; each is stored before the wait.

        That mirrors Twilio accepting a message whose response the client
        never read, which is exactly where duplicate sends come from.
        """
        with self._lock:
            self._hangs.extend([seconds] * count)

    def opt_out(self, number: str) -> None:
        with self._lock:
            self._opted_out.add(number)

    def opt_in(self, number: str) -> None:
        with self._lock:
            self._opted_out.discard(number)

    def reject_number(self, number: str, code: int = 21211) -> None:
        with self._lock:
            self._rejected[number] = code

    # -- status callbacks ----------------------------------------------------

    def send_status(self, sid: str, status: str, error_code: int | None = None) -> int:
        """POST a signed status callback for ``sid``; return the app's HTTP status.

        Raises KeyError for an unknown sid and ValueError when the message has no
        loopback http StatusCallback (traffic never leaves this machine).
        """
        with self._lock:
            url = self._messages[sid].status_callback
        if not url:
            raise ValueError(f"message {sid} has no StatusCallback")
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
            raise ValueError(f"refusing to call back a non-loopback URL: {url}")
        with self._lock:
            message = dataclasses.replace(
                self._messages[sid], status=status, error_code=error_code
            )
            self._messages[sid] = message

        params = self._callback_params(message)
        body = urlencode(params)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": twilio_signature(self.auth_token, url, params),
            "User-Agent": "TwilioProxy/1.1",
        }
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=15)
        try:
            # Twilio gives a webhook 15 s in total (TWILIO.md section 3).
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    def _callback_params(self, message: SentMessage) -> dict[str, str]:
        # The subset Twilio sends for SMS status callbacks (TWILIO.md section 3);
        # ErrorCode appears only for failed/undelivered.
        params = {
            "AccountSid": message.account_sid,
            "ApiVersion": API_VERSION,
            "To": message.to,
            "MessageSid": message.sid,
            "SmsSid": message.sid,
            "MessageStatus": message.status,
            "SmsStatus": message.status,
        }
        if message.from_:
            params["From"] = message.from_
        if message.messaging_service_sid:
            params["MessagingServiceSid"] = message.messaging_service_sid
        if message.status in ("failed", "undelivered") and message.error_code:
            params["ErrorCode"] = str(message.error_code)
        if message.status in ("delivered", "undelivered"):
            params["RawDlrDoneDate"] = datetime.now(UTC).strftime("%y%m%d%H%M")
        return params

    def _run_auto_status(self, sid: str, statuses: list[str]) -> None:
        for status in statuses:
            if self._stopping.wait(self.auto_status_delay):
                return
            try:
                self.send_status(sid, status)
            except (OSError, ValueError) as exc:
                log.warning(
                    "fake twilio: auto status %s for %s failed: %s", status, sid, exc
                )

    # -- request handling ----------------------------------------------------

    def _handle(
        self, method: str, path: str, auth: str, form: dict[str, str]
    ) -> _Reply:
        create = _CREATE_PATH.match(path) if method == "POST" else None
        fetch = _FETCH_PATH.match(path) if method == "GET" else None
        if create:
            with self._lock:
                self._attempts.append(dict(form))
        match = create or fetch
        if match is None:
            return _error(404, 20404, f"The requested resource {path} was not found")
        if match.group(1) != self.account_sid or not self._auth_ok(auth):
            return _error(401, 20003)
        if fetch:
            with self._lock:
                found = self._messages.get(fetch.group(2))
            if found is None:
                return _error(
                    404, 20404, f"The requested resource {path} was not found"
                )
            return _Reply(200, self._resource(found, created=False))
        return self._create(form)

    def _auth_ok(self, header: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode())
        return hmac.compare_digest(header.encode(), b"Basic " + expected)

    def _create(self, form: dict[str, str]) -> _Reply:
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure:
            return _error(*failure)
        to, body = form.get("To", ""), form.get("Body", "")
        from_ = form.get("From") or None
        service = form.get("MessagingServiceSid") or None
        if not to:
            return _error(400, 21604)
        if not (from_ or service):
            return _error(400, 21603)
        if not body and not (form.get("MediaUrl") or form.get("ContentSid")):
            return _error(400, 21602)
        if len(body) > MAX_BODY_CHARS:
            return _error(400, 21617)
        with self._lock:
            rejected = self._rejected.get(to)
            opted_out = to in self._opted_out
        if rejected:
            return _error(400, rejected)
        if opted_out:
            return _error(400, 21610)

        message = SentMessage(
            sid="SM" + secrets.token_hex(16),
            to=to,
            from_=from_,
            body=body,
            messaging_service_sid=service,
            status_callback=form.get("StatusCallback") or None,
            # With a Messaging Service the sender is picked later (TWILIO.md 7).
            status="accepted" if service else "queued",
            created_at=datetime.now(UTC),
            account_sid=self.account_sid,
            num_segments=segment_count(body),
        )
        with self._lock:
            self._messages[message.sid] = message
            delay = self._hangs.pop(0) if self._hangs else self.latency
            statuses = list(self.auto_status)
        self._record(message)

        then = None
        if statuses and message.status_callback:
            then = functools.partial(self._start_auto_status, message.sid, statuses)
        return _Reply(201, self._resource(message, created=True), delay, then)

    def _start_auto_status(self, sid: str, statuses: list[str]) -> None:
        threading.Thread(
            target=self._run_auto_status, args=(sid, statuses), daemon=True
        ).start()

    def _record(self, message: SentMessage) -> None:
        log.info(
            "fake twilio: accepted %s to %s (%d segments)",
            message.sid,
            mask_number(message.to),
            message.num_segments,
        )
        if self._record_path is None:
            return
        line = json.dumps(
            {
                "sid": message.sid,
                "to": message.to,
                "created_at": message.created_at.isoformat(),
                "body_length": len(message.body),
                "body": message.body,
            }
        )
        with self._lock, self._record_path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")

    def _resource(self, message: SentMessage, *, created: bool) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{message.account_sid}/Messages/{message.sid}"
        stamp = format_datetime(message.created_at.replace(microsecond=0))
        segments = message.num_segments
        if created and message.messaging_service_sid:
            # Twilio reports 0 segments for a Messaging Service send until a
            # sender is chosen (twilio-python's MessageInstance docstring).
            segments = 0
        return {
            "account_sid": message.account_sid,
            "api_version": API_VERSION,
            "body": message.body,
            "date_created": stamp,
            "date_sent": None if message.status in ("queued", "accepted") else stamp,
            "date_updated": format_datetime(datetime.now(UTC).replace(microsecond=0)),
            "direction": "outbound-api",
            "error_code": message.error_code,
            "error_message": None,
            "from": message.from_,
            "messaging_service_sid": message.messaging_service_sid,
            "num_media": "0",
            "num_segments": str(segments),
            "price": None,
            "price_unit": "USD",
            "sid": message.sid,
            "status": message.status,
            "subresource_uris": {"media": uri + "/Media.json"},
            "to": message.to,
            "uri": uri + ".json",
        }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # 16+ clients connecting at once overflow the default backlog of 5.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        fake: FakeTwilio,
    ) -> None:
        self.fake = fake
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and hung up is an expected test scenario.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive matters: the twilio client pools connections, and a new TCP
    # connection per request would halve throughput.
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle on, the second waits
    # for the client's delayed ACK, adding ~40 ms to every kept-alive call.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        with self._fake._lock:
            self._fake._connections.add(self.connection)

    def finish(self) -> None:
        with self._fake._lock:
            self._fake._connections.discard(self.connection)
        with contextlib.suppress(ConnectionError):
            super().finish()

    @property
    def _fake(self) -> FakeTwilio:
        server = self.server
        assert isinstance(server, _Server)
        return server.fake

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request stderr lines; accepted messages are logged instead."""

    def _dispatch(self) -> None:
        fake = self._fake
        with fake._lock:
            fake.in_flight += 1
            fake.peak_in_flight = max(fake.peak_in_flight, fake.in_flight)
        try:
            self._answer()
        finally:
            with fake._lock:
                fake.in_flight -= 1

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        form = dict(parse_qsl(raw, keep_blank_values=True))
        path = urlsplit(self.path).path
        auth = self.headers.get("Authorization", "")
        reply = self._fake._handle(self.command, path, auth, form)

        if reply.delay and self._fake._stopping.wait(reply.delay):
            self.close_connection = True
            return
        data = json.dumps(reply.payload).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if reply.status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="Twilio API"')
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        if reply.then is not None:
            # Started only after the 201 is written so callbacks can't beat it.
            reply.then()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a fake Twilio Messages API.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--account-sid", default="AC" + "0" * 32)
    parser.add_argument("--auth-token", default="fake_twilio_auth_token_0123456789")
    parser.add_argument("--record", type=Path, help="append accepted messages here")
    parser.add_argument(
        "--auto-status", default="", help="comma list, e.g. sent,delivered"
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds each create waits"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    fake = FakeTwilio(
        args.account_sid, args.auth_token, port=args.port, record_path=args.record
    )
    fake.auto_status = [s.strip() for s in args.auto_status.split(",") if s.strip()]
    fake.latency = args.latency

    with fake:
        print(f"FAKE_TWILIO_URL={fake.url}", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
