"""Alerts: opening one and paging its rounds, level after level.

An alert's ``level`` counts the rounds paged so far. Round n pages level n
while there are levels left; after that every round pages every level. An
SOS pages every level in its first round and then repeats.
"""

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import clock, directory, metrics, outbox
from gateway.escalation import claims, engine, messages, wakeups
from gateway.models import Alert, Contact, Journey, OptOut, Organisation, Worker

log = logging.getLogger(__name__)


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
    page_next_round(session, alert, by, now, note=note, everyone=kind == "sos")
    return alert


def run_alert(session: Session, alert_id: int, version: int | None, by: str) -> bool:
    """Page the alert's next round if it is due; True if someone was paged.

    ``version`` None (the sweeper) accepts any version; a job passes the
    version it was scheduled for and does nothing once the row moved on.
    """
    now = clock.now()
    alert = claims.lock(session, Alert, alert_id, skip_locked=by == "sweeper")
    if alert is None or alert.state != "open" or alert.next_action_at is None:
        return False
    if version is not None and alert.version != version:
        return False
    if alert.next_action_at > now:
        # A job may arrive up to a second early (timers): it waits for the
        # instant. A sweeper that finds the row moved on since it listed it
        # leaves it: whoever moved it has scheduled its next wake-up.
        if version is not None:
            wakeups.wake_alert_later(session, alert, early=True)
        return False
    return page_next_round(session, alert, by, now)


def page_next_round(
    session: Session,
    alert: Alert,
    by: str,
    now: datetime,
    *,
    note: str = "",
    everyone: bool = False,
) -> bool:
    """Page rounds until one reaches a contact, or every level was tried.

    The caller holds the alert's row lock. Each round is claimed by its
    unique key, so no round is ever paged twice. Returns True if a message
    was queued; a worker left unreached by every level is logged at error.
    """
    levels = _levels(session, alert.org_id)
    due = alert.next_action_at or now
    reached = False
    for _ in range(len(levels) + 1):
        alert.level += 1
        key = engine.round_key(alert.id, alert.level)
        if not claims.claim(session, key, now, by, alert_id=alert.id):
            log.error("alert %s: round %s claimed twice; stopping", alert.id, key)
            break
        targets = levels if everyone else engine.round_levels(alert.level, levels)
        reached = _page(session, alert, targets, now, note, due)
        if everyone:
            # Every level has it: what follows are repeats to all levels.
            alert.level = max(alert.level, len(levels))
        if reached or everyone:
            break
    if reached:
        metrics.count_on_commit(session, metrics.STEPS, "level")
    else:
        log_unreached(alert)
    timing = claims.timing_for(session, alert.org_id)
    delay = engine.round_delay(alert.level, len(levels), timing)
    alert.next_action_at = now + delay
    alert.version += 1
    wakeups.wake_alert_later(session, alert)
    return reached


def log_unreached(alert: Alert) -> None:
    log.error(
        "alert %s: worker %s left unreached by every level",
        alert.id,
        alert.worker_id,
    )


def level_count(session: Session, org_id: int) -> int:
    return len(_levels(session, org_id))


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
    # One phone listed at two levels is paged once per round.
    by_phone = {contact.phone: contact for contact in reversed(contacts)}
    if not by_phone:
        return False
    body = _alert_body(session, alert, now, note)
    for contact in sorted(by_phone.values(), key=lambda c: (c.level, c.id)):
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
        "alert %s: round %s paged %s contacts", alert.id, alert.level, len(by_phone)
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
