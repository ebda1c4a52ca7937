"""Retention: old messages and finished journeys are deleted, per organisation.

Each organisation keeps its messages for ``policy.retention_days`` (or the
purge's default). Only what is over is removed: a pending send, an active
journey or an alert not yet closed stays whatever its age. Audit events are
kept; they hold ids and masked numbers, not messages.
"""

import logging
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, exists, or_, select
from sqlalchemy.orm import Session

from gateway import audit
from gateway.models import (
    Alert,
    Inbound,
    Journey,
    Organisation,
    Outbox,
    Policy,
    RateEvent,
    SecurityCode,
    StepClaim,
)

log = logging.getLogger(__name__)

DEFAULT_DAYS = 400
# Rate limits look back an hour or a day; older events only keep numbers.
RATE_EVENTS_KEPT = timedelta(days=2)
LIVE_SENDS = ("pending", "sending")


def purge(session: Session, default_days: int, now: datetime) -> dict[str, int]:
    """Delete what every organisation no longer keeps; returns counts by table."""
    totals: Counter[str] = Counter()
    orgs = session.execute(
        select(Organisation.id, Policy.retention_days).join(
            Policy, Policy.org_id == Organisation.id
        )
    ).all()
    for org_id, days in orgs:
        counts = purge_org(session, org_id, now - timedelta(days=days or default_days))
        audit.record(
            session, "retention.purged", actor="cli", org_id=org_id, removed=counts
        )
        totals.update(counts)
    # Texts from strangers belong to no organisation: the default applies.
    cutoff = now - timedelta(days=default_days)
    totals["inbound"] += _delete(
        session, Inbound, Inbound.org_id.is_(None), Inbound.received_at < cutoff
    )
    totals["outbox"] += _delete(
        session,
        Outbox,
        Outbox.org_id.is_(None),
        Outbox.created_at < cutoff,
        Outbox.status.not_in(LIVE_SENDS),
    )
    totals["rate_event"] += _delete(
        session, RateEvent, RateEvent.at < now - RATE_EVENTS_KEPT
    )
    log.info("retention: purged %s", dict(totals))
    return dict(totals)


def purge_org(session: Session, org_id: int, cutoff: datetime) -> dict[str, int]:
    """Delete one organisation's messages, codes and closed work older than cutoff."""
    old_alert = (
        Alert.org_id == org_id,
        Alert.state == "closed",
        Alert.closed_at < cutoff,
    )
    old_alerts = select(Alert.id).where(*old_alert)
    # A journey goes once it is closed, old, and no alert kept still names it.
    kept_alert = exists().where(
        Alert.journey_id == Journey.id,
        or_(Alert.state != "closed", Alert.closed_at >= cutoff),
    )
    old_journey = (
        Journey.org_id == org_id,
        Journey.state == "closed",
        Journey.closed_at < cutoff,
        ~kept_alert,
    )
    old_journeys = select(Journey.id).where(*old_journey)
    counts = {
        "outbox": _delete(
            session,
            Outbox,
            Outbox.org_id == org_id,
            or_(
                Outbox.alert_id.in_(old_alerts),
                Outbox.journey_id.in_(old_journeys),
                (Outbox.created_at < cutoff) & Outbox.status.not_in(LIVE_SENDS),
            ),
        ),
        "step_claim": _delete(
            session,
            StepClaim,
            or_(
                StepClaim.alert_id.in_(old_alerts),
                StepClaim.journey_id.in_(old_journeys),
            ),
        ),
        "inbound": _delete(
            session, Inbound, Inbound.org_id == org_id, Inbound.received_at < cutoff
        ),
        "security_code": _delete(
            session,
            SecurityCode,
            SecurityCode.org_id == org_id,
            SecurityCode.created_at < cutoff,
            SecurityCode.state.not_in(("pending", "claimed")),
        ),
    }
    counts["alert"] = _delete(session, Alert, *old_alert)
    counts["journey"] = _delete(session, Journey, *old_journey)
    return counts


def _delete(session: Session, model: type, *where: ColumnElement[bool]) -> int:
    result = session.execute(
        delete(model).where(*where).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
