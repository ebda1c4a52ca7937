"""Shared set-up for the benchmarks: a private PostgreSQL schema, a Redis we
start ourselves, a population of bound workers, and the processes an operator
runs (gunicorn, rq's job runner, the fake Twilio). Everything binds 127.0.0.1.
"""

import os
import platform
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import create_engine, insert, text

from gateway import config, runner, runtime
from gateway.db import Database
from gateway.dev.embedded_redis import EmbeddedRedis, free_port
from gateway.models import Binding, Contact, Organisation, Policy, Worker

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
POSTGRES = os.environ.get(
    "BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
AUTH_TOKEN = "bench_auth_token_0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32
CONTACT = "+61491570100"


def phone_of(index: int) -> str:
    """A distinct Australian mobile number for worker ``index`` (fictional range)."""
    return f"+614{index:08d}"


@contextmanager
def pg_schema() -> Iterator[str]:
    """A database URL on a fresh private schema, dropped afterwards."""
    name = f"gw_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
    joiner = "&" if "?" in POSTGRES else "?"
    url = f"{POSTGRES}{joiner}options=-csearch_path%3D{name}"
    Database(url).init_schema()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
        admin.dispose()


@contextmanager
def redis_server() -> Iterator[EmbeddedRedis]:
    with EmbeddedRedis() as server:
        yield server


def environ(
    database_url: str, redis_url: str, port: int, **extra: str
) -> dict[str, str]:
    # A developer's own Twilio or GATEWAY_DEV settings must not leak in.
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "GATEWAY_"))
    }
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY="bench-secret-key-0123456789",
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        SMS_BACKEND="outbox",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        LOG_LEVEL="WARNING",
        NO_PROXY="127.0.0.1,localhost",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def make_runtime(env: dict[str, str]) -> runtime.Runtime:
    rt = runtime.Runtime(config.load(env))
    runtime.install(rt)
    return rt


def populate(rt: runtime.Runtime, workers: int, **policy: int) -> int:
    """One organisation, ``workers`` bound workers and one level-1 contact."""
    now = datetime.now(UTC)
    with rt.db.session() as session:
        org = Organisation(
            name="Bench", timezone="Australia/Perth", region="AU", created_at=now
        )
        session.add(org)
        session.flush()
        from gateway.directory import DEFAULT_POLICY

        session.add(Policy(org_id=org.id, **{**DEFAULT_POLICY, **policy}))
        session.add(
            Contact(
                org_id=org.id,
                name="Bench Contact",
                phone=CONTACT,
                level=1,
                active=True,
                created_at=now,
            )
        )
        org_id = org.id
    for start in range(0, workers, 5000):
        count = min(5000, workers - start)
        with rt.db.session() as session:
            session.execute(
                insert(Worker),
                [
                    {
                        "id": start + i + 1,
                        "org_id": org_id,
                        "first_name": "Worker",
                        "last_name": f"Number{start + i}",
                        "active": True,
                        "created_at": now,
                    }
                    for i in range(count)
                ],
            )
            session.execute(
                insert(Binding),
                [
                    {
                        "org_id": org_id,
                        "worker_id": start + i + 1,
                        "phone": phone_of(start + i),
                        "state": "bound",
                        "updated_at": now,
                    }
                    for i in range(count)
                ],
            )
    if rt.db.engine.dialect.name == "postgresql":
        # Ids were given explicitly; move the sequence past them.
        with rt.db.engine.begin() as conn:
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('worker', 'id'), :n)"),
                {"n": workers + 1},
            )
    return org_id


def create_journeys(
    rt: runtime.Runtime, count: int, first_due: datetime, spread: float
) -> None:
    """One active journey per worker, due evenly over ``spread`` seconds, planned
    and scheduled by the domain as a START would."""
    from gateway.escalation import steps
    from gateway.models import Journey

    for start in range(0, count, 500):
        now = datetime.now(UTC)
        with rt.db.session() as session:
            for index in range(start, min(start + 500, count)):
                journey = Journey(
                    org_id=1,
                    worker_id=index + 1,
                    state="active",
                    note=f"bench route {index}",
                    started_at=now,
                    due_at=first_due + timedelta(seconds=spread * index / count),
                    version=0,
                )
                session.add(journey)
                session.flush()
                steps.plan_journey(session, journey, now)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def gunicorn(
    env: dict[str, str], port: int, app: str = "wsgi:app"
) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn as the Procfile runs it: 2 workers, 4 threads each."""
    args = [str(BIN / "gunicorn"), "--workers", "2", "--threads", "4"]
    args += ["--bind", f"127.0.0.1:{port}", app]
    process = subprocess.Popen(args, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", process)
        yield process
    finally:
        _stop(process)


@contextmanager
def job_runner(env: dict[str, str], name: str) -> Iterator[subprocess.Popen[bytes]]:
    args = runner.command(
        env["REDIS_URL"], "--name", name, "--logging_level", "WARNING"
    )
    process = subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield process
    finally:
        _stop(process)


@contextmanager
def fake_twilio(record: Path, latency: float = 0.0) -> Iterator[str]:
    port = free_port()
    args = [sys.executable, "-m", "tests.support.fake_twilio", "--port", str(port)]
    args += ["--record", str(record), "--auth-token", AUTH_TOKEN]
    args += ["--latency", str(latency)]
    process = subprocess.Popen(
        args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/", process)
        yield url
    finally:
        _stop(process)


def wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in time")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def cpu_seconds(pid: int) -> float:
    """CPU time used by ``pid`` and its live children (RQ's forked scheduler)."""
    total = 0.0
    for each in [pid, *children(pid)]:
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split()[1:9]]
    idle = ticks[3] + ticks[4]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hz, sum(ticks) / hz


def machine() -> str:
    """The figures only mean something next to the machine they came from."""
    memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    with create_engine(POSTGRES).connect() as conn:
        pg = conn.execute(text("SHOW server_version")).scalar()
    return (
        f"{os.cpu_count()} CPUs, {int(memory) // 1024} MiB RAM, "
        f"Python {platform.python_version()}, PostgreSQL {pg}, {platform.platform()}"
    )


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
