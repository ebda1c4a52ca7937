"""The outbox: every outbound SMS is a row before it is a send.

Safety messages (alerts, all-clears) are sent at least once: a send that
failed in a way that may pass, or whose runner died mid-send, is tried
again, and a duplicate is the accepted price. Everything else is sent at
most once: a failure is recorded and repeated only when Twilio certainly
did not take the message.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from gateway import clock, metrics, runtime
from gateway.models import Alert, Outbox
from gateway.phones import mask
from gateway.sms import SendError, SendResult

log = logging.getLogger(__name__)

SAFETY_KINDS = frozenset({"alert", "all_clear"})
# A claimed send not finished after this long is taken to have died.
STALE_AFTER = timedelta(seconds=60)
MAX_BACKOFF = timedelta(minutes=5)
# About half an hour of retries; then the page counts as failed, which pages
# the next level.
MAX_ATTEMPTS = 10
# Anything else goes again only when Twilio certainly did not take it (a
# 429, no connection), and not for long: a late reminder helps nobody.
OTHER_ATTEMPTS = 3
# Marks an error after which Twilio may still have taken the message.
MAYBE_SENT = "maybe sent"

# Delivery states only move forward; a late "sent" never hides "delivered".
RANK = {
    "pending": 0,
    "sending": 1,
    "stored": 2,
    "accepted": 2,
    "scheduled": 2,
    "queued": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "cancelled": 4,
    "replied": 4,
}


def queue(
    session: Session,
    *,
    to: str,
    body: str,
    kind: str,
    org_id: int | None,
    journey_id: int | None = None,
    alert_id: int | None = None,
    contact_id: int | None = None,
    worker_id: int | None = None,
    due_at: datetime | None = None,
) -> Outbox:
    """Add a pending message and send it once the transaction commits.

    ``due_at`` is when the escalation step it serves was due (for lateness).
    """
    now = clock.now()
    row = Outbox(
        org_id=org_id,
        to_phone=to,
        body=body,
        kind=kind,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        journey_id=journey_id,
        alert_id=alert_id,
        contact_id=contact_id,
        worker_id=worker_id,
        created_at=now,
        updated_at=now,
        due_at=due_at,
    )
    session.add(row)
    session.flush()
    message_id = row.id
    runtime.after_commit(session, lambda: runtime.get().send_soon(message_id, kind, 0))
    return row


def record_reply(
    session: Session, *, to: str, body: str, org_id: int | None, worker_id: int | None
) -> None:
    """Log a reply that goes back inside the webhook's TwiML, not via the API."""
    now = clock.now()
    session.add(
        Outbox(
            org_id=org_id,
            to_phone=to,
            body=body,
            kind="reply",
            status="replied",
            attempts=1,
            worker_id=worker_id,
            created_at=now,
            updated_at=now,
        )
    )


def deliver(rt: "runtime.Runtime", message_id: int) -> None:
    """Send one pending message; safe to call twice, only one call sends.

    An alert page also carries the other pages waiting for the same phone
    (escalation.coalesce), so several overdue workers cost one SMS.
    """
    claimed = _claim(rt, message_id)
    if claimed is None:
        return
    message, text = claimed
    callback = f"{rt.settings.public_url}/sms/status"
    try:
        result = rt.sender.send(message.to_phone, text, callback)
    except SendError as exc:
        _record_failure(rt, message, exc)
        return
    _record_sent(rt, message, result, text)


def _claim(rt: "runtime.Runtime", message_id: int) -> tuple[Outbox, str] | None:
    now = clock.now()
    with rt.db.session() as session:
        message = session.scalars(
            update(Outbox)
            .where(Outbox.id == message_id, Outbox.status == "pending")
            .where(Outbox.next_attempt_at <= now)
            .values(
                status="sending",
                attempts=Outbox.attempts + 1,
                next_attempt_at=now + STALE_AFTER,
                updated_at=now,
            )
            .returning(Outbox)
        ).one_or_none()
        if message is None:
            return None
        if message.kind != "alert":
            return message, message.body
        if not _alert_open(session, message.alert_id):
            # Taken or stood down before this page left: it must not go out.
            message.status = "cancelled"
            message.next_attempt_at = None
            metrics.count_on_commit(session, metrics.OUTBOUND, "alert", "cancelled")
            return None
        from gateway.escalation import coalesce

        return message, coalesce.gather(session, message, now, now + STALE_AFTER)


