"""Delivery reports from Twilio's status callbacks, applied to outbox rows."""

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import clock, metrics, outbox, runtime
from gateway.escalation import steps
from gateway.models import Alert, Contact, Outbox
from gateway.phones import mask

log = logging.getLogger(__name__)

FAILED = frozenset({"failed", "undelivered"})
# Twilio's code for a recipient who texted STOP to our number.
OPTED_OUT = 21610


def record_status(rt: runtime.Runtime, sid: str, status: str, code: int | None) -> None:
    """Move the message's status forward; a failed alert pages the next level now."""
    now = clock.now()
    with rt.db.session() as session:
        row = session.scalars(
            select(Outbox).where(Outbox.provider_sid == sid).with_for_update()
        ).first()
        if row is None or status not in outbox.RANK:
            return
        if outbox.RANK[status] <= outbox.RANK.get(row.status, 0):
            return
        row.status = status
        row.updated_at = now
        metrics.count_on_commit(session, metrics.OUTBOUND, row.kind, status)
        if status in FAILED:
            row.error_code = code
            log.warning(
                "outbox %s: %s to %s (%s)", row.id, status, mask(row.to_phone), code
            )
            on_failure(session, row, code)


def on_failure(session: Session, row: Outbox, code: int | None) -> None:
    """Note the failure on the contact; a failed alert page moves to the next level."""
    if row.contact_id is not None:
        contact = session.get(Contact, row.contact_id)
        if contact is not None:
            contact.last_error = f"{row.kind} not delivered ({code or 'no code'})"
    if row.kind != "alert" or row.alert_id is None:
        return
    alert = session.get(Alert, row.alert_id)
    if alert is None or alert.state != "open":
        return
    # This page reached nobody: page the next level now, not after the delay.
    alert.next_action_at = clock.now()
    alert.version += 1
    steps.run_alert(session, alert.id, alert.version, by="delivery-failure")
