"""Arrangements for escalation tests that run in real time: journeys already
due, inserted directly, and counts of what each phone was sent."""

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from gateway import clock, directory, runtime
from gateway.escalation import steps
from gateway.models import Journey, Organisation, Outbox, StepClaim
from gateway.verification.flow import bind


def add_worker(rt: runtime.Runtime, org_id: int, n: int) -> int:
    with rt.db.session() as session:
        org = session.get(Organisation, org_id)
        assert org is not None
        phone = f"+61491570{200 + n:03d}"
        worker = directory.add_worker(
            session, org, first=f"Worker{n}", last="Test", phone=phone
        )
        bind(session, worker, phone, worker.created_at, actor="test")
        return worker.id


def due_journey(
    rt: runtime.Runtime, org_id: int, worker_id: int, due_in: timedelta
) -> int:
    """A journey started two hours ago, due ``due_in`` from now, with its wake-up."""
    now = clock.now()
    with rt.db.session() as session:
        journey = Journey(
            org_id=org_id,
            worker_id=worker_id,
            state="active",
            note="Newman",
            started_at=now - timedelta(hours=2),
            due_at=now + due_in,
            version=0,
        )
        session.add(journey)
        session.flush()
        steps.plan_journey(session, journey, now)
        if journey.next_action_at is None:
            # Every step is past already: the sweeper must find it due now.
            journey.next_action_at = now
        return journey.id


def pages(rt: runtime.Runtime) -> Counter[tuple[int | None, str]]:
    """Alert pages per (alert, phone), not counting cancelled ones."""
    with rt.db.session() as session:
        rows = session.execute(
            select(Outbox.alert_id, Outbox.to_phone).where(
                Outbox.kind == "alert", Outbox.status != "cancelled"
            )
        ).all()
    return Counter((alert_id, phone) for alert_id, phone in rows)


def claims(rt: runtime.Runtime) -> list[str]:
    with rt.db.session() as session:
        return list(session.scalars(select(StepClaim.step_key)))
