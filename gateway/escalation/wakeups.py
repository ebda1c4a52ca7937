"""Wake-up calls: RQ jobs scheduled for a row's next action, after the commit.

A job carries the row id and the version it was scheduled for, under a
deterministic id, so a re-schedule of the same version replaces rather than
adds, and a job for an old version finds nothing to do.
"""

from datetime import datetime

from sqlalchemy.orm import Session

from gateway import runtime
from gateway.models import Alert, Journey


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
