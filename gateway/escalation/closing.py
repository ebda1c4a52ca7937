"""Standing an alert down and telling everyone it reached."""

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway import outbox
from gateway.escalation import messages
from gateway.models import Alert, Outbox, Worker

log = logging.getLogger(__name__)


def open_alert_of(session: Session, worker_id: int) -> Alert | None:
    """The worker's alert that is not yet closed, locked for update."""
    return session.scalars(
        select(Alert)
        .where(Alert.worker_id == worker_id, Alert.state != "closed")
        .order_by(Alert.id)
        .with_for_update()
    ).first()


def close_alert(
    session: Session, alert: Alert, *, reason: str, why: str, now: datetime
) -> int:
    """Close the alert and queue an all-clear to everyone it paged; returns that count.

    Pages still waiting to be sent are cancelled first, in this transaction,
    so no alert leaves after the worker is known to be safe.
    """
    alert.state = "closed"
    alert.closed_at = now
    alert.close_reason = reason
    alert.next_action_at = None
    alert.version += 1
    session.execute(
        update(Outbox)
        .where(Outbox.alert_id == alert.id, Outbox.kind == "alert")
        .where(Outbox.status == "pending")
        .values(status="cancelled", updated_at=now)
    )
    reached = session.execute(
        select(Outbox.to_phone, Outbox.contact_id)
        .where(Outbox.alert_id == alert.id, Outbox.kind == "alert")
        .where(Outbox.status != "cancelled")
        .distinct()
    ).all()
    worker = session.get(Worker, alert.worker_id)
    assert worker is not None
    body = messages.all_clear(ref=alert.id, worker=worker.full_name, reason=why)
    for phone, contact_id in reached:
        outbox.queue(
            session,
            to=phone,
            body=body,
            kind="all_clear",
            org_id=alert.org_id,
            alert_id=alert.id,
            contact_id=contact_id,
            worker_id=alert.worker_id,
        )
    log.info("alert %s: closed (%s), %s told", alert.id, reason, len(reached))
    return len(reached)


def paged_phones(session: Session, alert_id: int) -> list[tuple[str, int | None]]:
    """Everyone an alert reached so far, as (phone, contact id)."""
    rows = session.execute(
        select(Outbox.to_phone, Outbox.contact_id)
        .where(Outbox.alert_id == alert_id, Outbox.kind == "alert")
        .where(Outbox.status != "cancelled")
        .distinct()
    ).all()
    return [(phone, contact_id) for phone, contact_id in rows]
