"""Carrying out a journey's steps against the database.

Every entry point locks its journey or alert row, checks the state and
version it was woken for, claims the step with a unique row and queues the
messages in the same transaction. Job runners and sweepers may all call in
at once; each step happens once.
"""

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from gateway import clock, directory, metrics, outbox
from gateway.escalation import claims, engine, messages, wakeups
from gateway.escalation.paging import open_alert, run_alert
from gateway.models import Journey, Organisation, Worker

__all__ = ["open_alert", "plan_journey", "run_alert", "run_journey"]

log = logging.getLogger(__name__)


def plan_journey(session: Session, journey: Journey, now: datetime) -> None:
    """Set the journey's next action after a start or extension, and wake it then."""
    plan = engine.journey_plan(
        journey.started_at, journey.due_at, claims.timing_for(session, journey.org_id)
    )
    following = engine.next_step(plan, now)
    journey.next_action_at = following.at if following else None
    journey.version += 1
    wakeups.wake_journey_later(session, journey, urgent=_opens_alert(plan, following))


def run_journey(
    session: Session, journey_id: int, version: int | None, by: str
) -> str | None:
    """Carry out the journey's due step; returns its name, or None if none was due.

    ``version`` None (the sweeper) accepts any version; a job passes the
    version it was scheduled for and does nothing once the row moved on.
    """
    now = clock.now()
    # Sweepers in several runners walk the same list of due journeys: each
    # passes over the ones another is working on instead of queueing behind.
    journey = claims.lock(session, Journey, journey_id, skip_locked=by == "sweeper")
    if journey is None or journey.state != "active" or journey.next_action_at is None:
        return None
    if version is not None and journey.version != version:
        return None
    plan = engine.journey_plan(
        journey.started_at, journey.due_at, claims.timing_for(session, journey.org_id)
    )
    if journey.next_action_at > now:
        # A job may arrive up to a second early (timers): it waits for the
        # instant. A sweeper that finds the row moved on since it listed it
        # leaves it: whoever moved it has scheduled its next wake-up.
        if version is not None:
            urgent = _opens_alert(plan, engine.next_step(plan, now))
            wakeups.wake_journey_later(session, journey, early=True, urgent=urgent)
        return None

    step = engine.due_step(plan, now)
    done = None
    key = engine.step_key(journey.id, step) if step else ""
    if step and claims.claim(session, key, step.at, by, journey_id=journey.id):
        _perform(session, journey, step, now)
        metrics.count_on_commit(session, metrics.STEPS, step.name)
        done = step.name
    following = None if done == engine.ALERT else engine.next_step(plan, now)
    journey.next_action_at = following.at if following else None
    journey.version += 1
    wakeups.wake_journey_later(session, journey, urgent=_opens_alert(plan, following))
    return done


def _opens_alert(plan: list[engine.Step], step: engine.Step | None) -> bool:
    """True if waking for ``step`` opens the alert (with no grace, the alert
    falls at the same instant as the overdue notice and replaces it)."""
    if step is None:
        return False
    due = engine.due_step(plan, step.at)
    return due is not None and due.name == engine.ALERT


def _perform(
    session: Session, journey: Journey, step: engine.Step, now: datetime
) -> None:
    worker = session.get(Worker, journey.worker_id)
    org = session.get(Organisation, journey.org_id)
    assert worker is not None and org is not None
    log.info("journey %s: %s step", journey.id, step.name)
    if step.name == engine.ALERT:
        open_alert(
            session,
            worker,
            journey,
            kind="overdue",
            since=journey.due_at,
            by="engine",
            due=step.at,
        )
        return
    phone = directory.bound_phone(session, worker.id)
    if phone is None:
        return
    tz = directory.worker_zone(worker, org)
    if step.name == engine.REMINDER:
        body = messages.reminder(journey.due_at, tz, now)
    else:
        grace = claims.timing_for(session, org.id).grace
        body = messages.overdue(journey.due_at + grace, tz, now)
    outbox.queue(
        session,
        to=phone,
        body=body,
        kind=step.name,
        org_id=org.id,
        journey_id=journey.id,
        worker_id=worker.id,
        due_at=step.at,
    )
