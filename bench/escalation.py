"""Escalation timeliness: 10,000 journeys due within one minute.

Journeys are created through the domain (``steps.plan_journey``, which also
schedules their RQ wake-ups), two real job runners (``rq worker`` with the
gateway's JobRunner, scheduler and sweeper) work against PostgreSQL and a
Redis we start, and every SMS is handed to the fake Twilio server, which
records when each arrived. Lateness of the first alert runs from due + grace
to that moment. The second scenario flushes Redis in the middle of the alert
minute: whatever jobs were lost, the sweeper must catch.

Several alerts to the one contact that are waiting at the same moment go as
one digest ("ALERTS 12, 13: ..."); each alert it names counts as sent then.

Prints its figures; not a pass/fail test. BENCH_JOURNEYS changes the count,
BENCH_RUNNERS the job runners, BENCH_TWILIO_LATENCY the seconds the fake
Twilio takes to answer each create (the real API takes 0.1 to 0.3 s);
BENCH_NO_FLUSH=1 skips the second scenario.
"""

import json
import os
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from redis import Redis
from sqlalchemy import func, select

from bench import common
from gateway import runtime
from gateway.dev.embedded_redis import free_port
from gateway.models import Alert, Binding, Journey, StepClaim, Worker

JOURNEYS = int(os.environ.get("BENCH_JOURNEYS", "10000"))
RUNNERS = int(os.environ.get("BENCH_RUNNERS", "2"))
LATENCY = float(os.environ.get("BENCH_TWILIO_LATENCY", "0"))
GRACE = 60
SPREAD = 60.0
SWEEP_INTERVAL = 15
GIVE_UP = 300


def wait_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


def records(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def alert_refs(body: str) -> list[int]:
    """The alerts one SMS pages: "ALERT 12: ..." or the digest "ALERTS 12, 13: ..."."""
    for head in ("ALERT ", "ALERTS "):
        if body.startswith(head):
            return [int(ref) for ref in body[len(head) : body.index(":")].split(", ")]
    return []


def alerts_recorded(path: Path) -> int:
    return len({ref for line in records(path) for ref in alert_refs(line["body"])})


def analyse(rt: runtime.Runtime, record: Path) -> dict[str, object]:
    with rt.db.session() as session:
        due = dict(
            session.execute(select(Alert.id, Journey.due_at).join(Journey)).all()
        )
        phones = dict(
            session.execute(
                select(Binding.phone, Journey.due_at).join(
                    Journey, Journey.worker_id == Binding.worker_id
                )
            ).all()
        )
        claimed = Counter(
            by
            for (by,) in session.execute(
                select(StepClaim.claimed_by).where(StepClaim.step_key.like("%:alert:%"))
            )
        )
        active = session.scalar(select(func.count()).select_from(Worker))
    alerts: dict[int, list[float]] = {}
    overdue: list[float] = []
    alert_sms = 0
    for message in records(record):
        sent = datetime.fromisoformat(message["created_at"])
        refs = alert_refs(message["body"])
        alert_sms += bool(refs)
        for ref in refs:
            late = (sent - due[ref] - timedelta(seconds=GRACE)).total_seconds()
            alerts.setdefault(ref, []).append(late)
        if not refs and message["to"] in phones:
            overdue.append((sent - phones[message["to"]]).total_seconds())
    first = [min(lates) for lates in alerts.values()]
    return {
        "journeys": active,
        "alerts sent": len(alerts),
        "alert SMS (a digest names several)": alert_sms,
        "missed": JOURNEYS - len(alerts),
        "duplicated": sum(len(lates) - 1 for lates in alerts.values()),
        "alert p50 s": round(common.percentile(first, 0.5), 2),
        "alert p99 s": round(common.percentile(first, 0.99), 2),
        "alert max s": round(max(first, default=float("nan")), 2),
        "overdue notices": len(overdue),
        "overdue p99 s": round(common.percentile(overdue, 0.99), 2),
        "alert steps claimed by": dict(claimed),
    }


def scenario(flush: bool) -> dict[str, object]:
    port = free_port()
    with ExitStack() as stack:
        url = stack.enter_context(common.pg_schema())
        redis = stack.enter_context(common.redis_server())
        record = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "sent"
        twilio = stack.enter_context(common.fake_twilio(record, LATENCY))
        env = common.environ(
            url,
            redis.url,
            port,
            SMS_BACKEND="twilio",
            TWILIO_API_URL=twilio,
            TWILIO_FROM="+61491570999",
            SWEEP_INTERVAL=str(SWEEP_INTERVAL),
        )
        rt = common.make_runtime(env)
        common.populate(rt, JOURNEYS, grace_s=GRACE, reminder_s=0)
        runners = [
            stack.enter_context(common.job_runner(env, f"bench-{number}"))
            for number in range(RUNNERS)
        ]
        began = time.monotonic()
        # Creating and scheduling takes time; the first journey is due after it.
        first_due = datetime.now(UTC) + timedelta(seconds=30 + JOURNEYS / 100)
        common.create_journeys(rt, JOURNEYS, first_due, SPREAD)
        print(f"  created {JOURNEYS} journeys in {time.monotonic() - began:.0f} s")
        alerts_from = first_due + timedelta(seconds=GRACE)
        wait_until(first_due)
        cpu_from = sum(common.cpu_seconds(runner.pid) for runner in runners)
        busy_from, total_from = common.machine_busy()
        if flush:
            wait_until(alerts_from + timedelta(seconds=SPREAD / 2))
            Redis.from_url(redis.url).flushall()
            print("  flushed Redis in the middle of the alert minute")
        # Wait for every alert, but not for ever: what is still unsent then
        # counts as missed.
        finish = alerts_from + timedelta(seconds=SPREAD + GIVE_UP)
        while datetime.now(UTC) < finish and alerts_recorded(record) < JOURNEYS:
            time.sleep(1)
        time.sleep(3)
        cpu = sum(common.cpu_seconds(runner.pid) for runner in runners) - cpu_from
        busy, total = common.machine_busy()
        result = analyse(rt, record)
        result["job-runner CPU per journey ms"] = round(1000 * cpu / JOURNEYS, 1)
        result["machine CPU busy from first due to end"] = (
            f"{100 * (busy - busy_from) / (total - total_from):.0f}%"
        )
        rt.db.dispose()
    return result


def main() -> None:
    print(f"machine: {common.machine()}")
    print(
        f"{JOURNEYS} journeys due within {SPREAD:.0f} s, grace {GRACE} s, "
        f"{RUNNERS} job runners, sweep every {SWEEP_INTERVAL} s, "
        f"fake Twilio answers in {LATENCY} s"
    )
    for flush in (False, True)[: 1 if os.environ.get("BENCH_NO_FLUSH") else 2]:
        print("scenario:", "Redis flushed mid-run" if flush else "normal")
        for name, value in scenario(flush).items():
            print(f"  {name}: {value}")
    print("targets: p99 < 2 s, max < 5 s, none missed or duplicated;")
    print(f"  after a flush: max < {SWEEP_INTERVAL + 5} s (one sweep interval + 5 s)")


if __name__ == "__main__":
    sys.exit(main())
