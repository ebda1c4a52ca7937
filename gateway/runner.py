"""The job runner: RQ's in-process worker with the sweeper beside it.

``rq worker --worker-class gateway.runner.JobRunner --with-scheduler gateway``
runs jobs, RQ's scheduler and the sweeper, so web plus this is a complete
deployment and adding runners adds sweepers too.
"""

import logging
from typing import Any

from rq.worker import SimpleWorker

from gateway import config, runtime
from gateway.escalation.sweeper import SweeperThread
from gateway.logs import configure
from gateway.metrics import serve_metrics

log = logging.getLogger(__name__)


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
            sweeper = SweeperThread(rt, rt.settings.sweep_interval)
            sweeper.start()
        try:
            return bool(super().work(burst, *args, **kwargs))
        finally:
            if sweeper is not None:
                sweeper.stop()
