"""Wake-ups that arrived a moment early, held in the job runner until their instant.

RQ keeps a scheduled job's time in whole seconds and moves due jobs to the
queue once a second. Scheduled for the whole second before its instant, a
wake-up reaches a runner up to a second early; scheduled for the second
after, up to two seconds late. The engine takes the early road: a job that
arrives too soon is handed to the runner's timer, which puts it on the
queue at the exact instant.

The timer holds only what is due within a few seconds (the runtime sends
anything later to RQ). When the runner stops, whatever it still holds goes
back to RQ's schedule; if the runner dies, the sweeper performs those steps
on its next pass.
"""

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from gateway import clock, runtime

log = logging.getLogger(__name__)

_Entry = tuple[datetime, int, Callable[..., Any], str, tuple[Any, ...], bool]


class Timer:
    def __init__(self, rt: "runtime.Runtime") -> None:
        self.rt = rt
        self._heap: list[_Entry] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="timer", daemon=True)

    def start(self) -> "Timer":
        self._thread.start()
        return self

    def call_at(
        self,
        at: datetime,
        func: Callable[..., Any],
        job_id: str,
        *args: Any,
        at_front: bool = False,
    ) -> None:
        """Queue the job ``func(*args)`` under ``job_id`` at the instant ``at``."""
        entry = (at, next(self._order), func, job_id, args, at_front)
        with self._changed:
            if self._stopping:
                self.rt.schedule(func, at, job_id, *args, at_front=at_front)
                return
            heapq.heappush(self._heap, entry)
            self._changed.notify()

    def held(self) -> int:
        with self._changed:
            return len(self._heap)

    def stop(self) -> None:
        """Stop, and give what is still held back to RQ's schedule."""
        with self._changed:
            self._stopping = True
            self._changed.notify()
        if self._thread.is_alive():
            self._thread.join(5.0)
        for at, _, func, job_id, args, at_front in self._heap:
            self.rt.schedule(func, at, job_id, *args, at_front=at_front)
        self._heap.clear()

    def _run(self) -> None:
        while True:
            with self._changed:
                if self._stopping:
                    return
                wait = None
                if self._heap:
                    wait = (self._heap[0][0] - clock.now()).total_seconds()
                if wait is None or wait > 0:
                    self._changed.wait(wait)
                    continue
                _, _, func, job_id, args, at_front = heapq.heappop(self._heap)
            try:
                self.rt.enqueue(func, job_id, *args, at_front=at_front)
            except Exception:
                # The step is still due in the database: the sweeper has it.
                log.exception("timer: could not queue %s", job_id)
