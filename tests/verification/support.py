"""Arrangements and look-ups shared by the verification tests."""

from dataclasses import dataclass

from sqlalchemy import select

from gateway import directory, runtime
from gateway.models import AuditEvent, Binding, Organisation, Outbox
from gateway.verification import codes
from gateway.verification.binding import binding_state

ORG = "Pilbara Survey"
NEW_PHONE = "+61491570157"
OTHER_PHONE = "+61491570158"


@dataclass
class Pending:
    worker_id: int
    code: str


def org_id(rt: runtime.Runtime, name: str = ORG, region: str = "AU") -> int:
    with rt.db.session() as session:
        return directory.create_org(session, name, "Australia/Perth", region).id


def add_worker(
    rt: runtime.Runtime, org: int, first: str, last: str, phone: str | None = None
) -> Pending:
    with rt.db.session() as session:
        organisation = session.get(Organisation, org)
        assert organisation is not None
        worker = directory.add_worker(
            session, organisation, first=first, last=last, phone=phone
        )
        code = codes.issue(session, worker, rt.settings.secret_key, actor="test")
        return Pending(worker.id, code)


def new_code(rt: runtime.Runtime, worker_id: int) -> str:
    with rt.db.session() as session:
        worker = directory.worker_by_id(session, worker_id)
        return codes.issue(session, worker, rt.settings.secret_key, actor="test")


def state(rt: runtime.Runtime, worker_id: int) -> str:
    with rt.db.session() as session:
        return binding_state(session, worker_id)


def bound_phone(rt: runtime.Runtime, worker_id: int) -> str | None:
    with rt.db.session() as session:
        return directory.bound_phone(session, worker_id)


def bindings(rt: runtime.Runtime) -> list[tuple[int, str, str]]:
    with rt.db.session() as session:
        rows = session.scalars(select(Binding).order_by(Binding.id))
        return [(row.worker_id, row.phone, row.state) for row in rows]


def actions(rt: runtime.Runtime, worker_id: int | None = None) -> list[str]:
    with rt.db.session() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if worker_id is not None:
            query = query.where(AuditEvent.subject_id == worker_id)
        return [event.action for event in session.scalars(query)]


def audit_rows(rt: runtime.Runtime) -> list[AuditEvent]:
    with rt.db.session() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def sent(rt: runtime.Runtime, to: str) -> list[Outbox]:
    with rt.db.session() as session:
        query = select(Outbox).where(Outbox.to_phone == to, Outbox.kind != "reply")
        return list(session.scalars(query.order_by(Outbox.id)))
