"""Prometheus metrics: events counted where they happen, state read at scrape.

Counters and the lateness histogram live in the process that does the work:
the web counts inbound texts, job runners count steps and sends. With
PROMETHEUS_MULTIPROC_DIR set (one empty directory per machine, shared by
gunicorn and the job runners there) one ``/metrics`` sums them all; a job
runner on another machine serves its own on METRICS_PORT. What the database
knows (open alerts, active journeys, the send backlog) is read from it at
each scrape, so every web instance reports the same figure.
"""

import logging
import os
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway import clock, runtime
from gateway.models import Alert, Heartbeat, Journey, Outbox

log = logging.getLogger(__name__)

INBOUND = Counter("gateway_inbound_messages", "Inbound SMS handled, by verb", ["verb"])
REPLIES = Counter("gateway_replies", "Inbound SMS answered with a reply")
OUTBOUND = Counter(
    "gateway_outbound_messages",
    "Outbound SMS status changes: send outcomes and delivery reports",
    ["kind", "status"],
)
STEPS = Counter("gateway_escalation_steps", "Escalation steps carried out", ["step"])
LATENESS = Histogram(
    "gateway_step_lateness_seconds",
    "From a step's due time to its message being handed to Twilio",
    ["kind"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900),
)
# The sweeper's heartbeat row (escalation.sweeper.HEARTBEAT, which imports us).
SWEEPER_BEAT = "sweeper"
SWEEPER = Counter(
    "gateway_sweeper_caught", "Work the sweeper found that no job had done", ["what"]
)


def count_on_commit(session: Session, counter: Counter, *labels: str) -> None:
    """Count an event once its transaction has committed (a rollback undoes it)."""
    child = counter.labels(*labels) if labels else counter
    runtime.after_commit(session, child.inc)


def serve_metrics(port: int) -> None:
    """Serve this process's counters over HTTP, for a runner away from the web."""
    start_http_server(port, registry=_events())
    log.info("metrics: serving on port %s", port)


def observe_lateness(kind: str, due_at: datetime | None) -> None:
    if due_at is not None:
        LATENESS.labels(kind).observe(max((clock.now() - due_at).total_seconds(), 0))


def exposition(rt: runtime.Runtime) -> bytes:
    """The Prometheus text: this machine's counters, then state from the database."""
    state = CollectorRegistry()
    state.register(DatabaseState(rt))
    return generate_latest(_events()) + generate_latest(state)


def _events() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    # Sums the files every process on this machine writes into the directory.
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


class DatabaseState(Collector):
    """Gauges computed from the database at scrape time."""

    def __init__(self, rt: runtime.Runtime) -> None:
        self.rt = rt

    def collect(self) -> Iterator[Metric]:
        now = clock.now()
        with self.rt.db.session() as session:
            alerts = session.execute(
                select(Alert.state, func.count())
                .where(Alert.state != "closed")
                .group_by(Alert.state)
            ).all()
            journeys = session.scalar(
                select(func.count()).where(Journey.state == "active")
            )
            waiting = session.execute(
                select(Outbox.status, func.count(), func.min(Outbox.created_at))
                .where(Outbox.status.in_(("pending", "sending")))
                .group_by(Outbox.status)
            ).all()
            beat = session.scalar(
                select(Heartbeat.beat_at).where(Heartbeat.name == SWEEPER_BEAT)
            )
        yield _gauge("gateway_open_alerts", "Alerts not closed", "state", alerts)
        yield GaugeMetricFamily(
            "gateway_active_journeys", "Journeys under way", value=journeys or 0
        )
        yield _gauge(
            "gateway_outbox_waiting",
            "Messages waiting to be handed to Twilio",
            "status",
            [(status, count) for status, count, _ in waiting],
        )
        oldest = min((first for _, _, first in waiting), default=None)
        yield GaugeMetricFamily(
            "gateway_outbox_oldest_waiting_seconds",
            "Age of the oldest message waiting to be sent",
            value=(now - oldest).total_seconds() if oldest else 0,
        )
        if beat is not None:
            yield GaugeMetricFamily(
                "gateway_sweeper_heartbeat_age_seconds",
                "Seconds since a sweeper last finished a pass",
                value=(now - beat).total_seconds(),
            )


def _gauge(name: str, doc: str, label: str, rows: Iterable[Any]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=[label])
    for key, count in rows:
        family.add_metric([str(key)], count)
    return family
