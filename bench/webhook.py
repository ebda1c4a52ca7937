"""Webhook throughput and latency: the gateway under gunicorn on PostgreSQL,
beside a bare Flask endpoint answering the same TwiML, in the same run.

Peak throughput is wrk's (closed loop, several connection counts, best
kept); latency is measured open loop at half the gateway's peak, from each
request's planned start, so a stall shows up instead of slowing the client.
Every request is a real signed STATUS text from a bound worker with an active
journey. Prints its figures; not a pass/fail test.
"""

import http.client
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bench import common
from gateway.dev.embedded_redis import free_port

WORKERS = 500
PEAK_SECONDS = 8
HALF_SECONDS = 10
CONNECTIONS = (8, 32)
SIGNED_REQUESTS = 60_000


def signed(public_url: str, body: str, worker: int) -> tuple[str, str]:
    params = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": common.ACCOUNT_SID,
        "From": common.phone_of(worker),
        "To": "+61491570999",
        "Body": body,
        "NumMedia": "0",
    }
    validator = RequestValidator(common.AUTH_TOKEN)
    signature = validator.compute_signature(public_url + "/sms/inbound", params)
    return urlencode(params), signature


def post(conn: http.client.HTTPConnection, form: str, signature: str) -> bytes:
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
    }
    conn.request("POST", "/sms/inbound", form, headers)
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}")
    return data


def wrk_peak(port: int, requests_file: Path, connections: int) -> tuple[float, int]:
    """Requests per second and non-2xx answers of one closed-loop wrk run."""
    offset = CONNECTIONS.index(connections) * SIGNED_REQUESTS // len(CONNECTIONS)
    args = ["wrk", "-t2", f"-c{connections}", f"-d{PEAK_SECONDS}s", "--timeout", "5s"]
    args += ["-s", str(common.ROOT / "bench" / "webhook.lua")]
    args += [f"http://127.0.0.1:{port}", "--", str(requests_file), "2", str(offset)]
    result = subprocess.run(
        args, capture_output=True, text=True, timeout=PEAK_SECONDS + 30
    )
    rate = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if rate is None:
        raise RuntimeError(f"wrk said: {result.stdout}{result.stderr}")
    return float(rate.group(1)), int(errors.group(1)) if errors else 0


def open_loop(
    port: int, rate: float, requests: list[tuple[str, str]]
) -> tuple[list[float], int]:
    """Send ``requests`` at ``rate`` per second; latency from each planned start."""
    todo: queue.Queue[int] = queue.Queue()
    for index in range(len(requests)):
        todo.put(index)
    latencies: list[float] = []
    errors = [0]
    start = time.perf_counter() + 0.2
    deadline = start + len(requests) / rate + 30

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.perf_counter() < deadline:
            try:
                index = todo.get_nowait()
            except queue.Empty:
                return
            planned = start + index / rate
            time.sleep(max(0.0, planned - time.perf_counter()))
            try:
                post(conn, *requests[index])
                latencies.append(time.perf_counter() - planned)
            except (OSError, RuntimeError, http.client.HTTPException):
                errors[0] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    threads = [threading.Thread(target=client) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0]


def main() -> None:
    print(f"machine: {common.machine()}")
    port, bare_port = free_port(), free_port()
    public = f"http://127.0.0.1:{port}"
    with (
        common.pg_schema() as url,
        common.redis_server() as redis,
        tempfile.TemporaryDirectory() as tmp,
    ):
        env = common.environ(url, redis.url, port)
        rt = common.make_runtime(env)
        common.populate(rt, WORKERS)
        with common.gunicorn(env, port):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            for worker in range(WORKERS):
                post(conn, *signed(public, "START 8h bench", worker))
            twiml = post(conn, *signed(public, "STATUS", 0)).decode()
            requests_file = Path(tmp) / "requests.tsv"
            with requests_file.open("w") as out:
                for index in range(SIGNED_REQUESTS):
                    form, signature = signed(public, "STATUS", index % WORKERS)
                    out.write(f"{form}\t{signature}\n")
            gateway = max(wrk_peak(port, requests_file, c) for c in CONNECTIONS)
            half = gateway[0] / 2
            fresh = [
                signed(public, "STATUS", i % WORKERS)
                for i in range(int(half * HALF_SECONDS))
            ]
            latencies, errors = open_loop(port, half, fresh)
        bare_env = {**env, "BENCH_TWIML": twiml}
        with common.gunicorn(bare_env, bare_port, "bench.bare_app:app"):
            bare = max(wrk_peak(bare_port, requests_file, c) for c in CONNECTIONS)
            bare_lat, _ = open_loop(bare_port, half, fresh)
        rt.db.dispose()

    print(f"gateway peak: {gateway[0]:.0f} req/s ({gateway[1]} non-2xx)")
    print(f"bare Flask peak: {bare[0]:.0f} req/s ({bare[1]} non-2xx)")
    print(f"ratio gateway/bare: {gateway[0] / bare[0]:.2f} (target >= 0.5)")
    print(
        f"gateway at {half:.0f} req/s for {HALF_SECONDS} s: "
        f"p50 {1000 * common.percentile(latencies, 0.5):.1f} ms, "
        f"p99 {1000 * common.percentile(latencies, 0.99):.1f} ms, "
        f"max {1000 * max(latencies):.1f} ms, {errors} errors (target p99 < 50 ms)"
    )
    print(
        f"bare at the same rate: p50 {1000 * common.percentile(bare_lat, 0.5):.1f} ms,"
        f" p99 {1000 * common.percentile(bare_lat, 0.99):.1f} ms"
    )


if __name__ == "__main__":
    sys.exit(main())
