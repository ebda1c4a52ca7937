"""An administrator changes a worker's number: the new one confirms by last name."""

import logging

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway import audit, clock, outbox
from gateway.directory import DirectoryError
from gateway.models import Binding, Organisation, SecurityCode, Worker
from gateway.phones import mask, parse_phone
from gateway.verification import codes, replies

log = logging.getLogger(__name__)


def change_phone(
    session: Session, worker: Worker, new_raw_phone: str, actor: str
) -> Binding | None:
    """Give ``worker`` a new number; returns the binding, None if never bound.

    A bound worker's binding is suspended until the new number replies with
    the last name, and the old number is refused from now on. Raises
    InvalidPhone for a bad number, DirectoryError if another worker has it.
    """
    org = session.get(Organisation, worker.org_id)
    assert org is not None
    phone = parse_phone(new_raw_phone, org.region)
    _refuse_if_taken(session, worker, phone)
    binding = session.scalar(select(Binding).where(Binding.worker_id == worker.id))
    old = binding.phone if binding is not None else worker.phone
    if old == phone and (binding is None or binding.state == "bound"):
        return binding
    worker.phone = phone
    # A code not yet used may only be used from the number now on file, and a
    # claim made from any other number lapses.
    session.execute(
        update(SecurityCode)
        .where(SecurityCode.worker_id == worker.id)
        .where(SecurityCode.state.in_(codes.LIVE_STATES))
        .values(phone=phone, state="pending", claimed_by=None)
    )
    subject = ("worker", worker.id)
    detail = {"old_phone": mask(old), "new_phone": mask(phone)}
    if binding is None:
        audit.record(
            session,
            "worker.phone_changed",
            actor=actor,
            org_id=org.id,
            subject=subject,
            **detail,
        )
        return None
    binding.phone, binding.state, binding.failures = phone, "confirming", 0
    binding.updated_at = clock.now()
    audit.record(
        session,
        "binding.confirming",
        actor=actor,
        org_id=org.id,
        subject=subject,
        **detail,
    )
    outbox.queue(
        session,
        to=phone,
        body=replies.confirm_number(org.name),
        kind="binding",
        org_id=org.id,
        worker_id=worker.id,
    )
    log.info(
        "worker %s: number change to %s, awaiting last name", worker.id, mask(phone)
    )
    return binding


def _refuse_if_taken(session: Session, worker: Worker, phone: str) -> None:
    other = session.scalar(
        select(Binding).where(Binding.phone == phone, Binding.worker_id != worker.id)
    )
    if other is None:
        return
    # Taking a number from a working profile on an administrator's word alone
    # would cut that worker off; a code texted from the phone moves it instead.
    who = f"worker {other.worker_id}" if other.org_id == worker.org_id else "a worker"
    raise DirectoryError(
        f"That number is in use by {who}. Issue a new code and text it from "
        "that phone to move the number."
    )
