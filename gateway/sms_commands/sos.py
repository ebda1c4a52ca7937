"""SOS, and the worker's own words while an alert is open.

A second SOS does not page everyone again: its text goes to the people the
open SOS already reached. Any other text during an alert ("bogged at the
creek, ok") is passed on the same way, because it is what they need most.
"""

import logging
from datetime import timedelta

from gateway import audit, directory, outbox, ratelimit
from gateway.escalation import closing, steps
from gateway.gsm7 import segments, to_gsm7
from gateway.models import Alert
from gateway.sms_commands import replies
from gateway.sms_commands.context import Context, active_journey, open_alerts
from gateway.sms_commands.parse import Command

log = logging.getLogger(__name__)

# Passed-on texts per worker per hour; an auto-responder must not flood contacts.
RELAY_LIMIT = 10
RELAY_SEGMENTS = 2


def sos(ctx: Context, command: Command) -> str:
    """Open an SOS alert paging every level, or add to the one already open."""
    note = command.note[: directory.NOTE_MAX]
    current = [alert for alert in open_alerts(ctx) if alert.kind == "sos"]
    if current:
        reached = (
            _pass_on(ctx, current[-1], note) if note else _reached(ctx, current[-1])
        )
        return replies.sos_open(current[-1].id, reached)

    journey = active_journey(ctx)
    alert = steps.open_alert(
        ctx.session, ctx.worker, journey, kind="sos", since=ctx.now, by="sos", note=note
    )
    if journey is not None:
        # The alert now owns the timeline; the journey's own steps stop.
        journey.next_action_at = None
        journey.version += 1
    audit.record(
        ctx.session,
        "alert.sos",
        actor=f"worker:{ctx.worker.id}",
        org_id=ctx.org.id,
        subject=("alert", alert.id),
    )
    return replies.sos_sent(closing.queued_count(ctx.session, alert.id))


def relay(ctx: Context, text: str) -> str | None:
    """Pass a text on to everyone the worker's open alert reached.

    Returns the reply, "" for silence once over the hourly limit, or None
    when the worker has no open alert.
    """
    alerts = open_alerts(ctx)
    if not alerts:
        return None
    if not ratelimit.allow(
        ctx.session, "relay", ctx.phone, ctx.now, RELAY_LIMIT, timedelta(hours=1)
    ):
        return ""
    return replies.relayed(_pass_on(ctx, alerts[-1], text))


def _reached(ctx: Context, alert: Alert) -> int:
    return closing.queued_count(ctx.session, alert.id)


def _pass_on(ctx: Context, alert: Alert, text: str) -> int:
    word = "SOS" if alert.kind == "sos" else "ALERT"
    head = to_gsm7(f"{word} {alert.id}: {ctx.worker.full_name} says: ")
    body = head + to_gsm7(" ".join(text.split()))[:320]
    while segments(body) > RELAY_SEGMENTS:
        body = body[:-4].rstrip() + "..."
    paged = closing.paging_phones(ctx.session, alert.id)
    for phone, contact_id in paged:
        outbox.queue(
            ctx.session,
            to=phone,
            body=body,
            kind="notice",
            org_id=ctx.org.id,
            alert_id=alert.id,
            contact_id=contact_id,
            worker_id=ctx.worker.id,
        )
    log.info("alert %s: worker text passed on to %s", alert.id, len(paged))
    return len(paged)
