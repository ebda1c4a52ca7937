"""RQ jobs. They take ids (and a message kind) only: RQ logs job arguments.

A job is a wake-up call. The database decides whether there is work; a job
woken for a version that has moved on does nothing.
"""

from gateway import outbox, runtime
from gateway.escalation import paging, steps


def send_message(message_id: int, kind: str = "") -> None:
    rt = runtime.get()
    if rt.senders is not None:
        # The runner's sender threads make the call; this job only passes it on.
        rt.senders.submit(message_id, kind)
    else:
        outbox.deliver(rt, message_id)


def wake_journey(journey_id: int, version: int) -> None:
    with runtime.get().db.session() as session:
        steps.run_journey(session, journey_id, version, by="job")


def wake_alert(alert_id: int, version: int) -> None:
    with runtime.get().db.session() as session:
        paging.run_alert(session, alert_id, version, by="job")
