"""Shared arrangements: an organisation with a bound worker and contacts."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from rq import Queue
from rq.worker import SimpleWorker

from gateway import directory, runtime
from gateway.models import Worker
from gateway.verification import codes
from gateway.verification.flow import bind

WORKER_PHONE = "+61491570006"
SAM = "+61491570156"
ALEX = "+61491570157"
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Perth


@dataclass
class Org:
    org_id: int
    worker_id: int
    code: str


def make_org(
    rt: runtime.Runtime,
    *,
    bound: bool = True,
    contacts: tuple[tuple[str, str, int], ...] = (
        ("Sam Supervisor", SAM, 1),
        ("Alex Manager", ALEX, 2),
    ),
    **policy: int,
) -> Org:
    with rt.db.session() as session:
        org = directory.create_org(session, "Pilbara Survey", "Australia/Perth", "AU")
        for column, value in policy.items():
            setattr(directory.policy_for(session, org.id), column, value)
        worker = directory.add_worker(
            session, org, first="Jane", last="Nguyễn", phone=WORKER_PHONE
        )
        for name, number, level in contacts:
            directory.add_contact(session, org, name=name, phone=number, level=level)
        code = codes.issue(session, worker, rt.settings.secret_key, actor="test")
        if bound:
            bind(session, worker, WORKER_PHONE, worker.created_at, actor="test")
        return Org(org_id=org.id, worker_id=worker.id, code=code)


def run_jobs(rt: runtime.Runtime) -> None:
    """Run every due job in this process, scheduler included (RQ's burst mode)."""
    assert rt.redis is not None
    queue = Queue(runtime.QUEUE, connection=rt.redis)
    SimpleWorker([queue], connection=rt.redis).work(burst=True, with_scheduler=True)


def silent_until_alerted(rt: runtime.Runtime, worker: Any, clock: Any) -> None:
    """``worker`` starts a one-hour journey and says nothing for 76 minutes,
    past the due time and the 15-minute grace; the due jobs then run, so the
    overdue alert has gone to level 1."""
    worker.text("START 1h")
    clock.tick(timedelta(minutes=76))
    run_jobs(rt)


def worker_of(rt: runtime.Runtime, worker_id: int) -> Worker:
    with rt.db.session() as session:
        worker = session.get(Worker, worker_id)
        assert worker is not None
        return worker
