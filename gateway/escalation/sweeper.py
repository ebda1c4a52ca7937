"""The sweeper: the backstop that does not need Redis.

Every pass performs each escalation step whose time has passed and each
message still waiting to be sent, whatever happened to their RQ jobs. Lost
jobs, a flushed Redis or a dead scheduler delay an escalation by one pass
at most. Passes in several processes at once are safe: every step is
claimed under a row lock.
"""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, literal, select, update

from gateway import clock, db, metrics, outbox, runtime
from gateway.escalation import paging, steps
from gateway.models import Alert, Heartbeat, Journey, Outbox

log = logging.getLogger(__name__)

HEARTBEAT = "sweeper"
# A step the sweeper performs within this long of its due time was on its way
# through RQ's scheduler anyway: it is done, but not reported as caught.
LATE = timedelta(seconds=3)
BATCH = 500


@dataclass
class SweepResult:
    journeys: int = 0
    alerts: int = 0
    messages: int = 0


def sweep(rt: runtime.Runtime) -> SweepResult:
    """One pass; returns how many steps and sends it caught."""
    now = clock.now()
    result = SweepResult()
    # After a Redis flush thousands of steps can be due at once: take batch
    # after batch, so one pass catches them all, within one interval's time.
    until = time.monotonic() + rt.settings.sweep_interval
    while _sweep_batch(rt, now, result) and time.monotonic() < until:
        pass
    _beat(rt, now)
    for what, count in vars(result).items():
        metrics.SWEEPER.labels(what).inc(count)
    if result.journeys or result.alerts:
        log.warning("sweeper: caught %s", result)
    elif result.messages:
        log.info("sweeper: sent %s waiting messages", result.messages)
    return result


def _sweep_batch(rt: runtime.Runtime, now: datetime, result: SweepResult) -> bool:
    """One batch of each kind; True when a batch was full and more may wait."""
    journeys = _due_ids(rt, Journey, now)
    for journey_id, due in journeys:
        with rt.db.session() as session:
            done = steps.run_journey(session, journey_id, None, by="sweeper")
        result.journeys += bool(done) and due < now - LATE
    alerts = _due_ids(rt, Alert, now)
    for alert_id, due in alerts:
        with rt.db.session() as session:
            paged = paging.run_alert(session, alert_id, None, by="sweeper")
        result.alerts += paged and due < now - LATE
    # A fresh clock: the pages this batch just queued go out in this pass too.
    sent = _send_waiting(rt, clock.now())
    result.messages += sent
    return BATCH in (len(journeys), len(alerts), sent)


def _due_ids(
    rt: runtime.Runtime, model: type[Journey] | type[Alert], now: datetime
) -> list[tuple[int, datetime]]:
    live = "active" if model is Journey else "open"
    # Journeys whose next step opens the alert go first, as their jobs do.
    alert_first = (
        case((Journey.next_action_at > Journey.due_at, 0), else_=1)
        if model is Journey
        else literal(0)
    )
    with rt.db.session() as session:
        rows = session.execute(
            select(model.id, model.next_action_at)
            .where(model.state == live, model.next_action_at <= now)
            .order_by(alert_first, model.next_action_at)
            .limit(BATCH)
        ).all()
        return [(row_id, due) for row_id, due in rows if due is not None]


def _send_waiting(rt: runtime.Runtime, now: datetime) -> int:
    with rt.db.session() as session:
        # A safety message whose sender died mid-send goes again: at least once.
        session.execute(
            update(Outbox)
            .where(Outbox.status == "sending", Outbox.next_attempt_at <= now)
            .where(Outbox.kind.in_(outbox.SAFETY_KINDS))
            .values(status="pending", merged_into=None, updated_at=now)
        )
        # Anything else stays at most once: it is recorded as lost.
        session.execute(
            update(Outbox)
            .where(Outbox.status == "sending", Outbox.next_attempt_at <= now)
            .values(
                status="failed",
                error_message="sender died mid-send",
                next_attempt_at=None,
                updated_at=now,
            )
        )
        safety_first = case((Outbox.kind.in_(outbox.SAFETY_KINDS), 0), else_=1)
        waiting = session.execute(
            select(Outbox.id, Outbox.kind)
            .where(Outbox.status == "pending", Outbox.next_attempt_at <= now)
            .order_by(safety_first, Outbox.id)
            .limit(BATCH)
        ).all()
    if rt.senders is None:
        for message_id, _ in waiting:
            outbox.deliver(rt, message_id)
        return len(waiting)
    # Ids already with the senders are on their way and not counted again.
    return sum(rt.senders.submit(message_id, kind) for message_id, kind in waiting)


def _beat(rt: runtime.Runtime, now: datetime) -> None:
    with rt.db.session() as session:
        statement = db.insert(session, Heartbeat).values(name=HEARTBEAT, beat_at=now)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["name"], set_={"beat_at": now}
            )
        )


def last_beat(rt: runtime.Runtime) -> datetime | None:
    with rt.db.session() as session:
        return session.scalar(
            select(Heartbeat.beat_at).where(Heartbeat.name == HEARTBEAT)
        )


class SweeperThread(threading.Thread):
    """Runs a pass every ``interval`` seconds until stopped."""

    def __init__(self, rt: runtime.Runtime, interval: float) -> None:
        super().__init__(name="sweeper", daemon=True)
        self.rt = rt
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        log.info("sweeper: every %.0f s", self.interval)
        while not self.stopping.is_set():
            try:
                sweep(self.rt)
            except Exception:
                log.exception("sweeper: pass failed; trying again next interval")
            self.stopping.wait(self.interval)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the pass under way, waiting for it at most ``timeout`` s."""
        self.stopping.set()
        if self.is_alive():
            self.join(timeout)
