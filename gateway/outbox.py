"""The outbox: every outbound SMS is a row before it is a send.

Safety messages (alerts, all-clears) are sent at least once: a send that
failed in a way that may pass, or whose runner died mid-send, is tried
again, and a duplicate is the accepted price. Everything else is sent at
most once: a failure is recorded and not repeated.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import update
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
    """Add a pending message and send it once the transaction commits."""
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
    runtime.after_commit(session, lambda: _enqueue_send(message_id, 0))
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
    """Send one pending message; safe to call twice, only one call sends."""
    message = _claim(rt, message_id)
    if message is None:
        return
    callback = f"{rt.settings.public_url}/sms/status"
    try:
        result = rt.sender.send(message.to_phone, message.body, callback)
    except SendError as exc:
        _record_failure(rt, message, exc)
        return
    _record_sent(rt, message, result)


def _claim(rt: "runtime.Runtime", message_id: int) -> Outbox | None:
    now = clock.now()
    with rt.db.session() as session:
        claimed = session.execute(
            update(Outbox)
            .where(Outbox.id == message_id, Outbox.status == "pending")
            .where(Outbox.next_attempt_at <= now)
            .values(
                status="sending",
                attempts=Outbox.attempts + 1,
                next_attempt_at=now + STALE_AFTER,
                updated_at=now,
            )
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        message = session.get(Outbox, message_id)
        assert message is not None
        if message.kind == "alert" and _alert_closed(session, message.alert_id):
            # The worker was safe before this page left: it must not go out.
            message.status = "cancelled"
            metrics.count_on_commit(session, metrics.OUTBOUND, "alert", "cancelled")
            return None
        return message


def _alert_closed(session: Session, alert_id: int | None) -> bool:
    alert = session.get(Alert, alert_id) if alert_id else None
    return alert is not None and alert.state == "closed"


def _record_sent(rt: "runtime.Runtime", message: Outbox, result: SendResult) -> None:
    with rt.db.session() as session:
        row = session.get(Outbox, message.id)
        assert row is not None
        row.provider_sid = result.sid
        row.status = result.status
        row.next_attempt_at = None
        row.updated_at = clock.now()
    log.info("outbox %s: %s to %s", message.id, result.status, mask(message.to_phone))
    metrics.OUTBOUND.labels(message.kind, result.status).inc()
    metrics.observe_lateness(message.kind, message.due_at)


def _record_failure(rt: "runtime.Runtime", message: Outbox, exc: SendError) -> None:
    now = clock.now()
    retry = exc.retryable and message.kind in SAFETY_KINDS
    with rt.db.session() as session:
        row = session.get(Outbox, message.id)
        assert row is not None
        row.error_code = exc.code
        row.error_message = str(exc)
        row.updated_at = now
        if retry:
            row.status = "pending"
            row.next_attempt_at = now + backoff(row.attempts)
            when = row.next_attempt_at
            attempt = row.attempts
            runtime.after_commit(
                session, lambda: _schedule_send(message.id, attempt, when)
            )
        else:
            from gateway import delivery

            row.status = "failed"
            row.next_attempt_at = None
            delivery.on_failure(session, row, exc.code)
    metrics.OUTBOUND.labels(message.kind, "retrying" if retry else "failed").inc()
    level = log.warning if retry else log.error
    level("outbox %s: send to %s failed: %s", message.id, mask(message.to_phone), exc)


def backoff(attempts: int) -> timedelta:
    """Wait before retry number ``attempts``: 5 s, 15 s, 45 s ... at most 5 min."""
    return min(timedelta(seconds=5 * 3 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _enqueue_send(message_id: int, attempt: int) -> None:
    from gateway import jobs

    runtime.get().enqueue(jobs.send_message, f"send-{message_id}-{attempt}", message_id)


def _schedule_send(message_id: int, attempt: int, at: datetime) -> None:
    from gateway import jobs

    job_id = f"send-{message_id}-{attempt}"
    runtime.get().schedule(jobs.send_message, at, job_id, message_id)
