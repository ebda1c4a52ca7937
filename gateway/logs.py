"""Logging set-up: one line per event, phone numbers already masked by callers.

In the job runner every record also carries the id of the RQ job it was
logged under ("-" outside a job, e.g. in the sweeper), so one alert's path
can be followed through the logs of several runners.
"""

import logging
import os

from rq import get_current_job

PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s"
WITH_JOB = "%(asctime)s %(levelname)s %(name)s [job %(job_id)s]: %(message)s"


class JobIdFilter(logging.Filter):
    """Adds ``job_id``: the current RQ job's id, or "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        job = get_current_job()
        record.job_id = job.id if job is not None else "-"
        return True


def configure(level: str | None = None, *, job_ids: bool = False) -> None:
    """Configure the root logger once, from LOG_LEVEL (default INFO)."""
    root = logging.getLogger()
    if getattr(root, "_gateway_configured", False):
        return
    chosen = (level or os.environ.get("LOG_LEVEL") or "INFO").upper()
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(WITH_JOB if job_ids else PLAIN))
    if job_ids:
        handler.addFilter(JobIdFilter())
    root.addHandler(handler)
    root.setLevel(chosen)
    # RQ's command line gives its loggers a handler of their own; without
    # this every job-runner line would be printed twice.
    logging.getLogger("rq").propagate = False
    root._gateway_configured = True  # type: ignore[attr-defined]
