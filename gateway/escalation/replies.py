"""Contacts' replies to an alert: ACK takes it, PASS pages on, RESOLVED ends it.

A reply names an alert by its reference, or means the contact's one open
alert. A reference to a closed alert answers that it is closed and never
touches another alert.
"""

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import audit
from gateway.escalation import claims, closing, paging
from gateway.models import Alert, Contact, Journey, Outbox, Worker
from gateway.phones import mask
from gateway.sms_commands.parse import Command, Verb

log = logging.getLogger(__name__)

CONTACT_VERBS = frozenset({Verb.ACK, Verb.PASS, Verb.RESOLVED})


def handle(session: Session, phone: str, command: Command, now: datetime) -> str:
    """Apply a contact's reply from ``phone``; returns the reply text."""
    alerts = _alerts_paged_to(session, phone)
    if command.ref is not None:
        alert = next((a for a in alerts if a.id == command.ref), None)
        if alert is None:
            return f"No alert {command.ref} was sent to this number."
    else:
        live = [a for a in alerts if a.state != "closed"]
        if not live:
            return "You have no open alerts. Nothing was changed."
        if len(live) > 1:
            refs = " or ".join(str(a.id) for a in live[:3])
            return (
                f"You have {len(live)} open alerts. Reply {command.verb.name} {refs}."
            )
        alert = live[0]
    locked = claims.lock(session, Alert, alert.id)
    assert locked is not None
    if locked.state == "closed":
        return f"Alert {locked.id} is already closed. Nothing was changed."
    contact = _contact(session, phone, locked.org_id)
    audit.record(
        session,
        f"alert.{command.verb.value}",
        actor=f"contact:{contact.id}" if contact else "contact:unknown",
        org_id=locked.org_id,
        subject=("alert", locked.id),
    )
    return _ACTIONS[command.verb](session, locked, contact, phone, now)


def _alerts_paged_to(session: Session, phone: str) -> list[Alert]:
    paged = select(Outbox.alert_id).where(
        Outbox.to_phone == phone, Outbox.kind == "alert", Outbox.status != "cancelled"
    )
    return list(
        session.scalars(select(Alert).where(Alert.id.in_(paged)).order_by(Alert.id))
    )


def _contact(session: Session, phone: str, org_id: int) -> Contact | None:
    return session.scalars(
        select(Contact).where(Contact.phone == phone, Contact.org_id == org_id)
    ).first()


def _ack(
    session: Session, alert: Alert, contact: Contact | None, phone: str, now: datetime
) -> str:
    worker = session.get(Worker, alert.worker_id)
    assert worker is not None
    if alert.state == "acked":
        return _taken_reply(session, alert, contact)
    alert.acked_by = contact.id if contact else None
    taker = contact.name if contact else phone
    closing.take(session, alert, taker=taker, skip_phone=phone, now=now)
    log.info("alert %s: taken by contact %s", alert.id, _who(contact, phone))
    return (
        f"Alert {alert.id} is yours. No more levels will be paged. "
        f"Reply RESOLVED {alert.id} when {worker.first_name} is safe."
    )[:160]


def _taken_reply(session: Session, alert: Alert, contact: Contact | None) -> str:
    if contact is not None and alert.acked_by == contact.id:
        return f"Alert {alert.id} is already yours."
    taker = session.get(Contact, alert.acked_by) if alert.acked_by else None
    who = taker.name if taker else "someone"
    return f"Alert {alert.id} was already taken by {who}."


def _pass(
    session: Session, alert: Alert, contact: Contact | None, phone: str, now: datetime
) -> str:
    # Only the contact who took an alert can hand it back up the chain.
    if alert.state == "acked" and (contact is None or alert.acked_by != contact.id):
        return _taken_reply(session, alert, contact)
    alert.state = "open"
    alert.acked_by = None
    alert.acked_at = None
    log.info("alert %s: passed on by contact %s", alert.id, _who(contact, phone))
    if not paging.page_next_round(session, alert, "pass", now):
        return f"Alert {alert.id}: no further contact could be paged."
    return f"Alert {alert.id} passed on: the next level is being paged now."


def _resolve(
    session: Session, alert: Alert, contact: Contact | None, phone: str, now: datetime
) -> str:
    name = contact.name if contact else "a contact"
    told = closing.close_alert(
        session, alert, reason="resolved", why=f"was marked safe by {name}", now=now
    )
    if alert.journey_id:
        journey = session.get(Journey, alert.journey_id)
        if journey is not None and journey.state == "active":
            journey.state = "closed"
            journey.closed_at = now
            journey.closed_by = "contact"
            journey.next_action_at = None
            journey.version += 1
            log.info("journey %s: closed by a contact", journey.id)
    return f"Alert {alert.id} closed. {told} people alerted were sent the all-clear."


_ACTIONS = {Verb.ACK: _ack, Verb.PASS: _pass, Verb.RESOLVED: _resolve}


def _who(contact: Contact | None, phone: str) -> str:
    return str(contact.id) if contact is not None else mask(phone)
