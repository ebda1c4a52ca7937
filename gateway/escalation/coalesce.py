"""Several workers paged to one phone at the same moment go as one SMS.

When a sender claims an alert page, it also claims the other pages to the
same phone that are due now, and sends one text naming every worker that
fits in two segments. Nothing waits for company: a page goes as soon as it
is due, merged only with pages that are already waiting. Each row keeps its
own alert and contact, so ACK by reference, the all-clear and a failed
delivery still work per alert; the merged rows point at the row whose SMS
carried them and follow its status.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import directory
from gateway.escalation import messages
from gateway.models import Alert, Organisation, Outbox, Worker


def gather(session: Session, primary: Outbox, now: datetime, stale: datetime) -> str:
    """Claim pages waiting for ``primary``'s phone; returns the text to send.

    The caller has claimed ``primary``; the rows merged here are claimed in
    the same transaction, marked ``sending`` and pointed at it.
    """
    waiting = _waiting(session, primary, now)
    first = _line(session, primary) if waiting else None
    if first is None:
        return primary.body
    lines, alerts, merged = [first], {primary.alert_id}, []
    for row in waiting:
        if not _alert_open(session, row.alert_id):
            row.status = "cancelled"
            row.next_attempt_at = None
            row.updated_at = now
            continue
        # A second page of an alert already in this text rides along free.
        line = None if row.alert_id in alerts else _line(session, row)
        if line is not None and not messages.digest_fits([*lines, line]):
            continue
        if line is not None:
            lines.append(line)
            alerts.add(row.alert_id)
        merged.append(row)
    for row in merged:
        row.status = "sending"
        row.merged_into = primary.id
        row.attempts += 1
        row.next_attempt_at = stale
        row.updated_at = now
    return messages.digest(lines) if len(lines) > 1 else primary.body


def _waiting(session: Session, primary: Outbox, now: datetime) -> list[Outbox]:
    return list(
        session.scalars(
            select(Outbox)
            .where(
                Outbox.to_phone == primary.to_phone,
                Outbox.org_id == primary.org_id,
                Outbox.kind == "alert",
                Outbox.status == "pending",
                Outbox.next_attempt_at <= now,
                Outbox.id != primary.id,
            )
            .order_by(Outbox.id)
            .limit(20)
            .with_for_update(skip_locked=True)
        )
    )


def _alert_open(session: Session, alert_id: int | None) -> bool:
    alert = session.get(Alert, alert_id) if alert_id else None
    return alert is not None and alert.state == "open"


def _line(session: Session, row: Outbox) -> str | None:
    alert = session.get(Alert, row.alert_id) if row.alert_id else None
    if alert is None:
        return None
    worker = session.get(Worker, alert.worker_id)
    org = session.get(Organisation, alert.org_id)
    assert worker is not None and org is not None
    return messages.digest_line(
        ref=alert.id,
        kind=alert.kind,
        name=worker.full_name,
        phone=directory.bound_phone(session, worker.id),
        since=alert.opened_at,
        tz=directory.worker_zone(worker, org),
    )
