"""Carrying out escalation steps against the database.

Every entry point locks its journey or alert row, checks the state and
version it was woken for, claims the step with a unique row and queues the
messages in the same transaction. Job runners and sweepers may all call in
at once; each step happens once.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway import clock, directory, metrics, outbox, runtime
from gateway.escalation import engine, messages
from gateway.models import (
    Alert,
    Contact,
    Journey,
    OptOut,
    Organisation,
    StepClaim,
    Worker,
)

log = logging.getLogger(__name__)


def timing_for(session: Session, org_id: int) -> engine.Timing:
    policy = directory.policy_for(session, org_id)
    return engine.Timing(
        reminder=timedelta(seconds=policy.reminder_s),
        reminder_min_journey=timedelta(seconds=policy.reminder_min_journey_s),
        grace=timedelta(seconds=policy.grace_s),
        level_delay=timedelta(seconds=policy.level_delay_s),
    )


def claim(session: Session, key: str, due_at: datetime, by: str, **links: int) -> bool:
    """Insert the step's unique row; False if someone else already has it."""
    try:
        with session.begin_nested():
            session.add(
                StepClaim(
                    step_key=key,
                    due_at=due_at,
                    claimed_at=clock.now(),
                    claimed_by=by,
                    **links,
                )
            )
    except IntegrityError:
        return False
    return True


def plan_journey(session: Session, journey: Journey, now: datetime) -> None:
    """Set the journey's next action after a start or extension, and wake it then."""
    plan = engine.journey_plan(
        journey.started_at, journey.due_at, timing_for(session, journey.org_id)
    )
    journey.next_action_at = engine.next_action_at(plan, now)
    journey.version += 1
    wake_journey_later(session, journey)


def wake_journey_later(session: Session, journey: Journey) -> None:
    if journey.next_action_at is None:
        return
    at, journey_id, version = journey.next_action_at, journey.id, journey.version
    runtime.after_commit(session, lambda: _schedule("journey", journey_id, version, at))


def wake_alert_later(session: Session, alert: Alert) -> None:
    if alert.next_action_at is None:
        return
    at, alert_id, version = alert.next_action_at, alert.id, alert.version
    runtime.after_commit(session, lambda: _schedule("alert", alert_id, version, at))


def _schedule(kind: str, row_id: int, version: int, at: datetime) -> None:
    from gateway import jobs

    func = jobs.wake_journey if kind == "journey" else jobs.wake_alert
    runtime.get().schedule(func, at, f"{kind}-{row_id}-{version}", row_id, version)


def run_journey(
    session: Session, journey_id: int, version: int | None, by: str
) -> str | None:
    """Carry out the journey's due step; returns its name, or None if none was due."""
    now = clock.now()
    journey = session.scalars(
        select(Journey).where(Journey.id == journey_id).with_for_update()
    ).one_or_none()
    if journey is None or journey.state != "active" or journey.next_action_at is None:
        return None
    if version is not None and journey.version != version:
        return None
    if journey.next_action_at > now:
        wake_journey_later(session, journey)
        return None

    plan = engine.journey_plan(
        journey.started_at, journey.due_at, timing_for(session, journey.org_id)
    )
    step = engine.due_step(plan, now)
    done = None
    if step and claim(
        session, engine.step_key(journey.id, step), step.at, by, journey_id=journey.id
    ):
        _perform(session, journey, step, now)
        done = step.name
        metrics.count_on_commit(session, metrics.STEPS, step.name)
    journey.next_action_at = (
        None if done == engine.ALERT else engine.next_action_at(plan, now)
    )
    journey.version += 1
    wake_journey_later(session, journey)
    return done


def _perform(
    session: Session, journey: Journey, step: engine.Step, now: datetime
) -> None:
    worker = session.get(Worker, journey.worker_id)
    org = session.get(Organisation, journey.org_id)
    assert worker is not None and org is not None
    tz = directory.worker_zone(worker, org)
    phone = directory.bound_phone(session, worker.id)
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
    if phone is None:
        return
    if step.name == engine.REMINDER:
        body = messages.reminder(journey.due_at, tz, now)
    else:
        grace = timing_for(session, org.id).grace
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


