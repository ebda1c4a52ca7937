"""What a worker command runs with: who, where, when, and their live rows."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models import Alert, Journey, Organisation, Policy, Worker
from gateway.sms_commands import replies


@dataclass(frozen=True)
class Context:
    session: Session
    worker: Worker
    org: Organisation
    policy: Policy
    tz: ZoneInfo
    phone: str
    now: datetime

    @property
    def shortest(self) -> timedelta:
        return timedelta(seconds=self.policy.min_journey_s)

    @property
    def longest(self) -> timedelta:
        return timedelta(seconds=self.policy.max_journey_s)

    @property
    def example(self) -> str:
        return replies.example_span(self.shortest, self.longest)


def active_journey(ctx: Context) -> Journey | None:
    return ctx.session.scalars(
        select(Journey)
        .where(Journey.worker_id == ctx.worker.id, Journey.state == "active")
        .with_for_update()
    ).one_or_none()


def open_alerts(ctx: Context) -> list[Alert]:
    """The worker's alerts not yet closed (an SOS may sit beside an overdue one)."""
    return list(
        ctx.session.scalars(
            select(Alert)
            .where(Alert.worker_id == ctx.worker.id, Alert.state != "closed")
            .order_by(Alert.id)
            .with_for_update()
        )
    )
