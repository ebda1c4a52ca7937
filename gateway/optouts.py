"""Carrier opt-outs: STOP from any number, and the words that undo it.

Twilio blocks every later text to a number that sent an opt-out word, and
still forwards the word to us. Nothing else changes: a journey keeps
running and still escalates, because silence, not texting, is the trigger.
"""

import logging
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway import audit, db
from gateway.models import Binding, Contact, OptOut
from gateway.phones import mask

log = logging.getLogger(__name__)


def record(session: Session, phone: str, now: datetime) -> None:
    """Mark the number opted out and tell each organisation that knows it."""
    # RETURNING says whether this text added the row; rowcount is not
    # reliable for ON CONFLICT DO NOTHING across drivers.
    added = session.execute(
        db.insert(session, OptOut)
        .values(phone=phone, opted_out_at=now)
        .on_conflict_do_nothing()
        .returning(OptOut.phone)
    ).first()
    if added is None:
        return
    _announce(session, phone, "opted_out")


def reopen(session: Session, phone: str) -> bool:
    """Undo an opt-out (START, YES, UNSTOP); True if the number was opted out."""
    removed = session.execute(delete(OptOut).where(OptOut.phone == phone))
    if not removed.rowcount:  # type: ignore[attr-defined]
        return False
    _announce(session, phone, "opted_in")
    return True


def _announce(session: Session, phone: str, what: str) -> None:
    actor = f"sms:{mask(phone)}"
    bindings = session.scalars(select(Binding).where(Binding.phone == phone)).all()
    contacts = session.scalars(select(Contact).where(Contact.phone == phone)).all()
    for binding in bindings:
        subject = ("worker", binding.worker_id)
        audit.record(
            session,
            f"worker.{what}",
            actor=actor,
            org_id=binding.org_id,
            subject=subject,
        )
        log.warning("worker %s: %s from %s", binding.worker_id, what, mask(phone))
    for contact in contacts:
        # The administrators' warning: the audit row is what their page shows.
        subject = ("contact", contact.id)
        audit.record(
            session,
            f"contact.{what}",
            actor=actor,
            org_id=contact.org_id,
            subject=subject,
        )
        log.warning(
            "contact %s: %s from %s; organisation %s administrators warned",
            contact.id,
            what,
            mask(phone),
            contact.org_id,
        )
    if not bindings and not contacts:
        audit.record(session, f"sms.{what}", actor=actor, org_id=None)
        log.info("inbound: %s %s", mask(phone), what)
