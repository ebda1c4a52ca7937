"""A pool of sender threads in each job runner.

A Twilio API call takes a few hundred milliseconds, so one call at a time
sends a handful of messages a second: far too few when many journeys fall
due together. Each job runner therefore keeps a small pool of threads that
hand messages to Twilio side by side. A message queued in the job runner
(by an escalation step or the sweeper) goes straight to the pool; one queued
by the web process, and a retry after a back-off, arrive through an RQ job
that only passes the id on.

The pool holds message ids and nothing else. A row stays ``pending`` until a
sender claims it, so ids still waiting here when the runner stops or dies
are not lost: the sweeper of any runner sends them. Alerts and all-clears
are taken before reminders and notices.
"""

import itertools
import logging
import queue
import threading
import time

from gateway import outbox, runtime

log = logging.getLogger(__name__)

SAFETY, OTHER, _STOP = 1, 2, 0


class SenderPool:
    def __init__(self, rt: "runtime.Runtime", threads: int) -> None:
        self.rt = rt
        self._queue: queue.PriorityQueue[tuple[int, int, int]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._waiting: set[int] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, name=f"sender-{n}", daemon=True)
            for n in range(threads)
        ]

    def start(self) -> "SenderPool":
        for thread in self._threads:
            thread.start()
        log.info("senders: %s threads", len(self._threads))
        return self

    def submit(self, message_id: int, kind: str) -> bool:
        """Send ``message_id`` soon; False if it is already waiting or we stop."""
        with self._lock:
            if self._stopping.is_set() or message_id in self._waiting:
                return False
            self._waiting.add(message_id)
        rank = SAFETY if kind in outbox.SAFETY_KINDS else OTHER
        self._queue.put((rank, next(self._order), message_id))
        return True

    def backlog(self) -> int:
        """Messages handed to the pool and not yet taken by a sender."""
        with self._lock:
            return len(self._waiting)

    def stop(self, timeout: float = 15.0) -> None:
        """Finish the sends under way and take no more; waiting ids stay pending."""
        with self._lock:
            self._stopping.set()
            left = len(self._waiting)
        for _ in self._threads:
            self._queue.put((_STOP, next(self._order), 0))
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0))
        if left:
            log.info("senders: stopped with %s messages left for the sweeper", left)

    def _run(self) -> None:
        while True:
            rank, _, message_id = self._queue.get()
            if rank == _STOP or self._stopping.is_set():
                return
            with self._lock:
                self._waiting.discard(message_id)
            try:
                outbox.deliver(self.rt, message_id)
            except Exception:
                # The row is still pending or will go stale; the sweeper retries.
                log.exception("senders: message %s failed unexpectedly", message_id)
