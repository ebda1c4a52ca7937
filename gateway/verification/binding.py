"""Bindings: which phone speaks for which worker, and what the admin page shows."""

import logging
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from gateway import audit, clock
from gateway.models import Binding, Organisation, SecurityCode, Worker
from gateway.phones import mask
from gateway.verification import codes, replies

log = logging.getLogger(__name__)

BINDING_STATES = {
    "bound": "bound",
    "confirming": "confirming new number",
    "locked": "locked (number not confirmed)",
}
CODE_STATES = {
    "pending": "code pending",
    "claimed": "awaiting last name",
    "burned": "locked (code burned)",
    "expired": "code expired",
}


def bind(
    session: Session, worker: Worker, phone: str, now: datetime, *, actor: str
) -> str:
    """Bind ``phone`` to ``worker``, unbinding it from any other profile.

    Revokes the worker's other live codes and returns the reply for the phone.
    """
    for old in session.scalars(
        select(Binding).where(
            or_(Binding.phone == phone, Binding.worker_id == worker.id)
        )
    ):
        _release(session, old, worker, phone, actor)
    session.flush()
    session.add(
        Binding(
            org_id=worker.org_id,
            worker_id=worker.id,
            phone=phone,
            state="bound",
            failures=0,
            updated_at=now,
        )
    )
    worker.phone = phone
    _revoke_live_codes(session, worker.id)
    subject = ("worker", worker.id)
    audit.record(
        session, "binding.bound", actor=actor, org_id=worker.org_id, subject=subject
    )
    log.info("worker %s: bound to %s", worker.id, mask(phone))
    org = session.get(Organisation, worker.org_id)
    assert org is not None
    return replies.bound(worker.first_name, org.name)


def _release(
    session: Session, old: Binding, worker: Worker, phone: str, actor: str
) -> None:
    """Delete a binding the new one replaces, saying in the audit log why."""
    subject = ("worker", old.worker_id)
    if old.worker_id == worker.id:
        if old.phone != phone:
            audit.record(
                session,
                "binding.replaced",
                actor=actor,
                org_id=old.org_id,
                subject=subject,
                old_phone=mask(old.phone),
            )
    else:
        # Another organisation learns that the phone left, not where it went.
        to = worker.id if old.org_id == worker.org_id else "another organisation"
        audit.record(
            session,
            "binding.moved",
            actor=actor,
            org_id=old.org_id,
            subject=subject,
            phone=mask(phone),
            to_worker=to,
        )
        previous = session.get(Worker, old.worker_id)
        if previous is not None and previous.phone == phone:
            previous.phone = None
        log.info("worker %s: %s moved to worker %s", old.worker_id, mask(phone), to)
    session.delete(old)


def _revoke_live_codes(session: Session, worker_id: int) -> None:
    session.execute(
        update(SecurityCode)
        .where(SecurityCode.worker_id == worker_id)
        .where(SecurityCode.state.in_(codes.LIVE_STATES))
        .values(state="revoked")
    )


def binding_state(session: Session, worker_id: int) -> str:
    """The worker's binding in words for the admin page, e.g. 'code pending'."""
    binding = session.scalar(select(Binding).where(Binding.worker_id == worker_id))
    if binding is not None:
        return BINDING_STATES[binding.state]
    code = codes.newest(session, worker_id)
    if code is None:
        return "unbound"
    if code.state in codes.LIVE_STATES and code.expires_at <= clock.now():
        return CODE_STATES["expired"]
    return CODE_STATES.get(code.state, "unbound")
