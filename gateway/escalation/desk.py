"""What a supervisor does from the admin page: take an alert, resolve it, or
close a journey for a worker. The same outcomes as the contacts' SMS replies."""

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import audit
from gateway.escalation import closing
from gateway.models import Alert, Journey, User

log = logging.getLogger(__name__)


class DeskError(ValueError):
    """The action no longer applies; the message says why, for the page."""


def lock_alert(session: Session, alert_id: int) -> Alert:
    return session.scalars(
        select(Alert).where(Alert.id == alert_id).with_for_update()
    ).one()


def take(session: Session, alert: Alert, user: User, now: datetime) -> None:
    """Take the alert for ``user``: no more levels are paged and everyone it
    reached is told who took it. Raises DeskError unless the alert is open."""
    if alert.state != "open":
        raise DeskError(f"Alert {alert.id} is already {alert.state}.")
    alert.acked_by = None
    alert.acked_by_user = user.id
    closing.take(session, alert, taker=user.email, skip_phone=None, now=now)
    _record(session, "alert.acked", alert, user)
    log.info("alert %s: taken by user %s", alert.id, user.id)


def resolve(session: Session, alert: Alert, user: User, now: datetime) -> int:
    """Close the alert and its journey; everyone alerted gets the all-clear.

    Returns how many were told. Raises DeskError if it is already closed.
    """
    if alert.state == "closed":
        raise DeskError(f"Alert {alert.id} is already closed.")
    told = closing.close_alert(
        session,
        alert,
        reason="resolved",
        why=f"was marked safe by {user.email}",
        now=now,
    )
    if alert.journey_id is not None:
        journey = session.get(Journey, alert.journey_id)
        if journey is not None and journey.state == "active":
            _close_journey(journey, user, now)
    _record(session, "alert.resolved", alert, user, told=told)
    return told


def close_journey(session: Session, journey_id: int, user: User, now: datetime) -> int:
    """Close a worker's journey for them; an open alert on it is resolved too.

    Returns how many contacts were sent the all-clear.
    """
    journey = session.scalars(
        select(Journey).where(Journey.id == journey_id).with_for_update()
    ).one()
    if journey.state != "active":
        raise DeskError("This journey is already closed.")
    alert = closing.open_alert_of(session, journey.worker_id)
    told = resolve(session, alert, user, now) if alert is not None else 0
    if journey.state == "active":
        _close_journey(journey, user, now)
    audit.record(
        session,
        "journey.closed",
        actor=f"user:{user.id}",
        org_id=journey.org_id,
        subject=("journey", journey.id),
    )
    return told


def _close_journey(journey: Journey, user: User, now: datetime) -> None:
    journey.state = "closed"
    journey.closed_at = now
    journey.closed_by = f"user:{user.id}"
    journey.next_action_at = None
    journey.version += 1


def _record(
    session: Session, action: str, alert: Alert, user: User, **detail: int
) -> None:
    audit.record(
        session,
        action,
        actor=f"user:{user.id}",
        org_id=alert.org_id,
        subject=("alert", alert.id),
        **detail,
    )