def _alert_open(session: Session, alert_id: int | None) -> bool:
    alert = session.get(Alert, alert_id) if alert_id else None
    return alert is None or alert.state == "open"


def carried(session: Session, message_id: int) -> list[Outbox]:
    """The row and every row merged into its SMS, locked."""
    return list(
        session.scalars(
            select(Outbox)
            .where(or_(Outbox.id == message_id, Outbox.merged_into == message_id))
            .order_by(Outbox.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def advance(row: Outbox, status: str, now: datetime) -> bool:
    """Move ``row`` to ``status`` unless that would go backwards."""
    if status not in RANK or RANK[status] <= RANK.get(row.status, 0):
        return False
    row.status = status
    row.updated_at = now
    return True


def _record_sent(
    rt: "runtime.Runtime", message: Outbox, result: SendResult, text: str
) -> None:
    now = clock.now()
    with rt.db.session() as session:
        for row in carried(session, message.id):
            if row.id == message.id:
                row.provider_sid = row.provider_sid or result.sid
                row.body = text
            # A status callback may have overtaken this response.
            if row.status == "sending":
                row.status = result.status
            row.next_attempt_at = None
            row.updated_at = now
    metrics.OUTBOUND.labels(message.kind, result.status).inc()
    metrics.observe_lateness(message.kind, message.due_at)
    log.info("outbox %s: %s to %s", message.id, result.status, mask(message.to_phone))


def _record_failure(rt: "runtime.Runtime", message: Outbox, exc: SendError) -> None:
    now = clock.now()
    with rt.db.session() as session:
        rows = carried(session, message.id)
        primary = next(row for row in rows if row.id == message.id)
        if primary.provider_sid is not None:
            # A status callback already named this message: Twilio has it.
            log.info("outbox %s: sent, though the response was lost", message.id)
            _finish_adopted(rows, now)
            return
        safety = message.kind in SAFETY_KINDS
        retry = (
            exc.retryable
            and (safety or exc.unsent)
            and primary.attempts < (MAX_ATTEMPTS if safety else OTHER_ATTEMPTS)
        )
        for row in rows:
            _note_error(row, exc, now)
            if retry:
                _retry_later(session, row, primary.attempts, now)
            else:
                _give_up(session, row)
    metrics.OUTBOUND.labels(message.kind, "retrying" if retry else "failed").inc()
    level = log.warning if retry else log.error
    level("outbox %s: send to %s failed: %s", message.id, mask(message.to_phone), exc)


def _finish_adopted(rows: list[Outbox], now: datetime) -> None:
    for row in rows:
        if row.status == "sending":
            row.status = "queued"
        row.next_attempt_at = None
        row.updated_at = now


def _note_error(row: Outbox, exc: SendError, now: datetime) -> None:
    row.error_code = exc.code
    reason = str(exc)
    row.error_message = f"{MAYBE_SENT}: {reason}" if exc.maybe_sent else reason
    row.updated_at = now


def _retry_later(session: Session, row: Outbox, attempts: int, now: datetime) -> None:
    row.status = "pending"
    row.merged_into = None
    row.next_attempt_at = now + backoff(attempts)
    when, row_id, kind, attempt = row.next_attempt_at, row.id, row.kind, row.attempts
    runtime.after_commit(session, lambda: _schedule_send(row_id, kind, attempt, when))


def _give_up(session: Session, row: Outbox) -> None:
    from gateway import delivery

    row.status = "failed"
    row.next_attempt_at = None
    delivery.on_failure(session, row, row.error_code)


def backoff(attempts: int) -> timedelta:
    """Wait before retry number ``attempts``: 5 s, 15 s, 45 s ... at most 5 min."""
    return min(timedelta(seconds=5 * 3 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _schedule_send(message_id: int, kind: str, attempt: int, at: datetime) -> None:
    from gateway import jobs

    job_id = f"send-{message_id}-{attempt}"
    urgent = kind in SAFETY_KINDS
    runtime.get().schedule(
        jobs.send_message, at, job_id, message_id, kind, at_front=urgent
    )