def open_alert(
    session: Session,
    worker: Worker,
    journey: Journey | None,
    *,
    kind: str,
    since: datetime,
    by: str,
    note: str = "",
    due: datetime | None = None,
) -> Alert:
    """Open an alert and page its first round now (every level for an SOS).

    ``due`` is when the alert should have gone out, for lateness figures.
    """
    now = clock.now()
    alert = Alert(
        org_id=worker.org_id,
        worker_id=worker.id,
        journey_id=journey.id if journey else None,
        kind=kind,
        state="open",
        level=0,
        opened_at=since,
        next_action_at=due or now,
        version=0,
    )
    session.add(alert)
    session.flush()
    log.info("alert %s: opened (%s) for worker %s", alert.id, kind, worker.id)
    _page_until_someone(session, alert, by, now, note=note, everyone=kind == "sos")
    return alert


def run_alert(session: Session, alert_id: int, version: int | None, by: str) -> bool:
    """Page the alert's next round if it is due; True if a round was paged."""
    now = clock.now()
    alert = session.scalars(
        select(Alert).where(Alert.id == alert_id).with_for_update()
    ).one_or_none()
    if alert is None or alert.state != "open" or alert.next_action_at is None:
        return False
    if version is not None and alert.version != version:
        return False
    if alert.next_action_at > now:
        wake_alert_later(session, alert)
        return False
    return _page_until_someone(session, alert, by, now)


def _page_until_someone(
    session: Session,
    alert: Alert,
    by: str,
    now: datetime,
    *,
    note: str = "",
    everyone: bool = False,
) -> bool:
    """Page rounds until one reaches a reachable contact or a full repeat is done."""
    levels = _levels(session, alert.org_id)
    due = alert.next_action_at or now
    paged_any = False
    for _ in range(len(levels) + 1):
        alert.level += 1
        if not claim(
            session, engine.round_key(alert.id, alert.level), now, by, alert_id=alert.id
        ):
            continue
        targets = levels if everyone else engine.round_levels(alert.level, levels)
        if _page(session, alert, targets, now, note, due):
            paged_any = True
            metrics.count_on_commit(session, metrics.STEPS, "level")
            break
    if not paged_any:
        log.error(
            "alert %s: worker %s left unreached by every level",
            alert.id,
            alert.worker_id,
        )
    delay = timing_for(session, alert.org_id).level_delay
    alert.next_action_at = now + delay
    alert.version += 1
    wake_alert_later(session, alert)
    return paged_any


def _levels(session: Session, org_id: int) -> list[int]:
    rows = session.scalars(
        select(Contact.level).where(Contact.org_id == org_id, Contact.active).distinct()
    )
    return sorted(rows)


def _page(
    session: Session,
    alert: Alert,
    levels: list[int],
    now: datetime,
    note: str,
    due: datetime,
) -> bool:
    contacts = session.scalars(
        select(Contact)
        .where(
            Contact.org_id == alert.org_id, Contact.active, Contact.level.in_(levels)
        )
        .where(Contact.phone.not_in(select(OptOut.phone)))
        .order_by(Contact.level, Contact.id)
    ).all()
    if not contacts:
        return False
    body = _alert_body(session, alert, now, note)
    for contact in contacts:
        outbox.queue(
            session,
            to=contact.phone,
            body=body,
            kind="alert",
            org_id=alert.org_id,
            journey_id=alert.journey_id,
            alert_id=alert.id,
            contact_id=contact.id,
            worker_id=alert.worker_id,
            due_at=due,
        )
    log.info(
        "alert %s: round %s paged %s contacts", alert.id, alert.level, len(contacts)
    )
    return True


def _alert_body(session: Session, alert: Alert, now: datetime, note: str) -> str:
    worker = session.get(Worker, alert.worker_id)
    org = session.get(Organisation, alert.org_id)
    assert worker is not None and org is not None
    journey = session.get(Journey, alert.journey_id) if alert.journey_id else None
    text = note or (journey.note if journey else "")
    return messages.alert(
        ref=alert.id,
        kind=alert.kind,
        name=worker.full_name,
        phone=directory.bound_phone(session, worker.id),
        since=alert.opened_at,
        note=text,
        tz=directory.worker_zone(worker, org),
        now=now,
    )
