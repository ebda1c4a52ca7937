"""The job runner: RQ's in-process worker with the sweeper and senders beside it.

``rq worker --worker-class gateway.runner.JobRunner --with-scheduler gateway``
runs jobs, RQ's scheduler, the sweeper and a pool of sender threads, so web
plus this is a complete deployment and adding runners adds sweepers and
senders too.
"""

import logging
import sys
from typing import Any

from rq.worker import SimpleWorker

from gateway import config, runtime
from gateway.escalation.sweeper import SweeperThread
from gateway.logs import configure
from gateway.metrics import serve_metrics
from gateway.runtime import QUEUE
from gateway.senders import SenderPool
from gateway.timers import Timer

log = logging.getLogger(__name__)


def command(redis_url: str, *options: str) -> list[str]:
    """The job runner's command line, as the Procfile's ``worker`` runs it.

    A short worker TTL and maintenance interval let a surviving runner take
    RQ's scheduler lock within about a minute of another one dying.
    """
    return [
        sys.executable, "-m", "rq.cli", "worker", "--with-scheduler",
        "--worker-class", "gateway.runner.JobRunner", "--url", redis_url,
        "--worker-ttl", "60", "--maintenance-interval", "30", *options, QUEUE,
    ]  # fmt: skip


class JobRunner(SimpleWorker):
    # In-process execution: no fork per job, so a wake-up that finds nothing
    # to do costs a few milliseconds rather than a process start.

    def work(self, burst: bool = False, *args: Any, **kwargs: Any) -> bool:
        configure(job_ids=True)
        rt = runtime.get()
        config.require_redis(rt.settings)
        if rt.settings.metrics_port and not burst:
            serve_metrics(rt.settings.metrics_port)
        sweeper = None
        if not burst:
            rt.senders = SenderPool(rt, rt.settings.send_threads).start()
            rt.timer = Timer(rt).start()
            sweeper = SweeperThread(rt, rt.settings.sweep_interval)
            sweeper.start()
        try:
            return bool(super().work(burst, *args, **kwargs))
        finally:
            if sweeper is not None:
                sweeper.stop()
            # Both stay in place once stopped: a late call from another
            # thread goes to RQ or stays pending for the sweeper instead.
            if rt.timer is not None:
                rt.timer.stop()
            if rt.senders is not None:
                rt.senders.stop()
