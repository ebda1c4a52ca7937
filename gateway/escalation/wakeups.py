"""Wake-up calls: RQ jobs scheduled for a row's next action, after the commit.

A job carries the row id and the version it was scheduled for, under a
deterministic id, so a re-schedule of the same version replaces rather than
adds, and a job for an old version finds nothing to do. Wake-ups that open
or page an alert go to the front of the queue: when thousands of steps fall
due at once, alerts are not kept waiting behind reminders.
"""

import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from gateway import runtime
from gateway.models import Alert, Journey


def wake_journey_later(
    session: Session, journey: Journey, *, early: bool = False, urgent: bool = False
) -> None:
    """Schedule the journey's next wake-up; ``early`` when a job woke too soon,
    ``urgent`` when it opens the alert and must go ahead of other work."""
    if journey.next_action_at is None:
        return
    at, journey_id, version = journey.next_action_at, journey.id, journey.version
    runtime.after_commit(
        session, lambda: _schedule("journey", journey_id, version, at, early, urgent)
    )


def wake_alert_later(session: Session, alert: Alert, *, early: bool = False) -> None:
    """Schedule the alert's next round; ``early`` when a job woke too soon."""
    if alert.next_action_at is None:
        return
    at, alert_id, version = alert.next_action_at, alert.id, alert.version
    runtime.after_commit(
        session, lambda: _schedule("alert", alert_id, version, at, early, True)
    )


def _schedule(
    kind: str, row_id: int, version: int, at: datetime, early: bool, urgent: bool
) -> None:
    from gateway import jobs

    func = jobs.wake_journey if kind == "journey" else jobs.wake_alert
    job_id = f"{kind}-{row_id}-{version}"
    if early:
        # The job that woke too soon is still running, and RQ deletes it by
        # id when it ends: the second call needs an id of its own, and one
        # that a third (hosts' clocks disagreeing) would not share.
        job_id += f"-again-{secrets.token_hex(4)}"
    runtime.get().wake(func, at, job_id, row_id, version, again=early, urgent=urgent)
