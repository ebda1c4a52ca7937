"""What a process needs to do work: settings, database, sender and queue.

The web app and the job runner each build one ``Runtime``. Work that must
happen after a transaction commits (sending, waking the engine) is attached
to the session with ``after_commit`` and dispatched only once the commit has
succeeded, so a job never reads a row that is not there yet.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import event
from sqlalchemy.orm import Session

from gateway import clock, config
from gateway.db import Database
from gateway.sms import Sender, make_sender

if TYPE_CHECKING:
    from gateway.senders import SenderPool
    from gateway.timers import Timer

log = logging.getLogger(__name__)

QUEUE = "gateway"
# The longest a job runner's timer holds a wake-up; later ones go to RQ.
HOLD_AT_MOST = timedelta(seconds=5)
_current: "Runtime | None" = None


class Runtime:
    def __init__(self, settings: config.Settings, sender: Sender | None = None) -> None:
        self.settings = settings
        self.db = Database(settings.database_url, settings.send_threads + 3)
        self.sender = sender or make_sender(settings)
        # A job runner's sender threads and timer; elsewhere RQ does it all.
        self.senders: SenderPool | None = None
        self.timer: Timer | None = None
        self.redis: Redis | None = None
        self.queue: Queue | None = None
        if settings.redis_url:
            self.redis = Redis.from_url(settings.redis_url, socket_timeout=5)
            self.queue = Queue(QUEUE, connection=self.redis)
        event.listen(self.db.sessions, "after_commit", _run_after_commit)
        event.listen(self.db.sessions, "after_rollback", _forget_after_commit)

    def enqueue(
        self,
        func: Callable[..., Any],
        job_id: str,
        *args: Any,
        at_front: bool = False,
    ) -> None:
        """Queue ``func(*args)`` now; Redis trouble is logged, the sweeper covers it."""
        if self.queue is None:
            return
        try:
            self.queue.enqueue(
                func, *args, job_id=job_id, result_ttl=0, at_front=at_front
            )
        except RedisError as exc:
            log.warning("queue: could not enqueue %s: %s", job_id, exc)

    def send_soon(self, message_id: int, kind: str, attempt: int) -> None:
        """Hand a message to this runner's senders, or to any runner through RQ."""
        if self.senders is not None:
            self.senders.submit(message_id, kind)
            return
        from gateway import jobs
        from gateway.outbox import SAFETY_KINDS

        job_id = f"send-{message_id}-{attempt}"
        urgent = kind in SAFETY_KINDS
        self.enqueue(jobs.send_message, job_id, message_id, kind, at_front=urgent)

    def schedule(
        self,
        func: Callable[..., Any],
        at: datetime,
        job_id: str,
        *args: Any,
        at_front: bool = False,
    ) -> None:
        """Run ``func(*args)`` at the aware instant ``at``, never before it."""
        # RQ scores scheduled jobs in whole seconds, dropping the fraction, so a
        # job would wake up to a second early and find nothing due yet.
        if at.microsecond:
            at = at.replace(microsecond=0) + timedelta(seconds=1)
        self._enqueue_at(func, at, job_id, *args, at_front=at_front)

    def wake(
        self,
        func: Callable[..., Any],
        at: datetime,
        job_id: str,
        *args: Any,
        again: bool = False,
        urgent: bool = False,
    ) -> None:
        """Wake the engine at ``at``; the sweeper backs it up.

        The first call lets RQ drop the fraction of a second, so the job may
        arrive up to a second early; ``again`` is for the job that did. In a
        job runner its timer then holds the job to the instant (timers);
        elsewhere RQ runs it at the next whole second. An ``urgent`` job goes
        to the front of the queue when it is due.
        """
        if not again:
            self._enqueue_at(func, at, job_id, *args, at_front=urgent)
        elif self.timer is not None and _aware(at) - clock.now() <= HOLD_AT_MOST:
            self.timer.call_at(at, func, job_id, *args, at_front=urgent)
        else:
            self.schedule(func, at, job_id, *args, at_front=urgent)

    def _enqueue_at(
        self,
        func: Callable[..., Any],
        at: datetime,
        job_id: str,
        *args: Any,
        at_front: bool,
    ) -> None:
        _aware(at)
        if self.queue is None:
            return
        try:
            self.queue.enqueue_at(
                at, func, *args, job_id=job_id, result_ttl=0, at_front=at_front
            )
        except RedisError as exc:
            log.warning("queue: could not schedule %s: %s", job_id, exc)


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("RQ reads naive datetimes as local time; pass aware UTC")
    return at


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` once the session's transaction has committed."""
    session.info.setdefault("after_commit", []).append(action)


def _run_after_commit(session: Session) -> None:
    for action in session.info.pop("after_commit", []):
        try:
            action()
        except Exception:
            log.exception("after-commit action failed; the sweeper will retry it")


def _forget_after_commit(session: Session) -> None:
    session.info.pop("after_commit", None)


def install(runtime: "Runtime | None") -> None:
    global _current
    _current = runtime


def get() -> Runtime:
    """The process's runtime; the job runner builds it from the environment."""
    global _current
    if _current is None:
        _current = Runtime(config.load())
    return _current
