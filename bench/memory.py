"""Memory: Redis bytes per scheduled journey, and the resident size of the web
and the job runner with 100,000 active journeys.

The first 10,000 journeys are started through the domain (``plan_journey``
schedules each one's RQ wake-up) and Redis's ``used_memory`` is read before
and after. The rest are inserted in bulk and given the same wake-ups, then
gunicorn and a job runner start, serve webhooks and scrapes and sweep once,
and their RSS is read from /proc. Prints its figures; not a pass/fail test.
"""

import http.client
import os
import sys
import time
from datetime import UTC, datetime, timedelta

from redis import Redis
from sqlalchemy import insert

from bench import common
from bench.webhook import post, signed
from gateway import jobs, runtime
from gateway.dev.embedded_redis import free_port
from gateway.models import Journey

MEASURED = 10_000
ACTIVE = int(os.environ.get("BENCH_ACTIVE", "100000"))
HOURS_AHEAD = 12


def used_memory(url: str) -> int:
    client = Redis.from_url(url)
    try:
        return int(client.info("memory")["used_memory"])
    finally:
        client.close()


def bulk_journeys(rt: runtime.Runtime, first: int, last: int) -> None:
    """Journeys for workers first..last-1, due hours ahead, woken like START's."""
    now = datetime.now(UTC)
    due = now + timedelta(hours=HOURS_AHEAD)
    for start in range(first, last, 5000):
        rows = [
            {
                "org_id": 1,
                "worker_id": index + 1,
                "state": "active",
                "note": f"bench route {index}",
                "started_at": now,
                "due_at": due,
                "next_action_at": due - timedelta(minutes=10),
                "version": 1,
            }
            for index in range(start, min(start + 5000, last))
        ]
        with rt.db.session() as session:
            ids = session.scalars(insert(Journey).returning(Journey.id), rows).all()
        for journey_id in ids:
            at = due - timedelta(minutes=10)
            rt.schedule(jobs.wake_journey, at, f"journey-{journey_id}-1", journey_id, 1)


def rss_of_tree(pid: int) -> list[int]:
    return [common.rss_kib(pid)] + [common.rss_kib(c) for c in common.children(pid)]


def main() -> None:
    print(f"machine: {common.machine()}")
    port = free_port()
    with common.pg_schema() as url, common.redis_server() as redis:
        env = common.environ(url, redis.url, port, SWEEP_INTERVAL="5")
        rt = common.make_runtime(env)
        common.populate(rt, ACTIVE)
        before = used_memory(redis.url)
        first_due = datetime.now(UTC) + timedelta(hours=HOURS_AHEAD)
        common.create_journeys(rt, MEASURED, first_due, 3600)
        per_journey = (used_memory(redis.url) - before) / MEASURED
        bulk_journeys(rt, MEASURED, ACTIVE)
        at_active = used_memory(redis.url)
        public = f"http://127.0.0.1:{port}"
        with (
            common.gunicorn(env, port) as web,
            common.job_runner(env, "bench-memory") as runner,
        ):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for index in range(200):
                post(conn, *signed(public, "STATUS", index * 97 % ACTIVE))
            for _ in range(5):
                conn.request("GET", "/metrics")
                conn.getresponse().read()
            time.sleep(12)  # two sweeper passes over 100,000 active journeys
            web_rss = rss_of_tree(web.pid)
            runner_rss = rss_of_tree(runner.pid)
        rt.db.dispose()

    print(f"Redis bytes per scheduled journey: {per_journey:.0f}")
    print(
        f"Redis used_memory at {ACTIVE} scheduled journeys: {at_active / 2**20:.1f} MiB"
    )
    print(
        f"web RSS at {ACTIVE} active journeys: master {web_rss[0] / 1024:.0f} MiB, "
        f"workers {', '.join(f'{kib / 1024:.0f}' for kib in web_rss[1:])} MiB"
    )
    print(
        f"job runner RSS: {runner_rss[0] / 1024:.0f} MiB "
        f"(scheduler child {', '.join(f'{k / 1024:.0f}' for k in runner_rss[1:])} MiB)"
    )


if __name__ == "__main__":
    sys.exit(main())
