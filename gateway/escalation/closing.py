"""Standing an alert down and telling everyone it reached."""

import logging
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from gateway import outbox
from gateway.escalation import messages
from gateway.models import Alert, Outbox, Worker

log = logging.getLogger(__name__)

# Page statuses meaning the SMS was, or may have been, handed to the carrier.
HANDED_OVER = frozenset(
    {"sending", "stored", "accepted", "scheduled", "queued", "sent", "delivered"}
)


def open_alert_of(session: Session, worker_id: int) -> Alert | None:
    """The worker's alert that is not yet closed, locked for update."""
    return session.scalars(
        select(Alert)
        .where(Alert.worker_id == worker_id, Alert.state != "closed")
        .order_by(Alert.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def close_alert(
    session: Session,
    alert: Alert,
    *,
    reason: str,
    why: str,
    now: datetime,
    note: str = "",
) -> int:
    """Close the alert and queue the all-clear to all it reached; returns how many.

    Pages still waiting to be sent are cancelled in this transaction, so no
    alert leaves after the worker is known to be safe; a page that may have
    left already (in flight, or a timed-out attempt) gets the all-clear.
    """
    alert.state = "closed"
    alert.closed_at = now
    alert.close_reason = reason
    alert.next_action_at = None
    alert.version += 1
    reached = paged_phones(session, alert.id)
    cancel_waiting_pages(session, alert.id, now)
    worker = session.get(Worker, alert.worker_id)
    assert worker is not None
    body = messages.all_clear(
        ref=alert.id, worker=worker.full_name, reason=why, note=note
    )
    _tell(session, alert, reached, body, "all_clear")
    log.info("alert %s: closed (%s), %s told", alert.id, reason, len(reached))
    return len(reached)


def cancel_waiting_pages(session: Session, alert_id: int, now: datetime) -> None:
    """Pages of this alert not yet handed to the carrier will never be sent."""
    session.execute(
        update(Outbox)
        .where(Outbox.alert_id == alert_id, Outbox.kind == "alert")
        .where(Outbox.status == "pending")
        .values(status="cancelled", next_attempt_at=None, updated_at=now)
    )


def paged_phones(session: Session, alert_id: int) -> list[tuple[str, int | None]]:
    """Everyone the alert's pages reached or may have reached, once per phone.

    A page refused or reported undelivered reached nobody; a page still
    waiting has not gone yet, unless an attempt timed out after Twilio may
    have taken it.
    """
    maybe_sent = and_(
        Outbox.status == "pending", Outbox.error_message.like(outbox.MAYBE_SENT + "%")
    )
    rows = session.execute(
        select(Outbox.to_phone, func.min(Outbox.contact_id))
        .where(Outbox.alert_id == alert_id, Outbox.kind == "alert")
        .where(or_(Outbox.status.in_(HANDED_OVER), maybe_sent))
        .group_by(Outbox.to_phone)
        .order_by(func.min(Outbox.id))
    ).all()
    return [(phone, contact_id) for phone, contact_id in rows]


def paging_phones(session: Session, alert_id: int) -> list[tuple[str, int | None]]:
    """Everyone the alert is paging, sent or still waiting, once per phone."""
    rows = session.execute(
        select(Outbox.to_phone, func.min(Outbox.contact_id))
        .where(Outbox.alert_id == alert_id, Outbox.kind == "alert")
        .where(Outbox.status.not_in(("cancelled", "failed", "undelivered")))
        .group_by(Outbox.to_phone)
        .order_by(func.min(Outbox.id))
    ).all()
    return [(phone, contact_id) for phone, contact_id in rows]


def queued_count(session: Session, alert_id: int) -> int:
    """How many phones the alert's pages are going to, sent or not."""
    return len(paging_phones(session, alert_id))


def take(
    session: Session, alert: Alert, *, taker: str, skip_phone: str | None, now: datetime
) -> None:
    """Mark the alert taken: no more levels, waiting pages cancelled, and
    everyone it reached (but the taker's own phone) told who took it."""
    worker = session.get(Worker, alert.worker_id)
    assert worker is not None
    alert.state = "acked"
    alert.acked_at = now
    alert.next_action_at = None
    alert.version += 1
    # Pages not yet handed to the carrier would only add noise now.
    cancel_waiting_pages(session, alert.id, now)
    body = messages.taken(ref=alert.id, worker=worker.full_name, contact=taker)
    others = [each for each in paged_phones(session, alert.id) if each[0] != skip_phone]
    _tell(session, alert, others, body, "notice")


def _tell(
    session: Session,
    alert: Alert,
    phones: list[tuple[str, int | None]],
    body: str,
    kind: str,
) -> None:
    """Queue ``body`` about ``alert`` to each (phone, contact id)."""
    for phone, contact_id in phones:
        outbox.queue(
            session,
            to=phone,
            body=body,
            kind=kind,
            org_id=alert.org_id,
            alert_id=alert.id,
            contact_id=contact_id,
            worker_id=alert.worker_id,
        )
