"""Wake-up calls: RQ jobs scheduled for a row's next action, after the commit.

A job carries the row id and the version it was scheduled for, under a
deterministic id, so a re-schedule of the same version replaces rather than
adds, and a job for an old version finds nothing to do.
"""

from datetime import datetime

from sqlalchemy.orm import Session

from gateway import runtime
from gateway.models import Alert, Journey


def wake_journey_later(
    session: Session, journey: Journey, *, early: bool = False
) -> None:
    """Schedule the journey's next wake-up; ``early`` when a job woke too soon."""
    if journey.next_action_at is None:
        return
    at, journey_id, version = journey.next_action_at, journey.id, journey.version
    runtime.after_commit(
        session, lambda: _schedule("journey", journey_id, version, at, early)
    )


def wake_alert_later(session: Session, alert: Alert, *, early: bool = False) -> None:
    """Schedule the alert's next round; ``early`` when a job woke too soon."""
    if alert.next_action_at is None:
        return
    at, alert_id, version = alert.next_action_at, alert.id, alert.version
    runtime.after_commit(
        session, lambda: _schedule("alert", alert_id, version, at, early)
    )


def _schedule(kind: str, row_id: int, version: int, at: datetime, early: bool) -> None:
    from gateway import jobs

    func = jobs.wake_journey if kind == "journey" else jobs.wake_alert
    # A job that woke too soon is still running under the plain id, and RQ
    # deletes that job when it ends: the second call needs an id of its own.
    job_id = f"{kind}-{row_id}-{version}" + ("-again" if early else "")
    runtime.get().wake(func, at, job_id, row_id, version, again=early)
