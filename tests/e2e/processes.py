"""Start the gateway as an operator would: gunicorn for web, rq for the job runner."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from gateway import runner
from gateway.dev.embedded_redis import free_port
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, sign

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def gateway_env(
    database_url: str, redis_url: str, twilio_url: str, port: int
) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TWILIO_", "GATEWAY_"))
    }
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY="e2e-secret-key-0123456789",
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        SMS_BACKEND="twilio",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_FROM="+61491570999",
        TWILIO_API_URL=twilio_url,
        SWEEP_INTERVAL="2",
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [str(BIN / "gateway"), *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@contextmanager
def web(env: dict[str, str], port: int) -> Iterator[str]:
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_http(base + "/healthz", process)
        yield base
    finally:
        _stop(process)


@contextmanager
def job_runner(env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    args = runner.command(env["REDIS_URL"], "--name", f"e2e-{uuid.uuid4().hex[:8]}")
    process = subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield process
    finally:
        _stop(process)


def _wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"web exited: {output}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError("web did not answer in time")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class SignedPhone:
    """A handset texting the running gateway through Twilio's signed webhook."""

    def __init__(self, base: str, public_url: str, number: str) -> None:
        self.base = base
        self.public_url = public_url
        self.number = number

    def text(self, body: str, sid: str | None = None) -> requests.Response:
        params = {
            "MessageSid": sid or "SM" + uuid.uuid4().hex,
            "AccountSid": ACCOUNT_SID,
            "From": self.number,
            "To": "+61491570999",
            "Body": body,
            "NumMedia": "0",
            "ToCity": "",
        }
        signature = sign(self.public_url + "/sms/inbound", params)
        return requests.post(
            self.base + "/sms/inbound",
            data=params,
            headers={"X-Twilio-Signature": signature},
            timeout=10,
        )


def free_tcp_port() -> int:
    return free_port()
