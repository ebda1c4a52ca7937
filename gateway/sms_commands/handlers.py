"""What each worker command does. One handler per verb, in one table.

Handlers change state and return the reply text; the webhook wraps it in
TwiML. They never build XML and never send the reply themselves.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import audit
from gateway.escalation import closing, steps
from gateway.models import Journey, Organisation, Policy, Worker
from gateway.sms_commands import replies
from gateway.sms_commands.parse import Command, Verb
from gateway.sms_commands.when import Duration, format_span, resolve

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    session: Session
    worker: Worker
    org: Organisation
    policy: Policy
    tz: ZoneInfo
    phone: str
    now: datetime


Handler = Callable[[Context, Command], str]


def active_journey(ctx: Context) -> Journey | None:
    return ctx.session.scalars(
        select(Journey)
        .where(Journey.worker_id == ctx.worker.id, Journey.state == "active")
        .with_for_update()
    ).one_or_none()


def _last_journey(ctx: Context) -> Journey | None:
    return ctx.session.scalars(
        select(Journey)
        .where(Journey.worker_id == ctx.worker.id)
        .order_by(Journey.id.desc())
        .limit(1)
    ).first()


def _deadline(
    ctx: Context, command: Command, default: timedelta | None
) -> datetime | str:
    """The deadline a command asks for, or the reply that explains why not."""
    if command.when is None:
        if default is None:
            return replies.need_time()
        return ctx.now + default
    due = resolve(command.when, ctx.now, ctx.tz)
    shortest = timedelta(seconds=ctx.policy.min_journey_s)
    longest = timedelta(seconds=ctx.policy.max_journey_s)
    if not shortest <= due - ctx.now <= longest:
        return replies.out_of_range(format_span(shortest), format_span(longest))
    return due


def start(ctx: Context, command: Command) -> str:
    current = active_journey(ctx)
    if current is not None:
        return replies.already_active(current.due_at, ctx.tz, ctx.now)
    if command.bare:
        return replies.how_to_start()
    due = _deadline(ctx, command, None)
    if isinstance(due, str):
        return due
    journey = Journey(
        org_id=ctx.org.id,
        worker_id=ctx.worker.id,
        state="active",
        note=command.note[:200],
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
    return replies.started(due, ctx.tz, ctx.now)


def arrived(ctx: Context, command: Command) -> str:
    journey = active_journey(ctx)
    alert = closing.open_alert_of(ctx.session, ctx.worker.id)
    told = 0
    if alert is not None:
        told = closing.close_alert(
            ctx.session,
            alert,
            reason="arrived",
            why="is safe (replied ARRIVED)",
            now=ctx.now,
        )
    if journey is None:
        last = _last_journey(ctx)
        if told:
            return replies.arrived(ctx.now, ctx.tz, told)
        if last is not None and last.closed_at is not None:
            return replies.already_closed(last.closed_at, ctx.tz, ctx.now)
        return replies.no_journey()
    _close(ctx, journey, "worker")
    return replies.arrived(ctx.now, ctx.tz, told)


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
    if command.when is not None and not isinstance(command.when, Duration):
        return _deadline(ctx, command, None)
    base = max(journey.due_at, ctx.now)
    if command.when is None:
        due = base + timedelta(seconds=ctx.policy.default_extend_s)
    else:
        due = base + timedelta(minutes=command.when.minutes)
    longest = timedelta(seconds=ctx.policy.max_journey_s)
    if due - ctx.now > longest:
        shortest = timedelta(seconds=ctx.policy.min_journey_s)
        return replies.out_of_range(format_span(shortest), format_span(longest))
    return due


def extend(ctx: Context, command: Command) -> str:
    journey = active_journey(ctx)
    if journey is None:
        return replies.no_journey()
    due = _extended_due(ctx, journey, command)
    if isinstance(due, str):
        return due
    told = 0
    alert = closing.open_alert_of(ctx.session, ctx.worker.id)
    if alert is not None:
        why = "replied and extended the journey"
        told = closing.close_alert(
            ctx.session, alert, reason="extended", why=why, now=ctx.now
        )
    journey.due_at = due
    steps.plan_journey(ctx.session, journey, ctx.now)
    log.info("journey %s: extended, due %s", journey.id, due.isoformat())
    return replies.extended(due, ctx.tz, ctx.now, told)


def status(ctx: Context, command: Command) -> str:
    journey = active_journey(ctx)
    if journey is None:
        return replies.no_journey()
    return replies.status(journey.due_at, ctx.tz, ctx.now)


def help_(ctx: Context, command: Command) -> str:
    return replies.help_text()


def sos(ctx: Context, command: Command) -> str:
    journey = active_journey(ctx)
    alert = steps.open_alert(
        ctx.session,
        ctx.worker,
        journey,
        kind="sos",
        since=ctx.now,
        by="sos",
        note=command.note,
    )
    if journey is not None:
        # The alert now owns the timeline; the journey's own steps stop.
        journey.next_action_at = None
        journey.version += 1
    return replies.sos_sent(len(closing.paged_phones(ctx.session, alert.id)))


HANDLERS: dict[Verb, Handler] = {
    Verb.START: start,
    Verb.ARRIVED: arrived,
    Verb.EXTEND: extend,
    Verb.STATUS: status,
    Verb.HELP: help_,
    Verb.SOS: sos,
}
