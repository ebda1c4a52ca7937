"""What each worker command does. One handler per verb, in one table.

Handlers change state and return the reply text; the webhook wraps it in
TwiML. They never build XML and never send the reply themselves.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from gateway import audit, directory
from gateway.escalation import closing, steps
from gateway.models import Journey
from gateway.sms_commands import replies, sos
from gateway.sms_commands.context import Context, active_journey, open_alerts
from gateway.sms_commands.parse import Command, Verb
from gateway.sms_commands.when import ClockTime, format_local, resolve

log = logging.getLogger(__name__)

Handler = Callable[[Context, Command], str]

# ARRIVED a day after the journey closed is a new conversation, not a repeat.
REPEAT_WINDOW = timedelta(hours=24)


def _last_journey(ctx: Context) -> Journey | None:
    return ctx.session.scalars(
        select(Journey)
        .where(Journey.worker_id == ctx.worker.id)
        .order_by(Journey.id.desc())
        .limit(1)
    ).first()


def check_range(ctx: Context, due: datetime, verb: str, example: str) -> str | None:
    """The reply explaining the policy's limits when due breaks them, else None."""
    if due - ctx.now < ctx.shortest:
        return replies.too_short(ctx.shortest, verb, example)
    if due - ctx.now > ctx.longest:
        latest = format_local(ctx.now + ctx.longest, ctx.tz, ctx.now)
        return replies.too_long(ctx.longest, latest, verb, example)
    return None


def start(ctx: Context, command: Command) -> str:
    current = active_journey(ctx)
    if current is not None:
        return replies.already_active(current.due_at, ctx.tz, ctx.now)
    if command.bare:
        return replies.how_to_start(ctx.example)
    if command.when is None:
        return replies.need_time(ctx.example)
    due = resolve(command.when, ctx.now, ctx.tz)
    refusal = check_range(ctx, due, "START", ctx.example)
    if refusal is not None:
        return refusal
    note = command.note[: directory.NOTE_MAX]
    journey = Journey(
        org_id=ctx.org.id,
        worker_id=ctx.worker.id,
        state="active",
        note=note,
        started_at=ctx.now,
        due_at=due,
        version=0,
    )
    ctx.session.add(journey)
    ctx.session.flush()
    steps.plan_journey(ctx.session, journey, ctx.now)
    log.info("journey %s: started, due %s", journey.id, due.isoformat())
    audit.record(
        ctx.session,
        "journey.started",
        actor=f"worker:{ctx.worker.id}",
        org_id=ctx.org.id,
        subject=("journey", journey.id),
        due_at=due.isoformat(),
    )
    return replies.started(due, ctx.tz, ctx.now, cut=note != command.note)


def _stand_down(
    ctx: Context, reason: str, why: str, sos_too: bool = True, note: str = ""
) -> int:
    """Close the worker's open alerts; returns how many people are told.

    EXTEND proves the worker is alive, which answers an overdue alert but
    not an SOS: that one waits for ARRIVED or a contact's RESOLVED.
    """
    alerts = [a for a in open_alerts(ctx) if sos_too or a.kind != "sos"]
    return sum(
        closing.close_alert(
            ctx.session, alert, reason=reason, why=why, now=ctx.now, note=note
        )
        for alert in alerts
    )


def arrived(ctx: Context, command: Command) -> str:
    journey = active_journey(ctx)
    alerted = bool(open_alerts(ctx))
    told = _stand_down(ctx, "arrived", "replied ARRIVED", note=command.note)
    if journey is not None:
        _close(ctx, journey, "worker")
        return replies.arrived(ctx.now, ctx.tz, told)
    if alerted:
        return replies.stood_down(told)

    last = _last_journey(ctx)
    if last is not None and last.closed_at and ctx.now - last.closed_at < REPEAT_WINDOW:
        return replies.already_closed(last.closed_at, ctx.tz, ctx.now, ctx.example)
    return replies.no_journey(ctx.example)


def _close(ctx: Context, journey: Journey, by: str) -> None:
    journey.state = "closed"
    journey.closed_at = ctx.now
    journey.closed_by = by
    journey.next_action_at = None
    journey.version += 1
    log.info("journey %s: closed by %s", journey.id, by)
    audit.record(
        ctx.session,
        "journey.closed",
        actor=f"worker:{ctx.worker.id}",
        org_id=ctx.org.id,
        subject=("journey", journey.id),
    )


def _extended_due(ctx: Context, journey: Journey, command: Command) -> datetime | str:
    """EXTEND 30m adds to the deadline (or to now, once it has passed);
    EXTEND 18:00 sets it; EXTEND alone adds the policy's default."""
    extra = replies.as_input(min(replies.EXAMPLE_EXTEND, ctx.longest))
    if isinstance(command.when, ClockTime):
        due = resolve(command.when, ctx.now, ctx.tz)
        return check_range(ctx, due, "EXTEND", extra) or due

    base = max(journey.due_at, ctx.now)
    if command.when is None and any(ch.isdigit() for ch in command.note):
        # "EXTEND 99999999999999" or "EXTEND 1e9": a time was meant but not
        # one we can read; the default would quietly be the wrong deadline.
        return replies.extend_how(extra)
    if command.when is None:
        due = base + timedelta(seconds=ctx.policy.default_extend_s)
    else:
        due = base + timedelta(minutes=command.when.minutes)
    room = ctx.now + ctx.longest - base
    if due - ctx.now > ctx.longest and room < timedelta(minutes=1):
        return replies.at_longest(journey.due_at, ctx.tz, ctx.now)
    if due - ctx.now > ctx.longest:
        extra = replies.as_input(min(replies.EXAMPLE_EXTEND, room))
    if due <= base:
        return replies.too_short(ctx.shortest, "EXTEND", extra)
    return check_range(ctx, due, "EXTEND", extra) or due


def extend(ctx: Context, command: Command) -> str:
    journey = active_journey(ctx)
    if journey is None:
        return replies.no_journey(ctx.example)
    due = _extended_due(ctx, journey, command)
    if isinstance(due, str):
        return due
    why = "replied and extended the journey"
    told = _stand_down(ctx, "extended", why, sos_too=False)
    journey.due_at = due
    steps.plan_journey(ctx.session, journey, ctx.now)
    audit.record(
        ctx.session,
        "journey.extended",
        actor=f"worker:{ctx.worker.id}",
        org_id=ctx.org.id,
        subject=("journey", journey.id),
        due_at=due.isoformat(),
    )
    log.info("journey %s: extended, due %s", journey.id, due.isoformat())
    return replies.extended(due, ctx.tz, ctx.now, told)


def status(ctx: Context, command: Command) -> str:
    journey = active_journey(ctx)
    alerts = open_alerts(ctx)
    if journey is None and alerts:
        reached = len(closing.paged_phones(ctx.session, alerts[-1].id))
        return replies.alert_open(alerts[-1].id, reached)
    if journey is None:
        return replies.no_journey(ctx.example)
    return replies.status(journey.due_at, ctx.tz, ctx.now, alerted=bool(alerts))


def help_(ctx: Context, command: Command) -> str:
    return replies.help_text()


HANDLERS: dict[Verb, Handler] = {
    Verb.START: start,
    Verb.ARRIVED: arrived,
    Verb.EXTEND: extend,
    Verb.STATUS: status,
    Verb.HELP: help_,
    Verb.SOS: sos.sos,
}
