"""A demo organisation so a newcomer can play worker and supervisor at once.

The numbers are in Australia's range reserved for fiction (0491 570 xxx):
they never reach a real phone.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import directory
from gateway.models import Organisation, Worker
from gateway.verification import codes

ORG = "Demo Station"
WORKER_PHONE = "+61491570006"
CONTACTS = [("Sam Supervisor", "+61491570156", 1), ("Alex Manager", "+61491570157", 2)]
# Short timings so the whole escalation plays out in a few minutes.
POLICY = {
    "reminder_s": 60,
    "reminder_min_journey_s": 120,
    "grace_s": 60,
    "level_delay_s": 120,
    "min_journey_s": 60,
    "repeat_s": 240,
}


def seed(session: Session, secret_key: str) -> str | None:
    """Create the demo if the database is empty; returns the worker's code."""
    if session.scalar(select(Organisation.id).limit(1)) is not None:
        return None
    org = directory.create_org(session, ORG, "Australia/Perth", "AU")
    policy = directory.policy_for(session, org.id)
    for column, value in POLICY.items():
        setattr(policy, column, value)
    worker = directory.add_worker(
        session, org, first="Jane", last="Nguyễn", phone=WORKER_PHONE, actor="demo"
    )
    for name, phone, level in CONTACTS:
        directory.add_contact(
            session, org, name=name, phone=phone, level=level, actor="demo"
        )
    return codes.issue(session, worker, secret_key, actor="demo")


def demo_workers(session: Session) -> list[Worker]:
    return list(session.scalars(select(Worker).order_by(Worker.id)))
